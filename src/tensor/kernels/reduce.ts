/**
 * Reductions over any set of dims: sum, max, min, and their gradient; argmax / argmin along one dim.
 */
import { TypedArray } from '../dtype';
import { broadcastStrides, stridesOf } from '../shape';
import { forEachRow, stridedCopy } from './strided';

export type ReduceOp = 'sum' | 'max' | 'min';

/**
 * Reduces `x` of `shape` over `dims` into `out`, laid out as the shape with those dims removed
 * (or kept as size 1: the layout is the same).
 */
export interface ReduceArgs {
  op: ReduceOp;
  x: ArrayLike<number>;
  shape: readonly number[];
  dims: readonly number[];
  out: TypedArray;
}

/**
 * The gradient `dx` (of the input's `shape`) of a reduction over `dims`, from the output's gradient
 * `g`: g repeated along the reduced dims; for max and min, given the forward's input `x` and output
 * `y`, shared evenly by every element equal to the extreme (torch.amax) and 0 elsewhere. Sum needs
 * neither (null).
 */
export interface ReduceBackwardArgs {
  op: ReduceOp;
  g: TypedArray;
  x: TypedArray | null;
  y: TypedArray | null;
  shape: readonly number[];
  dims: readonly number[];
  dx: TypedArray;
}

/** Index of the first largest (or smallest) value along a dim, for `x` viewed as [outer, size, inner]. */
export interface ArgReduceArgs {
  largest: boolean;
  x: ArrayLike<number>;
  outer: number;
  size: number;
  inner: number;
  out: Int32Array;
}

export function reduce({ op, x, shape, dims, out }: ReduceArgs): void {
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

export function argReduce({ largest, x, outer, size, inner, out }: ArgReduceArgs): void {
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

/** `t` (laid out as `shape` reduced over `dims`) repeated along the reduced dims up to `shape`, into `out`. */
function expandBack(t: ArrayLike<number>, shape: readonly number[], dims: readonly number[], out: { [i: number]: number }): void {
  const kept = shape.map((d, i) => (dims.includes(i) ? 1 : d));
  stridedCopy({ src: t, srcStrides: broadcastStrides(kept, shape), shape, out });
}

export function reduceBackward({ op, g, x, y, shape, dims, dx }: ReduceBackwardArgs): void {
  expandBack(g, shape, dims, dx);
  if (op === 'sum') return;
  if (!x || !y) throw new Error(`reduceBackward: ${op} needs the forward's input and output`);
  const n = x.length;
  // Values of x and y are exact in float64, so comparing through it changes nothing.
  const best = new Float64Array(n);
  expandBack(y, shape, dims, best);
  const isHit = new Uint8Array(n);
  for (let i = 0; i < n; i++) isHit[i] = x[i] === best[i] ? 1 : 0;
  const hit = new Float64Array(y.length);
  reduce({ op: 'sum', x: isHit, shape, dims, out: hit });
  const count = new Float64Array(n);
  expandBack(hit, shape, dims, count);
  for (let i = 0; i < n; i++) dx[i] = isHit[i] ? dx[i] / count[i] : 0;
}
