/**
 * What a gpu.js kernel is, in data: its source text, its output grid and its constants. A spec is
 * plain data so it can be compiled in this thread or posted to the worker thread that owns a WebGPU
 * device, and its `key` names everything it was compiled for, so the cache can reuse it.
 *
 * Rules every kernel source here follows (gpu.js turns the JavaScript into WebAssembly or WGSL):
 * - One output value per thread; `this.thread.x/y/z` say which, x varying fastest.
 * - Sizes arrive as `this.constants`, compiled with `strictIntegers` so they are 32-bit integers.
 * - gpu.js stores every local variable, loop counters included, as a float32, which counts integers
 *   exactly only up to 2^24. Small coordinates (a row, a tap, a channel) are fine in locals, but a
 *   flat index into a large array is not: it is written inside the subscript, from terms that are
 *   integers (`this.thread.*`, constants, and locals converted with `| 0`), so it is computed in
 *   32-bit integers whatever the array's size.
 */

/** The `this` gpu.js gives a kernel function, with the constants of that kernel. */
export interface KernelThis<Constants> {
  thread: { x: number; y: number; z: number };
  constants: Constants;
}

export interface KernelSpec {
  /** The kernel's name and every size it was compiled for: equal keys may share a compiled kernel. */
  readonly key: string;
  /** The kernel function's source text. */
  readonly source: string;
  /** The thread grid [x, y, z], x fastest; the output holds one float per thread, in that order. */
  readonly output: readonly [number, number, number];
  readonly constants: Readonly<Record<string, number>>;
  /** Length of each array argument, in order: gpu.js compiles for fixed argument sizes. */
  readonly inputLengths: readonly number[];
}

/** Builds a spec whose key is derived from everything that makes the compiled kernel differ. */
export function kernelSpec(
  name: string,
  kernelFunction: (...args: never[]) => number,
  output: readonly [number, number, number],
  constants: Record<string, number>,
  inputLengths: readonly number[],
): KernelSpec {
  const constantText = Object.keys(constants).sort().map((c) => `${c}=${constants[c]}`).join(',');
  const key = `${name}|out=${output.join('x')}|${constantText}|in=${inputLengths.join(',')}`;
  return { key, source: kernelFunction.toString(), output, constants, inputLengths };
}

/** Number of threads (and output values) of a spec. */
export function outputSize(spec: KernelSpec): number {
  return spec.output[0] * spec.output[1] * spec.output[2];
}

/**
 * The settings gpu.js compiles every kernel of this backend with. Trailing grid dims of size 1 are
 * dropped (their thread id reads 0 either way), so WebGPU can fold a long 1-D grid.
 */
export function gpuJsSettings(spec: KernelSpec): Record<string, unknown> {
  const output = [...spec.output];
  while (output.length > 1 && output[output.length - 1] === 1) output.pop();
  return {
    output,
    constants: { ...spec.constants },
    argumentTypes: spec.inputLengths.map(() => 'Array'),
    strictIntegers: true,
    precision: 'single',
    tactic: 'precision',
  };
}
