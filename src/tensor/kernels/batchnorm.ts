/**
 * The reference BatchNorm kernels, plain TypeScript: the forward (batch statistics when training, then
 * the per-channel affine, optionally followed by ReLU) and the backward (the per-channel sums of the
 * gradient, then the input's gradient, with the ReLU's mask folded in when the forward had one).
 *
 * An (N, C, *) tensor is seen as [n, c, s]: channel ch of sample i is the run of s values starting at
 * (i * c + ch) * s, so every loop walks memory in order. Statistics and sums are float64, whatever the
 * tensor's dtype, and the variance is a second pass over the deviations from the mean (stabler than
 * E[x²] - E[x]²).
 */
import type { TypedArray } from '../dtype';

/** An (N, C, *) tensor as [n, c, s]. */
export interface ChannelLayout {
  n: number;
  c: number;
  s: number;
}

export interface BatchNormForwardArgs extends ChannelLayout {
  x: ArrayLike<number>;
  /** Written: the normalised, scaled and shifted x (then max(0, .) when `relu`). */
  out: TypedArray;
  /** Per channel. Training: written with the batch mean; eval: read (the running mean). */
  mean: Float64Array;
  /** Per channel. Training: written with 1 / sqrt(biased variance + eps); eval: read. */
  invStd: Float64Array;
  /** Per channel, written in training: Σ (x - mean)², from which the caller tracks the unbiased variance. */
  squares: Float64Array | null;
  weight: ArrayLike<number> | null;
  bias: ArrayLike<number> | null;
  eps: number;
  /** Whether to compute the batch statistics (true) or normalise with the given ones (false). */
  training: boolean;
  /** Apply ReLU to the output, in the same pass (a BatchNorm followed by ReLU, as in the ResNet blocks). */
  relu: boolean;
}

export interface BatchNormBackwardArgs extends ChannelLayout {
  /** The output's gradient. */
  g: ArrayLike<number>;
  /** The forward's input. */
  x: ArrayLike<number>;
  /**
   * The forward's output when it had a ReLU: the gradient reaching the BatchNorm is g where y > 0 and
   * 0 elsewhere (torch's threshold_backward), folded into both passes below. null without a ReLU.
   */
  y: ArrayLike<number> | null;
  mean: Float64Array;
  invStd: Float64Array;
  weight: ArrayLike<number> | null;
  /** Whether the forward used the batch statistics, which then depend on x too. */
  training: boolean;
  /**
   * Written when given: per channel Σg and Σg·(x - mean) (g masked by y), which are the bias's and,
   * times invStd, the weight's gradients. Required when training and gx is wanted.
   */
  sums: { g: Float64Array; gx: Float64Array } | null;
  /** Written when given: the input's gradient. */
  gx: TypedArray | null;
}

/**
 * The running statistics' update after a training forward, per channel:
 * running = (1 - momentum) * running + momentum * batch, the variance tracked unbiased
 * (squares / (count - 1)) although the forward normalised with the biased one, as PyTorch.
 */
export interface BatchNormRunningStatsArgs {
  /** The forward's batch mean and Σ (x - mean)², per channel. */
  mean: Float64Array;
  squares: Float64Array;
  /** Values per channel in the batch (n * s); the caller skips an empty batch. */
  count: number;
  momentum: number;
  /** Read and written, each when given. */
  runningMean: TypedArray | null;
  runningVar: TypedArray | null;
}

/** The affine parameters' gradients from the backward's per-channel sums (BatchNormBackwardArgs.sums). */
export interface BatchNormParamGradsArgs {
  sums: { g: Float64Array; gx: Float64Array };
  invStd: Float64Array;
  /** Written when given: the weight's gradient, Σg·(x - mean) · invStd. */
  gw: TypedArray | null;
  /** Written when given: the bias's gradient, Σg. */
  gb: TypedArray | null;
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
function centeredDotRun(a: ArrayLike<number>, b: ArrayLike<number>, m: number, start: number, end: number): number {
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
function channelSums(a: ArrayLike<number>, b: ArrayLike<number> | null, shift: Float64Array | null, L: ChannelLayout): Float64Array {
  const out = new Float64Array(L.c);
  for (let i = 0; i < L.n; i++) {
    for (let ch = 0; ch < L.c; ch++) {
      const base = (i * L.c + ch) * L.s;
      out[ch] += b === null ? sumRun(a, base, base + L.s) : centeredDotRun(a, b, shift === null ? 0 : shift[ch], base, base + L.s);
    }
  }
  return out;
}

/** Per-channel sum of squared deviations from `mean`. */
function channelSquaredDeviations(x: ArrayLike<number>, mean: Float64Array, L: ChannelLayout): Float64Array {
  const out = new Float64Array(L.c);
  for (let i = 0; i < L.n; i++) {
    for (let ch = 0; ch < L.c; ch++) {
      const base = (i * L.c + ch) * L.s;
      out[ch] += squaredDeviationRun(x, mean[ch], base, base + L.s);
    }
  }
  return out;
}

/** out = x * scale[ch] + shift[ch], channel by channel, then max(0, .) when `relu` (NaN stays NaN). */
function affine(x: ArrayLike<number>, out: TypedArray, scale: Float64Array, shift: Float64Array, relu: boolean, L: ChannelLayout): void {
  for (let i = 0; i < L.n; i++) {
    for (let ch = 0; ch < L.c; ch++) {
      const base = (i * L.c + ch) * L.s;
      const a = scale[ch], b = shift[ch];
      if (relu) {
        for (let j = base; j < base + L.s; j++) {
          const v = x[j] * a + b;
          out[j] = v > 0 || v !== v ? v : 0;
        }
      } else {
        for (let j = base; j < base + L.s; j++) out[j] = x[j] * a + b;
      }
    }
  }
}

export function batchNormForward(args: BatchNormForwardArgs): void {
  const { n, c, s, x, mean, invStd, weight, bias } = args;
  const L = { n, c, s };
  if (args.training) {
    const count = n * s;
    const sums = channelSums(x, null, null, L);
    for (let ch = 0; ch < c; ch++) mean[ch] = sums[ch] / count;
    const squares = channelSquaredDeviations(x, mean, L);
    for (let ch = 0; ch < c; ch++) invStd[ch] = 1 / Math.sqrt(squares[ch] / count + args.eps);
    if (args.squares) args.squares.set(squares);
  }
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    scale[ch] = invStd[ch] * (weight ? weight[ch] : 1);
    shift[ch] = (bias ? bias[ch] : 0) - mean[ch] * scale[ch];
  }
  affine(x, args.out, scale, shift, args.relu, L);
}

/** g where y > 0, else 0: the gradient that reaches a BatchNorm through the ReLU after it. */
function maskedGradient(g: ArrayLike<number>, y: ArrayLike<number>): Float32Array | Float64Array {
  // Each element is g's or 0, so g's own precision holds it exactly.
  const out = g instanceof Float32Array ? new Float32Array(g.length) : new Float64Array(g.length);
  for (let i = 0; i < g.length; i++) out[i] = y[i] > 0 ? g[i] : 0;
  return out;
}

/**
 * Eval: the statistics are constants, so dx = g * w * invStd. Training: they depend on x too, and
 * dx = w * invStd * (g - mean(g) - xhat * mean(g * xhat)), with xhat = (x - mean) * invStd.
 */
export function batchNormBackward(args: BatchNormBackwardArgs): void {
  const { n, c, s, x, mean, invStd, weight, training, sums, gx } = args;
  const L = { n, c, s };
  // The masked gradient, made first, keeps the arithmetic below that of a ReLU backward followed by
  // an unfused BatchNorm backward.
  const g = args.y === null ? args.g : maskedGradient(args.g, args.y);
  if (training && gx && !sums) throw new Error('batchNormBackward: the input gradient in training needs the sums');
  if (sums) {
    sums.g.set(channelSums(g, null, null, L));
    sums.gx.set(channelSums(g, x, mean, L));
  }
  if (!gx) return;
  const count = n * s;
  const scale = new Float64Array(c);
  const offset = new Float64Array(c);
  const slope = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    scale[ch] = invStd[ch] * (weight ? weight[ch] : 1);
    if (training && sums) {
      offset[ch] = sums.g[ch] / count;
      slope[ch] = (sums.gx[ch] * invStd[ch] * invStd[ch]) / count;
    }
  }
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (i * c + ch) * s;
      const a = scale[ch], b = offset[ch], k = slope[ch], m = mean[ch];
      for (let j = base; j < base + s; j++) gx[j] = a * (g[j] - b - (x[j] - m) * k);
    }
  }
}

export function batchNormRunningStats({ mean, squares, count, momentum: m, runningMean: rm, runningVar: rv }: BatchNormRunningStatsArgs): void {
  if (rm) for (let ch = 0; ch < mean.length; ch++) rm[ch] = (1 - m) * rm[ch] + m * mean[ch];
  if (rv) for (let ch = 0; ch < mean.length; ch++) rv[ch] = (1 - m) * rv[ch] + m * (squares[ch] / (count - 1));
}

export function batchNormParamGrads({ sums, invStd, gw, gb }: BatchNormParamGradsArgs): void {
  if (gw) for (let ch = 0; ch < invStd.length; ch++) gw[ch] = sums.gx[ch] * invStd[ch];
  if (gb) gb.set(sums.g);
}
