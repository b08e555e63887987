/** Batch normalisation over (N, C, *) inputs, as torch.nn.functional.batch_norm. */
import { Tensor } from '../../tensor/tensor';
import { formatShape, numel } from '../../tensor/shape';
import { Function, applyFunction } from '../../autograd/function';
import { assertFloat, assertTensor, empty } from '../../autograd/ops/util';
import { kernel } from '../../tensor/registry';

export interface BatchNormOptions {
  /** Normalise with the batch statistics and update the running ones (default false, as PyTorch). */
  training?: boolean;
  momentum?: number;
  eps?: number;
  /**
   * Apply ReLU to the result in the same op (default false): relu(batchNorm(x, ...)) with one pass
   * over memory forward and one backward, as the ResNet blocks use it.
   */
  relu?: boolean;
}

interface Stats {
  mean: Float64Array;
  invStd: Float64Array;
}

interface RunningStats {
  mean: Tensor | null;
  var: Tensor | null;
}

/** The input seen as [n, c, s]: the layout the kernels (src/tensor/kernels/batchnorm.ts) walk. */
function layoutOf(shape: readonly number[]): { n: number; c: number; s: number } {
  return { n: shape[0], c: shape[1], s: numel(shape.slice(2)) };
}

/**
 * BatchNorm, optionally followed by ReLU in the same op: the forward writes max(0, BN(x)) in one pass
 * and the backward folds the ReLU's mask (from the saved output) into BatchNorm's, so the tensor
 * between the two is never made. The kernels live in the registry.
 */
class BatchNorm extends Function<[Tensor, Stats, Tensor | null, Tensor | null]> {
  constructor(
    private readonly training: boolean,
    private readonly running: RunningStats,
    private readonly momentum: number,
    private readonly eps: number,
    private readonly relu: boolean,
  ) {
    super();
  }

  get name(): string {
    return this.relu ? 'BatchNormRelu' : 'BatchNorm';
  }

  forward(x: Tensor, weight: Tensor | null, bias: Tensor | null): Tensor {
    const L = layoutOf(x.shape);
    const stats: Stats = this.training ? { mean: new Float64Array(L.c), invStd: new Float64Array(L.c) } : this.runningStats();
    const squares = this.training ? new Float64Array(L.c) : null;
    const out = empty(x.shape, x.dtype);
    kernel('batchNormForward', x.dtype)({
      ...L, x: x.storage, out: out.storage, mean: stats.mean, invStd: stats.invStd, squares,
      weight: weight ? weight.storage : null, bias: bias ? bias.storage : null,
      eps: this.eps, training: this.training, relu: this.relu,
    });
    // PyTorch leaves the running statistics alone for an empty batch, whose statistics are NaN.
    const count = L.n * L.s;
    if (squares && count > 0) this.updateRunning(stats.mean, squares, count);
    // The output is the ReLU's mask; without a ReLU nothing needs it.
    this.saveForBackward(x, stats, weight, this.relu ? out : null);
    return out;
  }

  private updateRunning(mean: Float64Array, squares: Float64Array, count: number): void {
    const rm = this.running.mean, rv = this.running.var;
    // A reference-only kernel: the dtype only names which implementation to ask for.
    const dtype = (rm ?? rv)?.dtype ?? 'float64';
    kernel('batchNormRunningStats', dtype)({
      mean, squares, count, momentum: this.momentum, runningMean: rm ? rm.storage : null, runningVar: rv ? rv.storage : null,
    });
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
    const [x, { mean, invStd }, weight, y] = this.saved;
    const [needX, needW, needB] = this.needsInputGrad;
    const L = layoutOf(x.shape);
    // Σg and Σg·(x - mean) per channel: training mode needs both for dx, weight and bias one each.
    const sums = needW || needB || (needX && this.training) ? { g: new Float64Array(L.c), gx: new Float64Array(L.c) } : null;
    const gx = needX ? empty(x.shape, x.dtype) : null;
    kernel('batchNormBackward', x.dtype)({
      ...L, g: g.storage, x: x.storage, y: y ? y.storage : null, mean, invStd,
      weight: weight ? weight.storage : null, training: this.training, sums, gx: gx ? gx.storage : null,
    });
    const gw = needW && weight && sums ? empty(weight.shape, weight.dtype) : null;
    const gb = needB && sums ? empty([L.c], x.dtype) : null;
    if (sums && (gw || gb)) {
      kernel('batchNormParamGrads', x.dtype)({ sums, invStd, gw: gw ? gw.storage : null, gb: gb ? gb.storage : null });
    }
    return [gx, gw, gb];
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
 * running statistics, which are then treated as constants by backward. `relu: true` returns
 * relu(batchNorm(...)) as one op.
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
  const relu = opts.relu ?? false;
  if (typeof relu !== 'boolean') throw new Error(`batchNorm: relu must be a boolean; got ${String(relu)}`);
  return applyFunction(new BatchNorm(training, running, momentum, eps, relu), [x, weight ?? null, bias ?? null]);
}
