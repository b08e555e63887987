/**
 * The BatchNorm kernels of the cpu backend, with the signatures and results of the reference
 * (src/tensor/kernels/batchnorm.ts) in float32: the statistics and sums in float64 as there, the
 * elementwise outputs within float32 rounding of it. Threads split the channels; each runs whole
 * channels (./codegen/batchnorm-code), so no sum is shared between threads and the results do not
 * depend on the thread count.
 *
 * Below `MIN_ELEMENTS` the registered kernels run the TypeScript loops, which then beat the copies
 * into and out of the shared memory; the `…InMemory` functions always run WebAssembly (the tests call
 * them on small shapes).
 */
import {
  BatchNormBackwardArgs, BatchNormForwardArgs, batchNormBackward as referenceBackward,
  batchNormForward as referenceForward,
} from '../../kernels/batchnorm';
import { BACKWARD_FLAGS, FORWARD_FLAGS } from './codegen/batchnorm-code';
import type { KernelCall } from './worker-pool';
import { Arena, Runtime, fitsInMemory, getRuntime } from './runtime';
import { partRange, threadsFor } from './split';

/**
 * Below this many elements the TypeScript loops are as fast as WebAssembly with its copies. Measured on the
 * project's 2-core machine (shared) in December 2026 with a scratch script (not kept) comparing the two
 * interleaved in one run (float32, training): at 512 elements WebAssembly took 3 µs against TypeScript's
 * 2-3, at 2048 4 µs against 6, at [64,16,10,10] 82-88 µs against 283 forward and 121-134 against 357
 * backward, at [8,64,56,56] 1.9 ms against 4.2 forward (2.1 against 8.8 with the ReLU) and 2.4 against 5.3
 * backward (3.1-3.7 against 12 masked). At the large shapes the two copies take most of WebAssembly's time.
 */
export const MIN_ELEMENTS = 2048;

/**
 * The flops one element is worth when deciding whether to use more threads (split.ts's threshold is
 * in flops of GEMM, which does ~30x more work per byte): from about 250K elements, a second thread
 * saves more than waking it costs.
 */
const WORK_PER_ELEMENT = 32;

const F64 = 8;

function isF32(x: ArrayLike<number> | null): boolean {
  return x === null || x instanceof Float32Array;
}

/** The memory as f64, over the current buffer (a view made after any growth). */
function f64View(runtime: Runtime): Float64Array {
  return new Float64Array(runtime.f32.buffer);
}

/** Runs `name` on channels [first, last) of each thread's share; `args(first, last)` gives its arguments. */
function runByChannel(runtime: Runtime, name: KernelCall['name'], elements: number, c: number,
  args: (first: number, last: number) => number[]): void {
  const threads = Math.min(threadsFor(elements * WORK_PER_ELEMENT, runtime.threads), c);
  runtime.workers.run(Array.from({ length: threads }, (_, t) => {
    const [first, last] = partRange(c, threads, t);
    return { name, args: args(first, last) };
  }));
}

/** Copies a per-channel f32 vector in, or `fill` (1 for a missing weight, 0 for a missing bias). */
function channelVectorIn(runtime: Runtime, at: number, v: ArrayLike<number> | null, c: number, fill: number): void {
  if (v) runtime.copyIn(at, v, 0, c);
  else runtime.f32.fill(fill, at / 4, at / 4 + c);
}

export function batchNormForward(args: BatchNormForwardArgs): void {
  if (args.out.length < MIN_ELEMENTS || !batchNormForwardInMemory(args)) referenceForward(args);
}

/**
 * Runs `args` in WebAssembly and returns true, or returns false without writing anything when it
 * cannot (an operand not float32, an empty tensor, too large for the memory).
 */
export function batchNormForwardInMemory(args: BatchNormForwardArgs): boolean {
  const { n, c, s } = args;
  const elements = n * c * s;
  if (elements === 0 || !isF32(args.x) || !isF32(args.out) || !isF32(args.weight) || !isF32(args.bias)) return false;
  const runtime = getRuntime();
  const arena = new Arena();
  const x = arena.floats(elements), out = arena.floats(elements);
  const mean = arena.take(c * F64), invStd = arena.take(c * F64), squares = arena.take(c * F64);
  const weight = arena.floats(c), bias = arena.floats(c), params = arena.take(F64);
  if (!fitsInMemory(arena, 'batchNormForward')) return false;
  runtime.reserve(arena.end);
  runtime.copyIn(x, args.x, 0, elements);
  channelVectorIn(runtime, weight, args.weight, c, 1);
  channelVectorIn(runtime, bias, args.bias, c, 0);
  const heap64 = f64View(runtime);
  heap64[params / F64] = args.eps;
  if (!args.training) {
    heap64.set(args.mean, mean / F64);
    heap64.set(args.invStd, invStd / F64);
  }
  const flags = (args.training ? FORWARD_FLAGS.training : 0) | (args.relu ? FORWARD_FLAGS.relu : 0);
  runByChannel(runtime, 'batchNormForward', elements, c, (first, last) =>
    [x, out, n, c, s, first, last, mean, invStd, squares, weight, bias, params, flags]);
  runtime.copyOut(out, args.out, 0, elements);
  if (args.training) {
    const after = f64View(runtime);
    args.mean.set(after.subarray(mean / F64, mean / F64 + c));
    args.invStd.set(after.subarray(invStd / F64, invStd / F64 + c));
    args.squares?.set(after.subarray(squares / F64, squares / F64 + c));
  }
  return true;
}

export function batchNormBackward(args: BatchNormBackwardArgs): void {
  if (args.g.length < MIN_ELEMENTS || !batchNormBackwardInMemory(args)) referenceBackward(args);
}

/** As batchNormForwardInMemory, for the backward. */
export function batchNormBackwardInMemory(args: BatchNormBackwardArgs): boolean {
  const { n, c, s, sums, gx } = args;
  const elements = n * c * s;
  if (elements === 0 || !isF32(args.g) || !isF32(args.x) || !isF32(args.y) || !isF32(args.weight) || !isF32(gx)) return false;
  if (args.training && gx && !sums) return false; // the reference says why
  const runtime = getRuntime();
  const arena = new Arena();
  const g = arena.floats(elements), x = arena.floats(elements);
  const y = args.y ? arena.floats(elements) : 0;
  const gxAt = gx ? arena.floats(elements) : 0;
  const mean = arena.take(c * F64), invStd = arena.take(c * F64);
  const sumG = arena.take(c * F64), sumGX = arena.take(c * F64);
  const weight = arena.floats(c);
  if (!fitsInMemory(arena, 'batchNormBackward')) return false;
  runtime.reserve(arena.end);
  runtime.copyIn(g, args.g, 0, elements);
  runtime.copyIn(x, args.x, 0, elements);
  if (args.y) runtime.copyIn(y, args.y, 0, elements);
  channelVectorIn(runtime, weight, args.weight, c, 1);
  const heap64 = f64View(runtime);
  heap64.set(args.mean, mean / F64);
  heap64.set(args.invStd, invStd / F64);
  const flags = (args.training ? BACKWARD_FLAGS.training : 0) | (args.y ? BACKWARD_FLAGS.mask : 0) |
    (sums ? BACKWARD_FLAGS.sums : 0) | (gx ? BACKWARD_FLAGS.grad : 0);
  runByChannel(runtime, 'batchNormBackward', elements, c, (first, last) =>
    [g, x, y, gxAt, n, c, s, first, last, mean, invStd, weight, sumG, sumGX, flags]);
  if (gx) runtime.copyOut(gxAt, gx, 0, elements);
  if (sums) {
    const after = f64View(runtime);
    sums.g.set(after.subarray(sumG / F64, sumG / F64 + c));
    sums.gx.set(after.subarray(sumGX / F64, sumGX / F64 + c));
  }
  return true;
}
