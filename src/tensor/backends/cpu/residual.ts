/**
 * The residual add+ReLU kernel of the cpu backend (reference: src/tensor/kernels/residual.ts), in
 * float32, bit for bit the reference's result. Threads take equal slices of whole cache lines.
 * Below `MIN_ELEMENTS` the registered kernel runs the TypeScript loop; `addReluInMemory` always runs
 * WebAssembly (the tests call it on small shapes).
 */
import { AddReluArgs, addRelu as referenceAddRelu } from '../../kernels/residual';
import { runInMemory } from './elementwise';

/**
 * Below this many elements the TypeScript loop is as fast as WebAssembly with its copies (measured on the
 * project's 2-core machine in December 2026, in one interleaved run, WebAssembly against TypeScript: 2 µs
 * each at 512 elements, 2 against 4 at 2048, 72 against 694 at 102400, 2.0 ms against 11.3 at
 * [8,64,56,56]).
 */
export const MIN_ELEMENTS = 2048;

/**
 * The flops one element is worth against split.ts's threshold: 32, where ./elementwise.ts's kernels
 * take 2, so the residual add+ReLU is split across threads from 250K elements (8M flops by default).
 */
const WORK_PER_ELEMENT = 32;

export function addRelu(args: AddReluArgs): void {
  if (args.out.length < MIN_ELEMENTS || !addReluInMemory(args)) referenceAddRelu(args);
}

export function addReluInMemory({ a, b, out }: AddReluArgs): boolean {
  const f32 = [a, b, out].every((x) => x instanceof Float32Array);
  return f32 && out.length > 0 && runInMemory('addRelu', [a as Float32Array, b as Float32Array], out as Float32Array, WORK_PER_ELEMENT);
}
