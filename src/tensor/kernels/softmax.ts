/**
 * softmax and logSoftmax along one dim, and their gradient, for a tensor seen as [outer, size, inner]
 * around the dim (src/tensor/shape.ts's splitAtDim): the slice for (o, k) starts at
 * o * size * inner + k and steps by inner.
 */
import type { TypedArray } from '../dtype';

/** y = softmax (or, with `log`, logSoftmax) of each slice of x. */
export interface SoftmaxArgs {
  x: ArrayLike<number>;
  y: TypedArray;
  outer: number;
  size: number;
  inner: number;
  log: boolean;
}

/**
 * gx from the output's gradient g and the forward's output y (both backwards need only y):
 * softmax: gx = y * (g - sum(g * y)), the Jacobian diag(y) - y yᵀ applied to g without forming it;
 * logSoftmax: gx = g - exp(y) * sum(g), exp(y) being the softmax.
 */
export interface SoftmaxBackwardArgs {
  g: TypedArray;
  y: TypedArray;
  gx: TypedArray;
  outer: number;
  size: number;
  inner: number;
  log: boolean;
}

/**
 * `softmax` for the last dim (attention rows, logits): each slice is one contiguous row, so the max
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
export function softmax({ x, y: out, outer, size, inner, log }: SoftmaxArgs): void {
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
function sliceSums(a: ArrayLike<number>, b: ArrayLike<number> | null, o: number, size: number, inner: number, acc: Float64Array): void {
  const base = o * size * inner;
  acc.fill(0);
  for (let s = 0; s < size; s++) {
    const row = base + s * inner;
    if (b) for (let k = 0; k < inner; k++) acc[k] += a[row + k] * b[row + k];
    else for (let k = 0; k < inner; k++) acc[k] += a[row + k];
  }
}

/** `softmaxBackward` for last-dim slices: one contiguous row each, the row sum a scalar. */
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

export function softmaxBackward({ g: gd, y: yd, gx: out, outer, size, inner, log }: SoftmaxBackwardArgs): void {
  if (inner === 1) {
    softmaxRowsBackward(gd, yd, out, outer, size, log);
    return;
  }
  const sums = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    sliceSums(gd, log ? null : yd, o, size, inner, sums);
    const base = o * size * inner;
    for (let s = 0; s < size; s++) {
      const row = base + s * inner;
      if (log) for (let k = 0; k < inner; k++) out[row + k] = gd[row + k] - Math.exp(yd[row + k]) * sums[k];
      else for (let k = 0; k < inner; k++) out[row + k] = yd[row + k] * (gd[row + k] - sums[k]);
    }
  }
}
