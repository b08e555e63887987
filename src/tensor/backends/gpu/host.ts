/**
 * A kernel host compiles and runs gpu.js kernels somewhere: in this thread (gpu.js's WebAssembly, CPU
 * or headless-GL modes, which answer synchronously) or in a worker thread that owns a WebGPU device
 * (which answers with Promises, so the worker turns them back into a synchronous call).
 */
import { KernelSpec } from './kernel-spec';

/** gpu.js modes this backend can run in. */
export type GpuMode = 'webgpu' | 'headlessgl' | 'webasm' | 'cpu';

/** A compiled kernel, as the host knows it. */
export type KernelHandle = number;

export interface KernelHost {
  readonly mode: GpuMode;
  /** One line for logs: where the kernels run. */
  describe(): string;
  /** Compiles `spec` (or prepares to, on first run) and returns its handle. */
  compile(spec: KernelSpec): KernelHandle;
  /**
   * Runs a compiled kernel on `inputs` (one array per argument, of the lengths the spec names) and
   * returns its output, one float per thread, x fastest. The returned array may be a view the host
   * reuses: it is valid until the next call on this host.
   */
  run(handle: KernelHandle, inputs: readonly Float32Array[]): Float32Array;
  /** Frees what the kernel holds (its memory, buffers, textures). */
  release(handle: KernelHandle): void;
  /** How many compiled kernels the host holds now: a test of deterministic release. */
  liveKernels(): number;
  /** Releases everything; the host cannot be used afterwards. */
  close(): void;
}

/**
 * gpu.js shapes an output of 2 or 3 dims as nested arrays of rows; this copies any such result into
 * `target` in row-major order and returns how many values it wrote.
 */
export function flattenInto(result: unknown, target: Float32Array, offset = 0): number {
  if (ArrayBuffer.isView(result)) {
    const values = result as Float32Array;
    target.set(values, offset);
    return values.length;
  }
  if (Array.isArray(result)) {
    let written = 0;
    for (const part of result) written += flattenInto(part, target, offset + written);
    return written;
  }
  throw new Error(`gpu backend: gpu.js returned ${typeof result} where an array of numbers was expected`);
}
