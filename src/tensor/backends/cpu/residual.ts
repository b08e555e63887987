/**
 * The residual add+ReLU kernel of the cpu backend (reference: src/tensor/kernels/residual.ts), in
 * float32, bit for bit the reference's result. Threads take equal slices of whole cache lines.
 * Below `MIN_ELEMENTS` the registered kernel runs the TypeScript loop; `addReluInMemory` always runs
 * WebAssembly (the tests call it on small shapes).
 */
import { AddReluArgs, addRelu as referenceAddRelu } from '../../kernels/residual';
import { F32 } from './kernels/blocking';
import type { KernelCall } from './pool';
import { Arena, fitsInMemory, getRuntime } from './runtime';
import { partRange, threadsFor } from './split';

/**
 * Below this many elements the TypeScript loop is as fast as WebAssembly with its copies (measured in
 * one interleaved run: 2 µs each at 512 elements, 2 against 4 at 2048, 72 against 694 at 102400, 2.0
 * ms against 11.3 at [8,64,56,56]).
 */
export const MIN_ELEMENTS = 2048;

/** As in ./elementwise.ts: a one-flop-per-element kernel weighed against GEMM's flops for the thread split. */
const WORK_PER_ELEMENT = 32;

/** Elements a thread's share is rounded to, so every share but the last starts on a cache line. */
const ALIGN_ELEMENTS = 16;

export function addRelu(args: AddReluArgs): void {
  if (args.out.length < MIN_ELEMENTS || !addReluInMemory(args)) referenceAddRelu(args);
}

export function addReluInMemory({ a, b, out }: AddReluArgs): boolean {
  const count = out.length;
  if (!(a instanceof Float32Array) || !(b instanceof Float32Array) || !(out instanceof Float32Array) || count === 0) return false;
  const runtime = getRuntime();
  const arena = new Arena();
  const aAt = arena.floats(count), bAt = arena.floats(count), outAt = arena.floats(count);
  if (!fitsInMemory(arena, 'addRelu')) return false;
  runtime.reserve(arena.end);
  runtime.copyIn(aAt, a, 0, count);
  runtime.copyIn(bAt, b, 0, count);
  const units = Math.ceil(count / ALIGN_ELEMENTS);
  const parts = Math.min(threadsFor(count * WORK_PER_ELEMENT, runtime.threads), units);
  const calls: KernelCall[] = [];
  for (let t = 0; t < parts; t++) {
    const [u0, u1] = partRange(units, parts, t);
    const start = u0 * ALIGN_ELEMENTS;
    const end = Math.min(count, u1 * ALIGN_ELEMENTS);
    calls.push({ name: 'addRelu', args: [aAt + start * F32, bAt + start * F32, outAt + start * F32, end - start] });
  }
  runtime.pool.run(calls);
  runtime.copyOut(outAt, out, 0, count);
  return true;
}
