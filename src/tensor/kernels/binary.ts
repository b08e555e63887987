/** Elementwise binary kernels with broadcasting. */
import { TypedArray } from '../dtype';
import { broadcastStrides, shapesEqual } from '../shape';
import { forEachRow } from './strided';

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow';

/** One contiguous run of `n` results; `sa`/`sb` are 0 where an operand is broadcast along the row. */
function run(
  op: BinaryOp, n: number,
  a: ArrayLike<number>, ia: number, sa: number,
  b: ArrayLike<number>, ib: number, sb: number,
  out: TypedArray, io: number,
): void {
  // The switch sits outside the loops so each loop is monomorphic and tight.
  switch (op) {
    case 'add': for (let j = 0; j < n; j++) out[io + j] = a[ia + j * sa] + b[ib + j * sb]; break;
    case 'sub': for (let j = 0; j < n; j++) out[io + j] = a[ia + j * sa] - b[ib + j * sb]; break;
    case 'mul': for (let j = 0; j < n; j++) out[io + j] = a[ia + j * sa] * b[ib + j * sb]; break;
    case 'div': for (let j = 0; j < n; j++) out[io + j] = a[ia + j * sa] / b[ib + j * sb]; break;
    case 'pow': for (let j = 0; j < n; j++) out[io + j] = Math.pow(a[ia + j * sa], b[ib + j * sb]); break;
  }
}

/** Both operands contiguous and of the output's size: the commonest case, with no stride arithmetic. */
function runContiguous(op: BinaryOp, a: ArrayLike<number>, b: ArrayLike<number>, out: TypedArray): void {
  const n = out.length;
  switch (op) {
    case 'add': for (let j = 0; j < n; j++) out[j] = a[j] + b[j]; break;
    case 'sub': for (let j = 0; j < n; j++) out[j] = a[j] - b[j]; break;
    case 'mul': for (let j = 0; j < n; j++) out[j] = a[j] * b[j]; break;
    case 'div': for (let j = 0; j < n; j++) out[j] = a[j] / b[j]; break;
    case 'pow': for (let j = 0; j < n; j++) out[j] = Math.pow(a[j], b[j]); break;
  }
}

/** A tensor and a scalar (x * scale, x + 1): the scalar held in a local, not read through an index. */
function runScalar(op: BinaryOp, a: ArrayLike<number>, b: number, out: TypedArray): void {
  const n = out.length;
  switch (op) {
    case 'add': for (let j = 0; j < n; j++) out[j] = a[j] + b; break;
    case 'sub': for (let j = 0; j < n; j++) out[j] = a[j] - b; break;
    case 'mul': for (let j = 0; j < n; j++) out[j] = a[j] * b; break;
    case 'div': for (let j = 0; j < n; j++) out[j] = a[j] / b; break;
    case 'pow': for (let j = 0; j < n; j++) out[j] = Math.pow(a[j], b); break;
  }
}

/** out[i] = a[i] op b[i] over the broadcast shape `outShape`. */
export function binaryKernel(
  op: BinaryOp,
  a: ArrayLike<number>, aShape: readonly number[],
  b: ArrayLike<number>, bShape: readonly number[],
  outShape: readonly number[], out: TypedArray,
): void {
  if (shapesEqual(aShape, outShape) && shapesEqual(bShape, outShape)) {
    runContiguous(op, a, b, out);
    return;
  }
  if (shapesEqual(aShape, outShape) && b.length === 1) {
    runScalar(op, a, b[0], out);
    return;
  }
  const as = broadcastStrides(aShape, outShape);
  const bs = broadcastStrides(bShape, outShape);
  const rank = outShape.length;
  const n = rank === 0 ? 1 : outShape[rank - 1];
  const sa = rank === 0 ? 0 : as[rank - 1];
  const sb = rank === 0 ? 0 : bs[rank - 1];
  forEachRow(outShape, [as, bs], (o, [ia, ib]) => run(op, n, a, ia, sa, b, ib, sb, out, o));
}

/** The registry's `binary` kernel: `out = a op b` over the broadcast shape `outShape`. */
export interface BinaryArgs {
  op: BinaryOp;
  a: TypedArray;
  aShape: readonly number[];
  b: TypedArray;
  bShape: readonly number[];
  outShape: readonly number[];
  out: TypedArray;
}

export function binary(args: BinaryArgs): void {
  binaryKernel(args.op, args.a, args.aShape, args.b, args.bShape, args.outShape, args.out);
}
