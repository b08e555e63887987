/**
 * The memory-bound elementwise kernels of the cpu backend (binary arithmetic with broadcasting, ReLU
 * forward and backward, the in-place add of gradient accumulation), with the signatures and results of
 * the reference (src/tensor/kernels/binary.ts, elementwise.ts), in float32.
 *
 * These ops do one or two flops per element, so copying the operands into the shared memory and the
 * result out costs about as much as the arithmetic: WebAssembly wins only once the arrays are large
 * enough for SIMD and a second thread to pay for the copies and the hand-off. Below `MIN_ELEMENTS` the
 * registered kernels run the TypeScript loops; the `…InMemory` functions always run WebAssembly (the
 * tests call them on small shapes).
 */
import { BinaryArgs, binary as referenceBinary } from '../../kernels/binary';
import {
  AddIntoArgs, ReluArgs, ReluBackwardArgs, addInto as referenceAddInto, relu as referenceRelu,
  reluBackward as referenceReluBackward,
} from '../../kernels/elementwise';
import type { TypedArray } from '../../dtype';
import { broadcastStrides } from '../../shape';
import { F32 } from './codegen/blocking';
import { ArithmeticOp, BINARY_OPS } from './codegen/elementwise-code';
import type { KernelCall } from './worker-pool';
import { Arena, fitsInMemory, getRuntime } from './runtime';
import { partRange, threadsFor } from './split';

/**
 * Below this many output elements the TypeScript loops are as fast as WebAssembly with its copies. Measured
 * on the project's 2-core machine in December 2026 (TypeScript against WebAssembly with copies,
 * interleaved, medians): at 1K elements the in-place add and ReLU's backward are faster in TypeScript
 * (0.001-0.003 ms against 0.003), at 4K every kernel is 1.3-5x faster in WebAssembly, at 100K 1.3x
 * (same-shape add) to 4x (per-channel multiply), at 1.6M 1.1x to 3x (both near memory bandwidth there, the
 * copies doubling WebAssembly's traffic).
 */
export const MIN_ELEMENTS = 4096;

/**
 * The flops one element of these kernels is worth against split.ts's threshold (8M flops of GEMM): with 2,
 * arrays of 4M elements and more are split. The copies in and out stay on the calling thread and take most
 * of the time, so a second thread gains little (on the same machine and month, at 1.6M elements: 1.1-1.3x
 * when nothing else ran, and a loss under load, where the join waits for a worker that is not scheduled:
 * the main job's SGD step took 2.0 ms on two threads against 1.4 ms on one with a load average of 4).
 */
export const WORK_PER_ELEMENT = 2;

/** Elements a thread's share is rounded to, so every share but the last starts on a cache line. */
const ALIGN_ELEMENTS = 16;

const isF32 = (x: TypedArray): x is Float32Array => x instanceof Float32Array;

/** A binary op's loop nest after merging dims: out is (n0, n1, n2), operands read at element strides. */
export interface BinaryPlan {
  dims: [number, number, number];
  a: [number, number, number];
  b: [number, number, number];
}

/**
 * Merges the output's dims where both operands step through memory the same way (both contiguous
 * across the pair, or both broadcast), dropping size-1 dims. A per-channel vector against NCHW
 * becomes (N, C, H·W) with the vector at strides (0, 1, 0), a scalar (1, 1, n) at (0, 0, 0), equal
 * shapes (1, 1, n). Null when more than three dims remain (the reference runs those).
 */
export function planBinary(aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]): BinaryPlan | null {
  const as = broadcastStrides(aShape, outShape);
  const bs = broadcastStrides(bShape, outShape);
  const dims: number[] = [], sa: number[] = [], sb: number[] = [];
  for (let d = 0; d < outShape.length; d++) {
    const size = outShape[d];
    if (size === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && sa[last] === as[d] * size && sb[last] === bs[d] * size) {
      dims[last] *= size;
      sa[last] = as[d];
      sb[last] = bs[d];
    } else {
      dims.push(size);
      sa.push(as[d]);
      sb.push(bs[d]);
    }
  }
  if (dims.length > 3) return null;
  while (dims.length < 3) {
    dims.unshift(1);
    sa.unshift(0);
    sb.unshift(0);
  }
  // The inner loops step by one element or none; anything else is not a broadcast of contiguous arrays.
  if ((sa[2] !== 0 && sa[2] !== 1) || (sb[2] !== 0 && sb[2] !== 1)) return null;
  return { dims: dims as BinaryPlan['dims'], a: sa as BinaryPlan['a'], b: sb as BinaryPlan['b'] };
}

function isArithmetic(op: string): op is ArithmeticOp {
  return (BINARY_OPS as readonly string[]).includes(op);
}

export function binary(args: BinaryArgs): void {
  if (args.out.length < MIN_ELEMENTS || !binaryInMemory(args)) referenceBinary(args);
}

/**
 * Runs `args` in WebAssembly and returns true, or returns false without writing anything when it
 * cannot (pow, an operand not float32, a pattern of more than three dims, too large for the memory).
 */
export function binaryInMemory(args: BinaryArgs): boolean {
  const { op, a, b, out } = args;
  if (!isArithmetic(op) || !isF32(a) || !isF32(b) || !isF32(out) || out.length === 0) return false;
  const plan = planBinary(args.aShape, args.bShape, args.outShape);
  if (plan === null) return false;
  const runtime = getRuntime();
  const arena = new Arena();
  const aAt = arena.floats(a.length);
  const bAt = arena.floats(b.length);
  const outAt = arena.floats(out.length);
  if (!fitsInMemory(arena, 'binary')) return false;
  runtime.reserve(arena.end);
  runtime.copyIn(aAt, a, 0, a.length);
  runtime.copyIn(bAt, b, 0, b.length);

  const [n0, n1, n2] = plan.dims;
  const outStrides = [n1 * n2, n2, 1];
  const threads = threadsFor(out.length * WORK_PER_ELEMENT, runtime.threads);
  // Split the outermost dim that has a share for every thread; along n2, shares of whole cache lines.
  const split = n0 >= threads ? 0 : n1 >= threads ? 1 : 2;
  const size = plan.dims[split];
  const unit = split === 2 && size >= threads * ALIGN_ELEMENTS ? ALIGN_ELEMENTS : 1;
  const units = Math.ceil(size / unit);
  const parts = Math.min(threads, units);
  const code = BINARY_OPS.indexOf(op);
  const calls: KernelCall[] = [];
  for (let t = 0; t < parts; t++) {
    const [u0, u1] = partRange(units, parts, t);
    const start = u0 * unit;
    const end = Math.min(size, u1 * unit);
    const dims = [...plan.dims];
    dims[split] = end - start;
    calls.push({
      name: 'binary',
      args: [
        code, dims[0], dims[1], dims[2],
        aAt + start * plan.a[split] * F32, plan.a[0] * F32, plan.a[1] * F32, plan.a[2] * F32,
        bAt + start * plan.b[split] * F32, plan.b[0] * F32, plan.b[1] * F32, plan.b[2] * F32,
        outAt + start * outStrides[split] * F32,
      ],
    });
  }
  runtime.workers.run(calls);
  runtime.copyOut(outAt, out, 0, out.length);
  return true;
}

/** The one-pass kernels `runInMemory` runs: arrays of one length, each element on its own. */
export type SplitKernel = 'relu' | 'reluBackward' | 'addInto' | 'addRelu';

/**
 * Copies `inputs` into the memory, runs kernel `name` over them and an output, split across threads in
 * equal shares of whole cache lines (`workPerElement` weighs the split against split.ts's threshold),
 * and copies the output into `out`. `out` may be inputs[0]: the kernel then works in place (its
 * arguments are the inputs alone). False, with nothing run, when the arrays do not fit in the memory.
 */
export function runInMemory(name: SplitKernel, inputs: Float32Array[], out: Float32Array, workPerElement = WORK_PER_ELEMENT): boolean {
  const count = out.length;
  const runtime = getRuntime();
  const arena = new Arena();
  const inputAt = inputs.map((x) => arena.floats(x.length));
  const inPlace = out === inputs[0];
  const outAt = inPlace ? inputAt[0] : arena.floats(count);
  const addresses = inPlace ? inputAt : [...inputAt, outAt];
  if (!fitsInMemory(arena, name)) return false;
  runtime.reserve(arena.end);
  inputs.forEach((x, i) => runtime.copyIn(inputAt[i], x, 0, x.length));
  const units = Math.ceil(count / ALIGN_ELEMENTS);
  const parts = Math.min(threadsFor(count * workPerElement, runtime.threads), units);
  const calls: KernelCall[] = [];
  for (let t = 0; t < parts; t++) {
    const [u0, u1] = partRange(units, parts, t);
    const start = u0 * ALIGN_ELEMENTS;
    const end = Math.min(count, u1 * ALIGN_ELEMENTS);
    calls.push({ name, args: [...addresses.map((at) => at + start * F32), end - start] });
  }
  runtime.workers.run(calls);
  runtime.copyOut(outAt, out, 0, count);
  return true;
}

export function relu(args: ReluArgs): void {
  if (args.x.length < MIN_ELEMENTS || !reluInMemory(args)) referenceRelu(args);
}

export function reluInMemory({ x, y }: ReluArgs): boolean {
  return isF32(x) && isF32(y) && x.length > 0 && runInMemory('relu', [x], y);
}

export function reluBackward(args: ReluBackwardArgs): void {
  if (args.x.length < MIN_ELEMENTS || !reluBackwardInMemory(args)) referenceReluBackward(args);
}

export function reluBackwardInMemory({ x, g, dx }: ReluBackwardArgs): boolean {
  return isF32(x) && isF32(g) && isF32(dx) && x.length > 0 && runInMemory('reluBackward', [x, g], dx);
}

export function addInto(args: AddIntoArgs): void {
  if (args.target.length < MIN_ELEMENTS || !addIntoInMemory(args)) referenceAddInto(args);
}

export function addIntoInMemory({ target, source }: AddIntoArgs): boolean {
  return isF32(target) && isF32(source) && target.length > 0 && runInMemory('addInto', [target, source], target);
}
