/** Batch normalisation over (N, C, *) inputs, as torch.nn.functional.batch_norm. */
import { Tensor } from '../../tensor/tensor';
import { formatShape, numel } from '../../tensor/shape';
import { Function, applyFunction } from '../../autograd/function';
import { assertFloat, assertTensor, empty } from '../../autograd/ops/util';

export interface BatchNormOptions {
  /** Normalise with the batch statistics and update the running ones (default false, as PyTorch). */
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * The input seen as [n, c, s]: channel ch of sample i is the run of s values starting at
 * (i * c + ch) * s, so every loop below walks memory in order.
 */
interface Layout {
  n: number;
  c: number;
  s: number;
}

function layoutOf(shape: readonly number[]): Layout {
  return { n: shape[0], c: shape[1], s: numel(shape.slice(2)) };
}

/*
 * The run sums below keep four partial sums: one accumulator would make every add wait for the one
 * before it (a 4-cycle latency chain), which roughly halves the speed of these memory-bound passes.
 */

/** Σ a[j] over [start, end). */
function sumRun(a: ArrayLike<number>, start: number, end: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let j = start;
  for (; j + 3 < end; j += 4) {
    s0 += a[j]; s1 += a[j + 1]; s2 += a[j + 2]; s3 += a[j + 3];
  }
  for (; j < end; j++) s0 += a[j];
  return s0 + s1 + s2 + s3;
}

/** Σ a[j] · (b[j] − m) over [start, end). */
function centredDotRun(a: ArrayLike<number>, b: ArrayLike<number>, m: number, start: number, end: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let j = start;
  for (; j + 3 < end; j += 4) {
    s0 += a[j] * (b[j] - m); s1 += a[j + 1] * (b[j + 1] - m);
    s2 += a[j + 2] * (b[j + 2] - m); s3 += a[j + 3] * (b[j + 3] - m);
  }
  for (; j < end; j++) s0 += a[j] * (b[j] - m);
  return s0 + s1 + s2 + s3;
}

/** Σ (x[j] − m)² over [start, end). */
function squaredDeviationRun(x: ArrayLike<number>, m: number, start: number, end: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let j = start;
  for (; j + 3 < end; j += 4) {
    const d0 = x[j] - m, d1 = x[j + 1] - m, d2 = x[j + 2] - m, d3 = x[j + 3] - m;
    s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
  }
  for (; j < end; j++) s0 += (x[j] - m) * (x[j] - m);
  return s0 + s1 + s2 + s3;
}

/** Per-channel sum of a[i], or of a[i] * (b[i] - shift[ch]) when b is given, in one pass. */
function channelSums(a: ArrayLike<number>, b: ArrayLike<number> | null, shift: Float64Array | null, L: Layout): Float64Array {
  const out = new Float64Array(L.c);
  for (let i = 0; i < L.n; i++) {
    for (let ch = 0; ch < L.c; ch++) {
      const base = (i * L.c + ch) * L.s;
      out[ch] += b === null ? sumRun(a, base, base + L.s) : centredDotRun(a, b, shift === null ? 0 : shift[ch], base, base + L.s);
    }
  }
  return out;
}

/** Per-channel sum of squared deviations from `mean`: a second pass, which is stabler than E[x²] - E[x]². */
function channelSquaredDeviations(x: ArrayLike<number>, mean: Float64Array, L: Layout): Float64Array {
  const out = new Float64Array(L.c);
  for (let i = 0; i < L.n; i++) {
    for (let ch = 0; ch < L.c; ch++) {
      const base = (i * L.c + ch) * L.s;
      out[ch] += squaredDeviationRun(x, mean[ch], base, base + L.s);
    }
  }
  return out;
}

/** out = x * scale[ch] + shift[ch], channel by channel. */
function affine(x: ArrayLike<number>, out: Tensor['data'], scale: Float64Array, shift: Float64Array, L: Layout): void {
  for (let i = 0; i < L.n; i++) {
    for (let ch = 0; ch < L.c; ch++) {
      const base = (i * L.c + ch) * L.s;
      const a = scale[ch], b = shift[ch];
      for (let j = base; j < base + L.s; j++) out[j] = x[j] * a + b;
    }
  }
}

interface Stats {
  mean: Float64Array;
  invStd: Float64Array;
}

interface RunningStats {
  mean: Tensor | null;
  var: Tensor | null;
}

class BatchNorm extends Function<[Tensor, Stats, Tensor | null]> {
  constructor(
    private readonly training: boolean,
    private readonly running: RunningStats,
    private readonly momentum: number,
    private readonly eps: number,
  ) {
    super();
  }

  forward(x: Tensor, weight: Tensor | null, bias: Tensor | null): Tensor {
    const L = layoutOf(x.shape);
    const stats = this.training ? this.batchStats(x, L) : this.runningStats();
    const scale = new Float64Array(L.c);
    const shift = new Float64Array(L.c);
    for (let ch = 0; ch < L.c; ch++) {
      scale[ch] = stats.invStd[ch] * (weight ? weight.data[ch] : 1);
      shift[ch] = (bias ? bias.data[ch] : 0) - stats.mean[ch] * scale[ch];
    }
    const out = empty(x.shape, x.dtype);
    affine(x.data, out.data, scale, shift, L);
    this.saveForBackward(x, stats, weight);
    return out;
  }

  /** Mean and biased variance of the batch; also folds them into the running statistics, in place. */
  private batchStats(x: Tensor, L: Layout): Stats {
    const count = L.n * L.s;
    const mean = channelSums(x.data, null, null, L).map((v) => v / count);
    const squares = channelSquaredDeviations(x.data, mean, L);
    const invStd = squares.map((v) => 1 / Math.sqrt(v / count + this.eps));
    // PyTorch leaves the running statistics alone for an empty batch, whose statistics are NaN.
    if (count > 0) this.updateRunning(mean, squares, count);
    return { mean, invStd };
  }

  private updateRunning(mean: Float64Array, squares: Float64Array, count: number): void {
    const m = this.momentum;
    const rm = this.running.mean, rv = this.running.var;
    if (rm) for (let ch = 0; ch < mean.length; ch++) rm.data[ch] = (1 - m) * rm.data[ch] + m * mean[ch];
    // PyTorch normalises with the biased variance but tracks the unbiased one.
    if (rv) for (let ch = 0; ch < mean.length; ch++) rv.data[ch] = (1 - m) * rv.data[ch] + m * (squares[ch] / (count - 1));
  }

  private runningStats(): Stats {
    // The caller checked both are present in eval mode.
    const rm = this.running.mean as Tensor, rv = this.running.var as Tensor;
    return {
      mean: Float64Array.from(rm.data),
      invStd: Float64Array.from(rv.data, (v) => 1 / Math.sqrt(v + this.eps)),
    };
  }

  backward(g: Tensor): (Tensor | null)[] {
    const [x, { mean, invStd }, weight] = this.saved;
    const [needX, needW, needB] = this.needsInputGrad;
    const L = layoutOf(x.shape);
    // Σg and Σg·(x - mean) per channel: training mode needs both for dx, weight and bias one each.
    const sumG = needB || (needX && this.training) ? channelSums(g.data, null, null, L) : null;
    const sumGX = needW || (needX && this.training) ? channelSums(g.data, x.data, mean, L) : null;
    let gx: Tensor | null = null, gw: Tensor | null = null, gb: Tensor | null = null;
    if (needX) gx = this.inputGrad(g, x, mean, invStd, weight, sumG, sumGX, L);
    if (needW && weight && sumGX) {
      gw = empty(weight.shape, weight.dtype);
      for (let ch = 0; ch < L.c; ch++) gw.data[ch] = sumGX[ch] * invStd[ch];
    }
    if (needB && sumG) {
      gb = empty([L.c], x.dtype);
      gb.data.set(sumG);
    }
    return [gx, gw, gb];
  }

  /**
   * Eval: the statistics are constants, so dx = g * w * invStd. Training: they depend on x too, and
   * dx = w * invStd * (g - mean(g) - xhat * mean(g * xhat)), with xhat = (x - mean) * invStd.
   */
  private inputGrad(
    g: Tensor, x: Tensor, mean: Float64Array, invStd: Float64Array, weight: Tensor | null,
    sumG: Float64Array | null, sumGX: Float64Array | null, L: Layout,
  ): Tensor {
    const count = L.n * L.s;
    const scale = new Float64Array(L.c);
    const offset = new Float64Array(L.c);
    const slope = new Float64Array(L.c);
    for (let ch = 0; ch < L.c; ch++) {
      scale[ch] = invStd[ch] * (weight ? weight.data[ch] : 1);
      if (this.training && sumG && sumGX) {
        offset[ch] = sumG[ch] / count;
        slope[ch] = (sumGX[ch] * invStd[ch] * invStd[ch]) / count;
      }
    }
    const gx = empty(x.shape, x.dtype);
    const gd = g.data, xd = x.data, out = gx.data;
    for (let i = 0; i < L.n; i++) {
      for (let ch = 0; ch < L.c; ch++) {
        const base = (i * L.c + ch) * L.s;
        const a = scale[ch], b = offset[ch], k = slope[ch], m = mean[ch];
        for (let j = base; j < base + L.s; j++) out[j] = a * (gd[j] - b - (xd[j] - m) * k);
      }
    }
    return gx;
  }
}

function checkChannelVector(t: Tensor | null, name: string, x: Tensor): void {
  if (t === null) return;
  assertTensor(t, 'batchNorm', name);
  assertFloat(t, 'batchNorm', name);
  const c = x.shape[1];
  if (t.ndim !== 1 || t.shape[0] !== c) {
    throw new Error(
      `batchNorm: ${name} has shape ${formatShape(t.shape)} but input ${formatShape(x.shape)} ` +
        `has ${c} channels; expected [${c}]`,
    );
  }
}

function checkNumber(value: unknown, name: string, ok: (v: number) => boolean, expected: string): number {
  if (typeof value !== 'number' || !ok(value)) {
    throw new Error(`batchNorm: ${name} must be ${expected}; got ${String(value)}`);
  }
  return value;
}

/**
 * Normalises each channel of x (N, C, *) to zero mean and unit variance, then scales by weight and
 * shifts by bias. Training uses the batch statistics and updates runningMean / runningVar in place
 * (running = (1 - momentum) * running + momentum * batch, the variance unbiased); eval uses the
 * running statistics, which are then treated as constants by backward.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  opts: BatchNormOptions = {},
): Tensor {
  assertTensor(x, 'batchNorm', 'input');
  assertFloat(x, 'batchNorm', 'input');
  if (x.ndim < 2) {
    throw new Error(`batchNorm: input ${formatShape(x.shape)} should have shape (N, C, *), of rank 2 or more`);
  }
  const training = opts.training ?? false;
  const momentum = checkNumber(opts.momentum ?? 0.1, 'momentum', Number.isFinite, 'a finite number');
  const eps = checkNumber(opts.eps ?? 1e-5, 'eps', (v) => Number.isFinite(v) && v >= 0, 'a non-negative number');
  checkChannelVector(runningMean ?? null, 'runningMean', x);
  checkChannelVector(runningVar ?? null, 'runningVar', x);
  checkChannelVector(weight ?? null, 'weight', x);
  checkChannelVector(bias ?? null, 'bias', x);
  if (training && x.shape[0] * numel(x.shape.slice(2)) === 1) {
    throw new Error(
      `batchNorm: expected more than 1 value per channel when training; got input of shape ${formatShape(x.shape)}`,
    );
  }
  if (!training && (!runningMean || !runningVar)) {
    const missing = !runningMean && !runningVar ? 'runningMean and runningVar are' : !runningMean ? 'runningMean is' : 'runningVar is';
    throw new Error(
      `batchNorm: in eval mode (training: false) the running statistics normalise the input, ` +
        `but ${missing} null; pass them, or training: true to use the batch statistics`,
    );
  }
  const running = { mean: runningMean ?? null, var: runningVar ?? null };
  return applyFunction(new BatchNorm(training, running, momentum, eps), [x, weight ?? null, bias ?? null]);
}
