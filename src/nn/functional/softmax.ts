/** softmax and logSoftmax along one dim, as torch.nn.functional.softmax / log_softmax. */
import { Tensor } from '../../tensor/tensor';
import { TypedArray } from '../../tensor/dtype';
import { normalizeDim, numel } from '../../tensor/shape';
import { Function, applyFunction } from '../../autograd/function';
import { assertFloat, assertTensor, empty } from '../../autograd/ops/util';

/**
 * A tensor seen as [outer, size, inner] around one dim: the slice along the dim for (o, k) starts at
 * o * size * inner + k and steps by inner.
 */
export interface DimSplit {
  outer: number;
  size: number;
  inner: number;
}

export function splitAtDim(shape: readonly number[], dim: number): DimSplit {
  // A 0-d tensor is a single slice of one element.
  if (shape.length === 0) return { outer: 1, size: 1, inner: 1 };
  return { outer: numel(shape.slice(0, dim)), size: shape[dim], inner: numel(shape.slice(dim + 1)) };
}

/**
 * softmaxKernel for the last dim (attention rows, logits): each slice is one contiguous row, so the max
 * and the sum are plain scalars; a separate loop because the general one's per-position arrays cost
 * several times more per element when there is one position.
 */
function softmaxRows(x: ArrayLike<number>, out: TypedArray, rows: number, size: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const base = r * size;
    let max = -Infinity;
    for (let s = 0; s < size; s++) if (x[base + s] > max) max = x[base + s];
    let total = 0;
    for (let s = 0; s < size; s++) {
      const e = Math.exp(x[base + s] - max);
      total += e;
      if (!log) out[base + s] = e;
    }
    if (log) {
      const logTotal = Math.log(total);
      for (let s = 0; s < size; s++) out[base + s] = x[base + s] - max - logTotal;
    } else {
      const scale = 1 / total;
      for (let s = 0; s < size; s++) out[base + s] *= scale;
    }
  }
}

/**
 * Writes softmax (or its log) of each slice of `x` into `out`. The max of each slice is subtracted
 * before exp so that large logits cannot overflow. The inner index runs innermost so that memory is
 * read in order whatever the dim; `max` and `total` hold one value per inner position.
 */
export function softmaxKernel(x: ArrayLike<number>, out: TypedArray, split: DimSplit, log: boolean): void {
  const { outer, size, inner } = split;
  if (inner === 1) {
    softmaxRows(x, out, outer, size, log);
    return;
  }
  const max = new Float64Array(inner);
  const total = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    max.fill(-Infinity);
    total.fill(0);
    for (let s = 0; s < size; s++) {
      const row = base + s * inner;
      for (let k = 0; k < inner; k++) if (x[row + k] > max[k]) max[k] = x[row + k];
    }
    // A NaN never wins the comparison above; it still reaches every output through the sum below.
    for (let s = 0; s < size; s++) {
      const row = base + s * inner;
      for (let k = 0; k < inner; k++) {
        const e = Math.exp(x[row + k] - max[k]);
        total[k] += e;
        if (!log) out[row + k] = e;
      }
    }
    if (log) for (let k = 0; k < inner; k++) total[k] = Math.log(total[k]);
    for (let s = 0; s < size; s++) {
      const row = base + s * inner;
      // (x - max) first: it is exact for the largest entries, where x - (max + log total) would round.
      if (log) for (let k = 0; k < inner; k++) out[row + k] = x[row + k] - max[k] - total[k];
      else for (let k = 0; k < inner; k++) out[row + k] /= total[k];
    }
  }
}

/** Per (outer, inner) position, the sum over the dim of a[i] * (b ? b[i] : 1), into `acc`. */
function sliceSums(a: ArrayLike<number>, b: ArrayLike<number> | null, o: number, split: DimSplit, acc: Float64Array): void {
  const { size, inner } = split;
  const base = o * size * inner;
  acc.fill(0);
  for (let s = 0; s < size; s++) {
    const row = base + s * inner;
    if (b) for (let k = 0; k < inner; k++) acc[k] += a[row + k] * b[row + k];
    else for (let k = 0; k < inner; k++) acc[k] += a[row + k];
  }
}

/** The backward below for last-dim slices: one contiguous row each, the row sum a scalar. */
function softmaxRowsBackward(
  g: ArrayLike<number>, y: ArrayLike<number>, out: TypedArray, rows: number, size: number, log: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * size;
    let sum = 0;
    if (log) {
      for (let s = 0; s < size; s++) sum += g[base + s];
      for (let s = 0; s < size; s++) out[base + s] = g[base + s] - Math.exp(y[base + s]) * sum;
    } else {
      for (let s = 0; s < size; s++) sum += g[base + s] * y[base + s];
      for (let s = 0; s < size; s++) out[base + s] = y[base + s] * (g[base + s] - sum);
    }
  }
}

/** softmax, or its log when `log` is set; both backwards need only the saved output. */
class Softmax extends Function<[Tensor]> {
  constructor(private readonly split: DimSplit, private readonly log: boolean) {
    super();
  }

  get name(): string {
    return this.log ? 'LogSoftmax' : 'Softmax';
  }

  forward(x: Tensor): Tensor {
    const y = empty(x.shape, x.dtype);
    softmaxKernel(x.data, y.data, this.split, this.log);
    this.saveForBackward(y);
    return y;
  }

  /**
   * softmax: dx = y * (g - sum(g * y)), the Jacobian diag(y) - y yᵀ applied to g without forming it.
   * logSoftmax: dx = g - exp(y) * sum(g), exp(y) being the softmax.
   */
  backward(g: Tensor): Tensor[] {
    const [y] = this.saved;
    const { outer, size, inner } = this.split;
    const gx = empty(y.shape, y.dtype);
    const gd = g.data, yd = y.data, out = gx.data;
    if (inner === 1) {
      softmaxRowsBackward(gd, yd, out, outer, size, this.log);
      return [gx];
    }
    const sums = new Float64Array(inner);
    for (let o = 0; o < outer; o++) {
      sliceSums(gd, this.log ? null : yd, o, this.split, sums);
      const base = o * size * inner;
      for (let s = 0; s < size; s++) {
        const row = base + s * inner;
        if (this.log) for (let k = 0; k < inner; k++) out[row + k] = gd[row + k] - Math.exp(yd[row + k]) * sums[k];
        else for (let k = 0; k < inner; k++) out[row + k] = yd[row + k] * (gd[row + k] - sums[k]);
      }
    }
    return [gx];
  }
}

function prepare(x: Tensor, dim: number, op: string): DimSplit {
  assertTensor(x, op, 'input');
  assertFloat(x, op, 'input');
  return splitAtDim(x.shape, normalizeDim(dim, x.ndim, op));
}

/** exp(x) / sum(exp(x)) along `dim` (negative counts from the end). */
export function softmax(x: Tensor, dim: number): Tensor {
  return applyFunction(new Softmax(prepare(x, dim, 'softmax'), false), [x]);
}

/** x - log(sum(exp(x))) along `dim`; more accurate than log(softmax(x)) for very negative values. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return applyFunction(new Softmax(prepare(x, dim, 'logSoftmax'), true), [x]);
}
