/**
 * The optimizers' updates on the cpu backend: all the parameters of a group in one WebAssembly call
 * per thread (./codegen/optimizer-code), instead of one TypeScript loop per tensor. Same signatures as
 * the reference (src/tensor/kernels/optimizer.ts); float32 arithmetic, as PyTorch's.
 *
 * The parameters go through the shared memory in batches of at most `BATCH_ELEMENTS`, so the memory
 * never grows by a whole model's parameters, gradients and state at once (ResNet-50: 25M of each).
 */
import {
  AdamUpdateArgs, SgdUpdateArgs, adamBiasCorrections, adamUpdate as referenceAdamUpdate, sgdUpdate as referenceSgdUpdate,
} from '../../kernels/optimizer';
import type { TypedArray } from '../../dtype';
import { F32 } from './codegen/blocking';
import { ADAM_ENTRY, ADAM_HYPER, SGD_ENTRY, SGD_HYPER } from './codegen/optimizer-code';
import type { KernelCall } from './worker-pool';
import { Arena, Runtime, fitsInMemory, getRuntime } from './runtime';
import { partRange, threadsFor } from './split';
import { WORK_PER_ELEMENT } from './elementwise';

/**
 * Below this many elements in a call the TypeScript loop runs (a group of BatchNorm vectors, say): there
 * the copies and the hand-off are most of the time. Measured on the project's 2-core machine in December
 * 2026 with a scratch script (not kept) stepping whole models both ways, interleaved, medians, Nesterov SGD
 * with weight decay: the main job's 722K values took 3.2 ms in TypeScript and 1.6 ms in WebAssembly,
 * ResNet-50's 23.9M values 112 ms and 72 ms (the copies, five arrays' worth, dominate).
 */
export const MIN_ELEMENTS = 16_384;
/** Elements per trip through the shared memory. */
const BATCH_ELEMENTS = 1 << 20;
const ALIGN_ELEMENTS = 16;

const isF32 = (x: TypedArray | null): x is Float32Array => x instanceof Float32Array;

/** A run of one parameter as an entry of the WebAssembly list sees it. */
interface Piece {
  /** The arrays the entry points at, in entry order; null is absent (address 0, never read). */
  arrays: (Float32Array | null)[];
  /** Per array: copied into the memory before the call, and back out after it. */
  reads: readonly boolean[];
  writes: readonly boolean[];
  /** The entry's words after the addresses and the count: i32 flags or f32 scalars. */
  tail: { i32?: number; f32?: number }[];
}

interface UpdateKernel {
  name: 'sgdUpdate' | 'adamUpdate';
  entryBytes: number;
  hyperBytes: number;
  writeHyper(runtime: Runtime, at: number): void;
}

/** Cuts a piece into runs of at most `size` elements (subarray views, no copies). */
function cut(piece: Piece, size: number): Piece[] {
  const length = piece.arrays[0]!.length;
  if (length <= size) return [piece];
  const out: Piece[] = [];
  for (let start = 0; start < length; start += size) {
    out.push({ ...piece, arrays: piece.arrays.map((a) => (a === null ? null : a.subarray(start, start + size))) });
  }
  return out;
}

/** Runs the update over `pieces`, batch by batch. */
function runPieces(kernel: UpdateKernel, pieces: Piece[]): void {
  let batch: Piece[] = [];
  let elements = 0;
  for (const piece of pieces.flatMap((p) => cut(p, BATCH_ELEMENTS))) {
    const length = piece.arrays[0]!.length;
    if (elements + length > BATCH_ELEMENTS && batch.length > 0) {
      runBatch(kernel, batch, elements);
      batch = [];
      elements = 0;
    }
    batch.push(piece);
    elements += length;
  }
  if (batch.length > 0) runBatch(kernel, batch, elements);
}

function runBatch(kernel: UpdateKernel, batch: Piece[], elements: number): void {
  const runtime = getRuntime();
  const threads = Math.min(threadsFor(elements * WORK_PER_ELEMENT, runtime.threads), Math.ceil(elements / ALIGN_ELEMENTS));
  const arena = new Arena();
  const hyper = arena.take(kernel.hyperBytes);
  // Each thread's share boundary can cut one piece in two: at most threads - 1 extra entries.
  const list = arena.take((batch.length + threads) * kernel.entryBytes);
  const addresses = batch.map((piece) => piece.arrays.map((a) => (a === null ? 0 : arena.floats(a.length))));
  if (!fitsInMemory(arena, kernel.name)) throw new Error(`cpu backend: ${kernel.name} batch does not fit in memory`);
  runtime.reserve(arena.end);
  kernel.writeHyper(runtime, hyper);
  batch.forEach((piece, i) => piece.arrays.forEach((a, k) => {
    if (a !== null && piece.reads[k]) runtime.copyIn(addresses[i][k], a, 0, a.length);
  }));

  // Entries, thread by thread: thread t takes elements [t·E/T, (t+1)·E/T), in whole cache lines.
  const heapI32 = runtime.i32;
  const heapF32 = runtime.f32;
  const units = Math.ceil(elements / ALIGN_ELEMENTS);
  const calls: KernelCall[] = [];
  let entry = 0;
  let piece = 0;
  let offset = 0; // elements of batch[piece] already given to earlier threads
  for (let t = 0; t < threads; t++) {
    const [u0, u1] = partRange(units, threads, t);
    let left = Math.min(elements, u1 * ALIGN_ELEMENTS) - Math.min(elements, u0 * ALIGN_ELEMENTS);
    const first = entry;
    while (left > 0) {
      const p = batch[piece];
      const length = p.arrays[0]!.length;
      const take = Math.min(left, length - offset);
      const word = (list + entry * kernel.entryBytes) / 4;
      p.arrays.forEach((a, k) => { heapI32[word + k] = a === null ? 0 : addresses[piece][k] + offset * F32; });
      heapI32[word + p.arrays.length] = take;
      p.tail.forEach((value, k) => {
        if (value.i32 !== undefined) heapI32[word + p.arrays.length + 1 + k] = value.i32;
        else heapF32[word + p.arrays.length + 1 + k] = value.f32!;
      });
      entry++;
      left -= take;
      offset += take;
      if (offset === length) {
        piece++;
        offset = 0;
      }
    }
    calls.push({ name: kernel.name, args: [list + first * kernel.entryBytes, entry - first, hyper] });
  }
  runtime.workers.run(calls);
  batch.forEach((p, i) => p.arrays.forEach((a, k) => {
    if (a !== null && p.writes[k]) runtime.copyOut(addresses[i][k], a, 0, a.length);
  }));
}

const elementsOf = (slots: { param: TypedArray }[]): number => slots.reduce((sum, s) => sum + s.param.length, 0);

export function sgdUpdate(args: SgdUpdateArgs): void {
  if (elementsOf(args.slots) < MIN_ELEMENTS) referenceSgdUpdate(args);
  else sgdUpdateInMemory(args);
}

/** The update in WebAssembly whatever its size (float32 slots; others run the reference). */
export function sgdUpdateInMemory(args: SgdUpdateArgs): void {
  const momentum = args.momentum !== 0;
  // A slot without a buffer under momentum is the reference's plain step; the kernel would write to address 0.
  const [fast, rest] = partition(args.slots, (s) => isF32(s.param) && isF32(s.grad) && (!momentum || isF32(s.momentumBuffer)));
  if (rest.length > 0) referenceSgdUpdate({ ...args, slots: rest });
  runPieces(
    {
      name: 'sgdUpdate', entryBytes: SGD_ENTRY.bytes, hyperBytes: SGD_HYPER.bytes,
      writeHyper: (runtime, at) => {
        const f = runtime.f32, i = runtime.i32, w = at / 4;
        f[w + SGD_HYPER.negativeLr / 4] = -args.lr;
        f[w + SGD_HYPER.momentum / 4] = args.momentum;
        f[w + SGD_HYPER.oneMinusDampening / 4] = 1 - args.dampening;
        f[w + SGD_HYPER.weightDecay / 4] = args.weightDecay;
        f[w + SGD_HYPER.sign / 4] = args.maximize ? -1 : 1;
        i[w + SGD_HYPER.mode / 4] = !momentum ? 0 : args.nesterov ? 2 : 1;
        i[w + SGD_HYPER.decay / 4] = args.weightDecay !== 0 ? 1 : 0;
      },
    },
    fast.map((s) => ({
      arrays: [s.param as Float32Array, s.grad as Float32Array, momentum ? (s.momentumBuffer as Float32Array) : null],
      // A new buffer is written before it is read: nothing to copy in.
      reads: [true, true, !s.firstStep],
      writes: [true, false, true],
      tail: [{ i32: s.firstStep ? 1 : 0 }],
    })),
  );
}

export function adamUpdate(args: AdamUpdateArgs): void {
  if (elementsOf(args.slots) < MIN_ELEMENTS) referenceAdamUpdate(args);
  else adamUpdateInMemory(args);
}

/** The update in WebAssembly whatever its size (float32 slots; others run the reference). */
export function adamUpdateInMemory(args: AdamUpdateArgs): void {
  const arrays = (s: AdamUpdateArgs['slots'][number]) => [s.param, s.grad, s.expAvg, s.expAvgSq, s.maxExpAvgSq];
  // One AMSGrad choice per call (an optimizer's group has one); slots that differ from the first run the reference.
  const amsgrad = args.slots.length > 0 && args.slots[0].maxExpAvgSq !== null;
  const [fast, rest] = partition(args.slots, (s) => (s.maxExpAvgSq !== null) === amsgrad && arrays(s).every((a) => a === null || isF32(a)));
  if (rest.length > 0) referenceAdamUpdate({ ...args, slots: rest });
  runPieces(
    {
      name: 'adamUpdate', entryBytes: ADAM_ENTRY.bytes, hyperBytes: ADAM_HYPER.bytes,
      writeHyper: (runtime, at) => {
        const f = runtime.f32, i = runtime.i32, w = at / 4;
        f[w + ADAM_HYPER.beta1 / 4] = args.beta1;
        f[w + ADAM_HYPER.oneMinusBeta1 / 4] = 1 - args.beta1;
        f[w + ADAM_HYPER.beta2 / 4] = args.beta2;
        f[w + ADAM_HYPER.oneMinusBeta2 / 4] = 1 - args.beta2;
        f[w + ADAM_HYPER.eps / 4] = args.eps;
        f[w + ADAM_HYPER.weightDecay / 4] = args.weightDecay;
        f[w + ADAM_HYPER.shrink / 4] = 1 - args.lr * args.weightDecay;
        f[w + ADAM_HYPER.sign / 4] = args.maximize ? -1 : 1;
        i[w + ADAM_HYPER.decay / 4] = args.decoupled ? 2 : args.weightDecay !== 0 ? 1 : 0;
        i[w + ADAM_HYPER.amsgrad / 4] = amsgrad ? 1 : 0;
      },
    },
    fast.map((s) => {
      const { stepSize, biasCorrection2Sqrt } = adamBiasCorrections(args.lr, args.beta1, args.beta2, s.step);
      return {
        arrays: arrays(s) as (Float32Array | null)[],
        reads: [true, true, true, true, true],
        writes: [true, false, true, true, true],
        tail: [{ f32: -stepSize }, { f32: biasCorrection2Sqrt }],
      };
    }),
  );
}

/** The items that pass `test`, then the others, each in their order. */
function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const pass: T[] = [];
  const fail: T[] = [];
  for (const item of items) (test(item) ? pass : fail).push(item);
  return [pass, fail];
}
