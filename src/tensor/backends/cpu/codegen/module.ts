/**
 * The backend's whole WebAssembly module, generated from the TypeScript in this folder (codegen/: the
 * code generators, as opposed to src/tensor/kernels/, the TypeScript reference loops): GEMM,
 * im2col/col2im and the convolution passes, and the elementwise, optimizer, BatchNorm, residual and
 * max-pooling kernels. The exported functions are what the TypeScript kernels (../gemm.ts,
 * ../conv.ts, ...) and the worker threads call.
 */
import { ModuleBuilder } from '../wasm/module-builder';
import { CodeOptions, addGemmFunctions } from './gemm-code';
import { addIm2colFunctions } from './im2col-code';
import { addConvFunctions } from './conv-code';
import { addElementwiseFunctions } from './elementwise-code';
import { addOptimizerFunctions } from './optimizer-code';
import { addBatchNormFunctions } from './batchnorm-code';
import { addResidualFunctions } from './residual-code';
import { addMaxPoolFunctions } from './max-pool-code';

/** The exported functions, with their parameters in order (all i32). */
export interface WasmExports {
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
  /** out = a op b (op: an index of BINARY_OPS) over (n0, n1, n2); strides in bytes (./elementwise-code). */
  binary(op: number, n0: number, n1: number, n2: number, a: number, a0: number, a1: number, a2: number,
    b: number, b0: number, b1: number, b2: number, out: number): void;
  relu(x: number, y: number, count: number): void;
  reluBackward(x: number, g: number, dx: number, count: number): void;
  /** The optimizers' updates over `count` entries at `list` (./optimizer-code). */
  sgdUpdate(list: number, count: number, hyper: number): void;
  adamUpdate(list: number, count: number, hyper: number): void;
  /** BatchNorm over channels [first, last) of an [n, c, s] tensor (./batchnorm-code says what each does). */
  batchNormForward(x: number, out: number, n: number, c: number, s: number, first: number, last: number,
    mean: number, invStd: number, squares: number, weight: number, bias: number, params: number, flags: number): void;
  batchNormBackward(g: number, x: number, y: number, gx: number, n: number, c: number, s: number, first: number,
    last: number, mean: number, invStd: number, weight: number, sumG: number, sumGX: number, flags: number): void;
  /** out = max(a + b, 0) over `count` floats (./residual-code). */
  addRelu(a: number, b: number, out: number, count: number): void;
  /** Max pooling of `planes` planes at x, described at `descriptor` (./max-pool-code). */
  maxPool2d(descriptor: number, x: number, out: number, indices: number, planes: number): void;
}

export type WasmExportName = keyof WasmExports;

/** The memory every instance imports: shared, so all threads see it, and up to 4 GiB (wasm32's reach). */
export const MEMORY_LIMITS = { initialPages: 64, maximumPages: 65536 } as const;

export interface BuiltModule {
  bytes: Uint8Array;
  exportNames: WasmExportName[];
}

export function buildKernelModule(options: CodeOptions): BuiltModule {
  const module = new ModuleBuilder({ ...MEMORY_LIMITS, shared: true });
  const gemm = addGemmFunctions(module, options);
  const im2col = addIm2colFunctions(module);
  addConvFunctions(module, gemm, im2col);
  addElementwiseFunctions(module);
  addOptimizerFunctions(module);
  addBatchNormFunctions(module);
  addResidualFunctions(module);
  addMaxPoolFunctions(module);
  return { bytes: module.bytes(), exportNames: module.exportNames() as WasmExportName[] };
}
