/**
 * Runs a registry kernel on the WebGPU device and brings its arguments back to the host, to compare
 * with the TypeScript reference. The `gpu` vitest project runs these suites with SwiftShader's Vulkan
 * driver where it is installed (vitest.config.mts); elsewhere they are skipped, with a note.
 */
import { kernel, KernelName, KernelTable, withBackend } from '../../../../../src/tensor/registry';
import { hostArguments } from '../../../../../src/tensor/residency';
import { gpuBackend } from '../../../../../src/tensor/backends/gpu';

/** Whether the gpu backend runs on a WebGPU device here (started once, on first call). */
export function onWebGpu(): boolean {
  const ready = gpuBackend.isAvailable() && gpuBackend.keepsDataOnDevice === true;
  if (!ready) process.stderr.write(`WGSL kernel tests skipped: ${gpuBackend.describe()}\n`);
  return ready;
}

/** Runs `name` on the device with `args`, then reads every array in `args` back. */
export function runOnDevice<K extends KernelName>(name: K, args: Parameters<KernelTable[K]>[0]): void {
  if (!gpuBackend.kernels[name]) throw new Error(`the gpu backend has no WGSL '${name}' kernel`);
  withBackend('gpu', () => (kernel(name, 'float32') as (a: typeof args) => void)(args));
  hostArguments(args as object);
}

/** Runs the TypeScript reference of `name`. */
export function runOnReference<K extends KernelName>(name: K, args: Parameters<KernelTable[K]>[0]): void {
  withBackend('ts', () => (kernel(name, 'float32') as (a: typeof args) => void)(args));
}

/** n float32 values, uniform in [shift - scale/2, shift + scale/2), from a small LCG seeded by `seed`. */
export function random(n: number, seed: number, scale = 2, shift = 0): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31 - 0.5) * scale + shift;
  });
}

/** Largest |a - b| / (1 + |b|) over the arrays (NaN where either holds NaN at a place the other does not). */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return NaN;
    if (Number.isNaN(a[i])) continue;
    if (a[i] === b[i]) continue;
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  }
  return worst;
}
