/**
 * The matrix product as one gpu.js kernel: thread (x, y, z) computes element [y][x] of product z,
 * C_z = op(A_{aIndex[z]}) · op(B_{bIndex[z]}). Transposes are strides: op(A)[i][p] lives at
 * a[i * aRowStride + p * aInnerStride], so one source covers all four transpose cases.
 */
import { KernelSpec, KernelThis, kernelSpec } from './kernel-spec';

export interface GemmConstants {
  k: number;
  /** Elements in one matrix of `a` / `b`: how far apart consecutive batch entries are. */
  aMatrix: number;
  bMatrix: number;
  aRowStride: number;
  aInnerStride: number;
  bInnerStride: number;
  bColStride: number;
}

/** `aIndex` and `bIndex` hold matrix numbers as floats; `| 0` turns them into integers (see kernel-spec.ts). */
export function gemmKernel(
  this: KernelThis<GemmConstants>, a: number[], b: number[], aIndex: number[], bIndex: number[],
): number {
  let sum = 0;
  for (let p = 0; p < this.constants.k; p++) {
    sum += a[(aIndex[this.thread.z] | 0) * this.constants.aMatrix + this.thread.y * this.constants.aRowStride + (p | 0) * this.constants.aInnerStride]
      * b[(bIndex[this.thread.z] | 0) * this.constants.bMatrix + (p | 0) * this.constants.bInnerStride + this.thread.x * this.constants.bColStride];
  }
  return sum;
}

export interface GemmShape {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  /** Products computed (the z extent of the grid). */
  batch: number;
  /** Lengths of the arrays passed as a, b, aIndex, bIndex. */
  aLength: number;
  bLength: number;
  indexLengths: [number, number];
}

export function gemmSpec(s: GemmShape): KernelSpec {
  const constants: GemmConstants = {
    k: s.k,
    aMatrix: s.m * s.k,
    bMatrix: s.k * s.n,
    // A is m x k, or k x m when transposed; B is k x n, or n x k when transposed.
    aRowStride: s.transA ? 1 : s.k,
    aInnerStride: s.transA ? s.m : 1,
    bInnerStride: s.transB ? 1 : s.n,
    bColStride: s.transB ? s.k : 1,
  };
  return kernelSpec(
    'gemm', gemmKernel, [s.n, s.m, s.batch], { ...constants }, [s.aLength, s.bLength, ...s.indexLengths],
  );
}
