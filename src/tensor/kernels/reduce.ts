/** Reductions over any set of dims: sum, max, min; and argmax / argmin along one dim. */
import { TypedArray } from '../dtype';
import { stridesOf } from '../shape';
import { forEachRow } from './strided';

export type ReduceOp = 'sum' | 'max' | 'min';

/**
 * Reduces `x` of `shape` over `dims` into `out`, laid out as the shape with those dims removed
 * (or kept as size 1: the layout is the same).
 */
export function reduceKernel(
  op: ReduceOp, x: ArrayLike<number>, shape: readonly number[], dims: readonly number[], out: TypedArray,
): void {
  const keptShape = shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const keptStrides = stridesOf(keptShape);
  // Seen from the input, each output cell repeats along the reduced dims: stride 0 there.
  const outStrides = keptStrides.map((s, i) => (dims.includes(i) ? 0 : s));
  out.fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity);
  const rank = shape.length;
  const n = rank === 0 ? 1 : shape[rank - 1];
  const so = rank === 0 ? 0 : outStrides[rank - 1];
  forEachRow(shape, [outStrides], (i, [o]) => {
    switch (op) {
      case 'sum':
        if (so === 0) {
          let acc = 0;
          for (let j = 0; j < n; j++) acc += x[i + j];
          out[o] += acc;
        } else {
          for (let j = 0; j < n; j++) out[o + j] += x[i + j];
        }
        break;
      case 'max':
        for (let j = 0; j < n; j++) {
          const v = x[i + j], cur = out[o + j * so];
          // NaN wins and then stays, as in PyTorch.
          if (v > cur || (v !== v && cur === cur)) out[o + j * so] = v;
        }
        break;
      case 'min':
        for (let j = 0; j < n; j++) {
          const v = x[i + j], cur = out[o + j * so];
          if (v < cur || (v !== v && cur === cur)) out[o + j * so] = v;
        }
        break;
    }
  });
}

/** Index of the first largest (or smallest) value along `dim`, for `x` viewed as [outer, size, inner]. */
export function argReduceKernel(
  largest: boolean, x: ArrayLike<number>, outer: number, size: number, inner: number, out: Int32Array,
): void {
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      let best = 0;
      let bestValue = x[o * size * inner + k];
      for (let s = 1; s < size; s++) {
        const v = x[(o * size + s) * inner + k];
        if (bestValue !== bestValue) break; // a NaN is the answer, as in PyTorch
        if (largest ? v > bestValue || v !== v : v < bestValue || v !== v) {
          best = s;
          bestValue = v;
        }
      }
      out[o * inner + k] = best;
    }
  }
}
