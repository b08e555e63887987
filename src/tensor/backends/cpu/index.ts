/**
 * The `cpu` backend: GEMM, batched GEMM and the three convolution kernels as SIMD WebAssembly, generated
 * by the TypeScript in this folder (no binary is committed), run on a pool of worker threads that share
 * one WebAssembly memory. float32 only; float64 (gradient checks) and int32 run on the `ts` reference.
 *
 * The registry lists this backend; `auto` picks it when the engine validates SIMD and shared memory. Nothing is compiled and no thread starts until the first kernel runs.
 */
import type { Backend } from '../../registry';
import { MAX_WORKERS } from './control-block';
import { batchedGemm, gemm } from './gemm';
import { convBackwardData, convBackwardFilter, convForward } from './conv';
import { addInto, binary, relu, reluBackward } from './elementwise';
import { adamUpdate, sgdUpdate } from './optimizer';
import { batchNormBackward, batchNormForward } from './batchnorm';
import { addRelu } from './residual';
import { maxPool2d, maxPool2dBackward } from './max-pool';
import { cpuFeatures } from './features';
import { defaultThreads, getRuntime, peekRuntime } from './runtime';

export { setParallelThreshold } from './split';
export { cpuFeatures } from './features';
export type { CpuFeatures } from './features';

/**
 * Sets how many threads the kernels use, the calling thread included (default: one per core, at most
 * 8). Workers start when first needed; lowering the count leaves the extra ones asleep.
 */
export function setNumThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WORKERS + 1) {
    throw new Error(`setNumThreads: threads must be an integer in [1, ${MAX_WORKERS + 1}]; got ${threads}`);
  }
  getRuntime().threads = threads;
}

/** The threads the kernels use now, the calling thread included. */
export function getNumThreads(): number {
  return getRuntime().threads;
}

function describe(): string {
  const features = cpuFeatures();
  if (!features.simd) return 'WebAssembly SIMD (not supported by this engine)';
  const threads = peekRuntime()?.threads ?? defaultThreads();
  const arithmetic = features.relaxedSimd ? 'relaxed FMA' : 'mul+add';
  return `WebAssembly SIMD (${arithmetic}), ${threads} thread${threads === 1 ? '' : 's'}`;
}

export const cpuBackend: Backend = {
  name: 'cpu',
  describe,
  isAvailable: () => {
    const { simd, sharedMemory } = cpuFeatures();
    return simd && sharedMemory;
  },
  preferredWhenAvailable: () => false,
  dtypes: ['float32'],
  kernels: {
    gemm, batchedGemm, convForward, convBackwardData, convBackwardFilter,
    binary, relu, reluBackward, addInto, sgdUpdate, adamUpdate,
    batchNormForward, batchNormBackward, addRelu, maxPool2d, maxPool2dBackward,
  },
};

