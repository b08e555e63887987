/** Matrix products: matmul (batched, broadcasting like torch.matmul) and bmm. */
import { Tensor } from '../../tensor/tensor';
import { broadcastStrides, formatShape, numel, tryBroadcastShapes } from '../../tensor/shape';
import { BatchedGemmArgs } from '../../tensor/kernels/gemm';
import { kernel } from '../../tensor/registry';
import type { DType } from '../../tensor/dtype';
import { Function, applyFunction } from '../function';
import { assertFloat, empty } from './util';
import { reshape } from './shape';

/** For each matrix of the broadcast batch `outBatch`, the index of the matrix it reads in `batch`. */
function batchIndex(batch: readonly number[], outBatch: readonly number[]): Int32Array {
  const own = Int32Array.from({ length: numel(batch) }, (_, i) => i);
  const out = new Int32Array(numel(outBatch));
  kernel('stridedCopy', 'int32')({ src: own, srcStrides: broadcastStrides(batch, outBatch), shape: outBatch, out });
  return out;
}

/** [...batchA, m, k] x [...batchB, k, n] -> [...broadcast batch, m, n]. */
class MatMul extends Function<[Tensor, Tensor]> {
  private aIndex: Int32Array = new Int32Array(0);
  private bIndex: Int32Array = new Int32Array(0);

  /** `batch`: the broadcast of both operands' batch dims, checked by the caller. */
  constructor(private readonly batch: readonly number[]) {
    super();
  }

  forward(a: Tensor, b: Tensor): Tensor {
    const m = a.shape[a.ndim - 2], k = a.shape[a.ndim - 1], n = b.shape[b.ndim - 1];
    this.aIndex = batchIndex(a.shape.slice(0, -2), this.batch);
    this.bIndex = batchIndex(b.shape.slice(0, -2), this.batch);
    const out = empty([...this.batch, m, n], a.dtype);
    product(out.dtype, {
      transA: false, transB: false, m, n, k, batch: this.aIndex.length,
      a: a.storage, aIndex: this.aIndex, b: b.storage, bIndex: this.bIndex, c: out.storage,
    });
    this.saveForBackward(a, b);
    return out;
  }

  backward(g: Tensor): (Tensor | null)[] {
    const [a, b] = this.saved;
    const [needA, needB] = this.needsInputGrad;
    const m = a.shape[a.ndim - 2], k = a.shape[a.ndim - 1], n = b.shape[b.ndim - 1];
    const batch = this.aIndex.length;
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    // A matrix read by several output matrices (broadcast) accumulates all their gradients: its
    // index repeats in cIndex, and the product accumulates into zeros.
    if (needA) {
      ga = empty(a.shape, g.dtype);
      product(g.dtype, {
        transA: false, transB: true, m, n: k, k: n, batch, accumulate: true,
        a: g.storage, b: b.storage, bIndex: this.bIndex, c: ga.storage, cIndex: this.aIndex,
      });
    }
    if (needB) {
      gb = empty(b.shape, g.dtype);
      product(g.dtype, {
        transA: true, transB: false, m: k, n, k: m, batch, accumulate: true,
        a: a.storage, aIndex: this.aIndex, b: g.storage, c: gb.storage, cIndex: this.bIndex,
      });
    }
    return [ga, gb];
  }
}

/** One matrix is a plain GEMM (the kernel that splits rows across threads); more are a batched GEMM. */
function product(dtype: DType, args: BatchedGemmArgs): void {
  if (args.batch !== 1) {
    kernel('batchedGemm', dtype)(args);
    return;
  }
  const { aIndex, bIndex, cIndex, m, n, k } = args;
  kernel('gemm', dtype)({
    transA: args.transA, transB: args.transB, m, n, k, accumulate: args.accumulate,
    a: args.a, aOffset: (aIndex ? aIndex[0] : 0) * m * k,
    b: args.b, bOffset: (bIndex ? bIndex[0] : 0) * k * n,
    c: args.c, cOffset: (cIndex ? cIndex[0] : 0) * m * n,
  });
}

function sameDType(a: Tensor, b: Tensor, op: string): void {
  assertFloat(a, op, 'the first operand');
  assertFloat(b, op, 'the second operand');
  if (a.dtype !== b.dtype) throw new Error(`${op}: operands must have one dtype; got ${a.dtype} and ${b.dtype}`);
}

/** The matrix product with torch.matmul's rules for 1-D operands and batch broadcasting. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  sameDType(a, b, 'matmul');
  if (a.ndim === 0 || b.ndim === 0) {
    throw new Error(`matmul: both operands need at least one dim; got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const k = a.shape[a.ndim - 1];
  const kb = b.ndim === 1 ? b.shape[0] : b.shape[b.ndim - 2];
  if (k !== kb) {
    throw new Error(
      `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied (inner sizes ${k} and ${kb})`,
    );
  }
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const batch = tryBroadcastShapes(batchA, batchB);
  if (batch === null) {
    throw new Error(
      `matmul: the batch dims of ${formatShape(a.shape)} and ${formatShape(b.shape)} ` +
        `(${formatShape(batchA)} and ${formatShape(batchB)}) cannot be broadcast`,
    );
  }
  // A vector becomes a one-row (left) or one-column (right) matrix, and that dim is dropped after.
  const a2 = a.ndim === 1 ? reshape(a, [1, k]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [k, 1]) : b;
  const out = applyFunction(new MatMul(batch), [a2, b2]);
  if (a.ndim > 1 && b.ndim > 1) return out;
  const shape = out.shape.slice();
  if (b.ndim === 1) shape.splice(shape.length - 1, 1);
  if (a.ndim === 1) shape.splice(shape.length - (b.ndim === 1 ? 1 : 2), 1);
  return reshape(out, shape);
}

/** Batched product of [B, m, k] and [B, k, n], without broadcasting, as torch.bmm. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  sameDType(a, b, 'bmm');
  if (a.ndim !== 3 || b.ndim !== 3 || a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) {
    throw new Error(
      `bmm: expected [B, m, k] and [B, k, n]; got ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
  return applyFunction(new MatMul([a.shape[0]]), [a, b]);
}
