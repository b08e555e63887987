/**
 * The `gemm` and `batchedGemm` kernels of the cpu backend: copy the operands into the shared memory,
 * split the products across threads, run the WebAssembly GEMM, copy C back. Same signatures and
 * results as the reference (src/tensor/kernels/gemm.ts), in float32.
 */
import {
  BatchedGemmArgs, GemmArgs, batchedGemm as referenceBatchedGemm, gemm as referenceGemm,
} from '../../kernels/gemm';
import { F32 } from './codegen/blocking';
import { PRODUCT_ENTRY_BYTES } from './codegen/gemm-code';
import type { KernelCall } from './worker-pool';
import { ProductInMemory, operandStrides, productCalls, takeThreadBuffers } from './product';
import { Arena, fitsInMemory, getRuntime } from './runtime';
import { partRange, splitOutput, threadsFor } from './split';

export function gemm(args: GemmArgs): void {
  const { m, n, k } = args;
  const cOffset = args.cOffset ?? 0;
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!args.accumulate) args.c.fill(0, cOffset, cOffset + m * n);
    return;
  }
  const runtime = getRuntime();
  const blocks = splitOutput(m, n, threadsFor(2 * m * n * k, runtime.threads));
  const arena = new Arena();
  const a = arena.floats(m * k);
  const b = arena.floats(k * n);
  const c = arena.floats(m * n);
  const buffers = takeThreadBuffers(arena, blocks.length, n, k);
  if (!fitsInMemory(arena, 'gemm')) {
    referenceGemm(args);
    return;
  }
  runtime.reserve(arena.end);
  runtime.copyIn(a, args.a, args.aOffset ?? 0, m * k);
  runtime.copyIn(b, args.b, args.bOffset ?? 0, k * n);
  if (args.accumulate) runtime.copyIn(c, args.c, cOffset, m * n);
  const product: ProductInMemory = {
    m, n, k, a, b, c, ldc: n * F32, accumulate: args.accumulate ?? false,
    ...operandStrides(args.transA, args.transB, m, n, k),
  };
  runtime.workers.run(productCalls(product, blocks, buffers));
  runtime.copyOut(c, args.c, cOffset, m * n);
}

/** How many matrices an operand holds: one past the largest index used. */
function matrixCount(index: Int32Array | undefined, batch: number): number {
  if (!index) return batch;
  let largest = -1;
  for (let i = 0; i < batch; i++) largest = Math.max(largest, index[i]);
  return largest + 1;
}

/**
 * The products grouped by the output matrix they write, in order of first appearance. Products of
 * one group add into the same C, so they run one after another on one thread; groups are independent.
 */
function groupByOutput(cIndex: Int32Array | undefined, batch: number): number[][] {
  if (!cIndex) return Array.from({ length: batch }, (_, i) => [i]);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < batch; i++) {
    const group = groups.get(cIndex[i]);
    if (group) group.push(i);
    else groups.set(cIndex[i], [i]);
  }
  return [...groups.values()];
}

export function batchedGemm(args: BatchedGemmArgs): void {
  const { m, n, k, batch, aIndex, bIndex, cIndex } = args;
  if (batch === 0 || m === 0 || n === 0 || k === 0) {
    // Nothing to multiply: the reference's zero fill (or nothing, when accumulating) is the answer.
    referenceBatchedGemm(args);
    return;
  }
  const runtime = getRuntime();
  const groups = groupByOutput(cIndex, batch);
  const threads = threadsFor(2 * m * n * k * batch, runtime.threads);
  // Whole groups per thread when they divide evenly enough; otherwise one product at a time, each
  // split across the threads (a batch of 3 large products on 2 threads, say).
  const byGroups = threads === 1 || groups.length >= 2 * threads || groups.length % threads === 0;
  const threadCount = byGroups ? Math.min(threads, groups.length) : threads;

  const arena = new Arena();
  const a = arena.floats(matrixCount(aIndex, batch) * m * k);
  const b = arena.floats(matrixCount(bIndex, batch) * k * n);
  const cLength = args.c.length;
  const c = arena.floats(cLength);
  const list = arena.take(batch * PRODUCT_ENTRY_BYTES);
  const buffers = takeThreadBuffers(arena, threadCount, n, k);
  if (!fitsInMemory(arena, 'batchedGemm')) {
    referenceBatchedGemm(args);
    return;
  }
  runtime.reserve(arena.end);
  runtime.copyIn(a, args.a, 0, matrixCount(aIndex, batch) * m * k);
  runtime.copyIn(b, args.b, 0, matrixCount(bIndex, batch) * k * n);
  // Like the reference, a non-accumulating call starts all of C from zeros.
  if (args.accumulate) runtime.copyIn(c, args.c, 0, cLength);
  else runtime.zero(c, cLength);

  // The product list, group after group: a, b, c addresses and whether to add into C (every product
  // of a group but the first; the first too when accumulating).
  const heap = runtime.i32;
  let entry = list / 4;
  for (const group of groups) {
    group.forEach((product, i) => {
      heap[entry] = a + (aIndex ? aIndex[product] : product) * m * k * F32;
      heap[entry + 1] = b + (bIndex ? bIndex[product] : product) * k * n * F32;
      heap[entry + 2] = c + (cIndex ? cIndex[product] : product) * m * n * F32;
      heap[entry + 3] = i > 0 || args.accumulate ? 1 : 0;
      entry += PRODUCT_ENTRY_BYTES / 4;
    });
  }

  const strides = operandStrides(args.transA, args.transB, m, n, k);
  if (byGroups) {
    const calls: KernelCall[] = [];
    let first = 0;
    for (let t = 0; t < threadCount; t++) {
      const [g0, g1] = partRange(groups.length, threadCount, t);
      const count = groups.slice(g0, g1).reduce((sum, group) => sum + group.length, 0);
      const { packedA, packedB, scratch } = buffers[t];
      calls.push({
        name: 'gemmList',
        args: [
          list + first * PRODUCT_ENTRY_BYTES, count, m, n, k,
          strides.aRowStride, strides.aColStride, strides.bRowStride, strides.bColStride, n * F32,
          packedA, packedB, scratch,
        ],
      });
      first += count;
    }
    runtime.workers.run(calls);
  } else {
    const blocks = splitOutput(m, n, threadCount);
    for (let i = 0; i < batch; i++) {
      const entry = (list + i * PRODUCT_ENTRY_BYTES) / 4;
      const product: ProductInMemory = {
        m, n, k, a: heap[entry], b: heap[entry + 1], c: heap[entry + 2], ldc: n * F32, accumulate: heap[entry + 3] === 1,
        ...strides,
      };
      runtime.workers.run(productCalls(product, blocks, buffers));
    }
  }
  runtime.copyOut(c, args.c, 0, cLength);
}
