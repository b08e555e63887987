/**
 * The backend's whole WebAssembly module, generated from the TypeScript in this folder: GEMM,
 * im2col/col2im and the convolution passes. The exported functions are what the TypeScript kernels
 * (../gemm.ts, ../conv.ts) and the worker threads call.
 */
import { ModuleBuilder } from '../wasm/module-builder';
import { CodeOptions, addGemmFunctions } from './gemm-code';
import { addIm2colFunctions } from './im2col-code';
import { addConvFunctions } from './conv-code';

/** The exported functions, with their parameters in order (all i32). */
export interface KernelExports {
  gemm(
    m: number, n: number, k: number,
    a: number, aRowStride: number, aColStride: number,
    b: number, bRowStride: number, bColStride: number,
    c: number, ldc: number, accumulate: number,
    packedA: number, packedB: number, scratch: number,
  ): void;
  gemmList(
    list: number, count: number, m: number, n: number, k: number,
    aRowStride: number, aColStride: number, bRowStride: number, bColStride: number, ldc: number,
    packedA: number, packedB: number, scratch: number,
  ): void;
  im2col(descriptor: number, image: number, columns: number): void;
  col2im(descriptor: number, columns: number, image: number): void;
  convForward(descriptor: number, x: number, w: number, y: number, next: number, count: number,
    columns: number, packedA: number, packedB: number, scratch: number): void;
  convBackwardData(descriptor: number, gy: number, w: number, gx: number, next: number, count: number,
    columns: number, packedA: number, packedB: number, scratch: number): void;
  convBackwardFilter(descriptor: number, x: number, gy: number, gw: number, first: number, last: number,
    columns: number, packedA: number, packedB: number, scratch: number): void;
  addInto(dst: number, src: number, count: number): void;
}

export type KernelName = keyof KernelExports;

/** The memory every instance imports: shared, so all threads see it, and up to 4 GiB (wasm32's reach). */
export const MEMORY_LIMITS = { initialPages: 64, maximumPages: 65536 } as const;

export interface BuiltModule {
  bytes: Uint8Array;
  exportNames: KernelName[];
}

export function buildKernelModule(options: CodeOptions): BuiltModule {
  const module = new ModuleBuilder({ ...MEMORY_LIMITS, shared: true });
  const gemm = addGemmFunctions(module, options);
  const im2col = addIm2colFunctions(module);
  addConvFunctions(module, gemm, im2col);
  return { bytes: module.bytes(), exportNames: module.exportNames() as KernelName[] };
}
