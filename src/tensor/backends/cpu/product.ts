/**
 * A matrix product laid out in the shared memory, as the WebAssembly `gemm` takes it (byte addresses
 * and byte strides), the per-thread buffers it packs into, and the calls that split it across threads.
 */
import { F32, PACK_A_BYTES, SCRATCH_BYTES, packBBytes } from './codegen/blocking';
import type { KernelCall } from './worker-pool';
import { Arena } from './runtime';
import { OutputBlock } from './split';

export interface ProductInMemory {
  m: number;
  n: number;
  k: number;
  a: number;
  aRowStride: number;
  aColStride: number;
  b: number;
  bRowStride: number;
  bColStride: number;
  c: number;
  /** Bytes between rows of C. */
  ldc: number;
  accumulate: boolean;
}

/**
 * Strides of op(A) (m x k) and op(B) (k x n) stored row-major: a transposed operand is the same
 * memory read with its two strides swapped.
 */
export function operandStrides(transA: boolean, transB: boolean, m: number, n: number, k: number) {
  return {
    aRowStride: transA ? F32 : k * F32,
    aColStride: transA ? m * F32 : F32,
    bRowStride: transB ? F32 : n * F32,
    bColStride: transB ? k * F32 : F32,
  };
}

/** One thread's packing buffers. */
export interface ThreadBuffers {
  packedA: number;
  packedB: number;
  scratch: number;
}

/** Buffers for `threads` threads running products of up to `n` columns and depth `k`. */
export function takeThreadBuffers(arena: Arena, threads: number, n: number, k: number): ThreadBuffers[] {
  return Array.from({ length: threads }, () => ({
    packedA: arena.take(PACK_A_BYTES),
    packedB: arena.take(packBBytes(n, k)),
    scratch: arena.take(SCRATCH_BYTES),
  }));
}

/** The `gemm` call computing `block` of the product's output with `buffers`. */
export function blockCall(p: ProductInMemory, block: OutputBlock, buffers: ThreadBuffers): KernelCall {
  const { rowStart, rowEnd, colStart, colEnd } = block;
  return {
    name: 'gemm',
    args: [
      rowEnd - rowStart, colEnd - colStart, p.k,
      p.a + rowStart * p.aRowStride, p.aRowStride, p.aColStride,
      p.b + colStart * p.bColStride, p.bRowStride, p.bColStride,
      p.c + rowStart * p.ldc + colStart * F32, p.ldc, p.accumulate ? 1 : 0,
      buffers.packedA, buffers.packedB, buffers.scratch,
    ],
  };
}

/** The calls computing the whole product, one block per thread. */
export function productCalls(p: ProductInMemory, blocks: readonly OutputBlock[], buffers: readonly ThreadBuffers[]): KernelCall[] {
  return blocks.map((block, t) => blockCall(p, block, buffers[t]));
}
