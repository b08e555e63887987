/**
 * The convolution kernels of the cpu backend (forward, backward-data, backward-filter), with the
 * signatures and results of the reference (src/tensor/kernels/conv.ts), in float32.
 *
 * Work is shared by units of a group and a block of consecutive samples when there are enough
 * (sample, group) pairs: each thread runs the WebAssembly pass over its share of the units (dealt as
 * threads come free, or a fixed range for backward-filter; see ./codegen/conv-code) with its own
 * column matrix and packing buffers. A block holds one sample when a sample's output has enough
 * positions (`cols`) to make a GEMM wide enough on its own; with fewer, it holds enough samples for
 * about BLOCK_COLUMNS columns, so the deep layers of a network, whose outputs are a few positions
 * each, run a few wide GEMMs instead of many narrow ones (`plan` chooses). With fewer pairs than the
 * threads can share (a batch of one, say), the pairs run one by one and each pair's GEMM is split
 * across the threads instead, im2col and col2im staying on the calling thread.
 *
 * A pointwise convolution (1x1 kernel, stride 1, no padding; see `isPointwise`) run pair by pair
 * needs no column matrix: its GEMMs read and write the image slices in place, and backward-data
 * writes gx directly. In blocks of several samples it copies its images into a column matrix.
 */
import {
  ConvBackwardDataArgs, ConvBackwardFilterArgs, ConvForwardArgs, ConvShape, convSizes,
  convBackwardData as referenceBackwardData, convBackwardFilter as referenceBackwardFilter,
  convForward as referenceForward,
} from '../../kernels/conv';
import { F32 } from './codegen/blocking';
import type { Sharing } from './codegen/conv-code';
import { convDescriptorBytes, isPointwise, writeConvDescriptor } from './codegen/conv-descriptor';
import type { KernelCall } from './worker-pool';
import { ProductInMemory, ThreadBuffers, productCalls, takeThreadBuffers } from './product';
import { Arena, MAX_MEMORY_BYTES, Runtime, fitsInMemory, getRuntime } from './runtime';
import { OutputBlock, partRange, splitOutput, threadsFor } from './split';

type Sizes = ReturnType<typeof convSizes>;

/**
 * The GEMM width (columns) a block of samples is made to reach: a sample with fewer output positions shares
 * its GEMM with its neighbours'. Blocks then have fewer than 2 * BLOCK_COLUMNS = KC columns, so
 * backward-filter's GEMMs, whose depth is the block's width, take one depth block. On the main job's conv
 * layers (64 samples, outputs 10x10 to 2x2; the project's 2-core machine, December 2026), 128, 256 and 512
 * measured the same within noise (1.5x faster than one sample per GEMM on one thread, over the three
 * passes), 512 a little slower for backward-filter; 128 takes the least memory.
 */
export const BLOCK_COLUMNS = 128;

/**
 * How one call shares its work: units of `blockSamples` samples by one group, whole units per thread
 * (`byBlocks`), or pair by pair with each pair's GEMM split across the threads (then `blockSamples` is 1).
 */
export interface Plan {
  byBlocks: boolean;
  threads: number;
  blockSamples: number;
}

/** Units of work (blocks x groups) of a call in blocks of `blockSamples`. */
export function unitsOf(s: Sizes, blockSamples: number): number {
  return Math.ceil(s.N / blockSamples) * s.G;
}

/** Whether `threads` threads share `units` units evenly enough to run them whole, one per thread at a time. */
function shareable(units: number, threads: number): boolean {
  return threads === 1 || units >= 2 * threads || units % threads === 0;
}

/**
 * The plan for a convolution of sizes `s` when `available` threads may run (exported for tests).
 * When the pairs are shareable, the blocks are as large as `blockColumns` asks (one sample when
 * `cols` reaches it; 0 asks for one sample always), then made smaller until the units are shareable
 * too, and even in size.
 */
export function plan(s: Sizes, available: number, blockColumns = BLOCK_COLUMNS): Plan {
  const threads = threadsFor(2 * s.N * s.O * s.rows * s.cols, available);
  if (!shareable(s.N * s.G, threads)) return { byBlocks: false, threads, blockSamples: 1 };
  const most = s.cols >= blockColumns ? 1 : Math.min(s.N, Math.ceil(blockColumns / s.cols));
  // The fewest blocks of at most `most` samples, evened out; then more blocks until they share.
  let blockSamples = 1;
  for (let blocks = Math.ceil(s.N / most); blocks <= s.N; blocks++) {
    blockSamples = Math.ceil(s.N / blocks);
    if (shareable(unitsOf(s, blockSamples), threads)) break;
  }
  return { byBlocks: true, threads: Math.min(threads, unitsOf(s, blockSamples)), blockSamples };
}

/** Byte addresses of one pair's slices of the image-shaped, output-shaped and weight-shaped tensors. */
interface PairAddresses {
  image(base: number): number;
  output(base: number): number;
  weight(base: number): number;
}

function pairAddresses(s: Sizes, n: number, g: number): PairAddresses {
  return {
    image: (base: number) => base + (n * s.C + g * s.cg) * s.inVolume * F32,
    output: (base: number) => base + (n * s.O + g * s.og) * s.cols * F32,
    weight: (base: number) => base + g * s.og * s.rows * F32,
  };
}

/**
 * The memory a pass lays out: descriptor, the counter of units dealt (./codegen/conv-code), tensors,
 * and per thread a column matrix and packing buffers.
 */
interface Layout {
  arena: Arena;
  descriptor: number;
  counter: number;
  columns: number[];
  buffers: ThreadBuffers[];
}

/** What a pass works with once set up: sizes, plan, memory, and the addresses of its tensors. */
interface Pass {
  s: Sizes;
  p: Plan;
  runtime: Runtime;
  mem: Layout;
  /** The two inputs (copied in) and the output, in the order the pass named them. */
  tensors: [number, number, number];
  /** Further blocks of `extraFloats` floats each (backward-filter's per-thread partial sums). */
  extra: number[];
}

/** Which of the three tensor shapes an operand has, for its size in floats. */
type Operand = 'image' | 'weight' | 'output';

function floatsOf(s: Sizes, operand: Operand): number {
  if (operand === 'image') return s.N * s.C * s.inVolume;
  if (operand === 'weight') return s.O * s.rows;
  return s.N * s.O * s.cols;
}

/**
 * The set-up every pass shares: sizes and plan; a layout of the descriptor, the unit counter, the
 * tensors, `extraBlocks(plan)` more blocks of the output's size, and per thread a column matrix and
 * packing buffers for GEMMs of `gemm(s, width)` = [n, k] (columns and depth) when a unit's GEMM has
 * `width` columns of column matrix; then the descriptor written and the inputs copied in. Returns null
 * when the reference ran instead: an empty convolution, or one too large for WebAssembly's memory
 * even one sample per unit.
 */
function begin<A extends ConvShape>(
  name: KernelCall['name'], args: A, reference: (args: A) => void,
  operands: [[Operand, ArrayLike<number>], [Operand, ArrayLike<number>], Operand],
  gemm: (s: Sizes, width: number) => [number, number], extraBlocks: (p: Plan) => number = () => 0,
): Pass | null {
  const s = convSizes(args);
  if (s.N === 0 || s.O === 0 || s.cols === 0 || s.rows === 0) {
    reference(args);
    return null;
  }
  const runtime = getRuntime();
  const planned = plan(s, runtime.threads);
  // Blocks of several samples take more room per thread; when that is too much, one sample per unit
  // (fitsInMemory, which notes the fallback to the reference, judges only the last try).
  const plans = planned.blockSamples > 1 ? [planned, plan(s, runtime.threads, 0)] : [planned];
  for (const [i, p] of plans.entries()) {
    const mem = layout(args, s, p, operands, gemm, extraBlocks);
    if (i < plans.length - 1 ? mem.arena.end > MAX_MEMORY_BYTES : !fitsInMemory(mem.arena, name)) continue;
    runtime.reserve(mem.arena.end);
    writeConvDescriptor(runtime.i32, mem.descriptor, args, p.blockSamples);
    const [[oneKind, oneData], [twoKind, twoData]] = operands;
    runtime.copyIn(mem.tensors[0], oneData, 0, floatsOf(s, oneKind));
    runtime.copyIn(mem.tensors[1], twoData, 0, floatsOf(s, twoKind));
    return { s, p, runtime, mem, tensors: mem.tensors, extra: mem.extra };
  }
  reference(args);
  return null;
}

/** The memory of a pass under plan `p` (`begin` says what it holds). */
function layout(
  args: ConvShape, s: Sizes, p: Plan, operands: [[Operand, unknown], [Operand, unknown], Operand],
  gemm: (s: Sizes, width: number) => [number, number], extraBlocks: (p: Plan) => number,
): Layout & { tensors: [number, number, number]; extra: number[] } {
  const arena = new Arena();
  const descriptor = arena.take(convDescriptorBytes(args));
  const counter = arena.take(4);
  const [[oneKind], [twoKind], outKind] = operands;
  const tensors: [number, number, number] = [
    arena.floats(floatsOf(s, oneKind)), arena.floats(floatsOf(s, twoKind)), arena.floats(floatsOf(s, outKind)),
  ];
  const extra = Array.from({ length: extraBlocks(p) }, () => arena.floats(floatsOf(s, outKind)));
  // The split-GEMM path shares one column matrix; the unit path needs one per thread. A pointwise
  // convolution run pair by pair uses the image instead, so its column matrices take no room. Blocks
  // of several samples add the block scratch (og x width) after the column matrix (rows x width).
  const width = p.blockSamples * s.cols;
  const columnFloats = p.blockSamples > 1 ? (s.rows + s.og) * width : isPointwise(args.geometry) ? 0 : s.rows * s.cols;
  const columns = Array.from({ length: p.byBlocks ? p.threads : 1 }, () => arena.floats(columnFloats));
  const [gemmN, gemmK] = gemm(s, width);
  const buffers = takeThreadBuffers(arena, p.threads, gemmN, gemmK);
  return { arena, descriptor, counter, columns, buffers, tensors, extra };
}

/**
 * Runs the pass `name` on every thread of the plan; `one` and `two` are its inputs, `out(t)` the
 * output thread t writes (the same one except for backward-filter's partial sums). A pass whose
 * threads share the units as `dealt` takes them from the layout's counter, set to zero here; with
 * `ranges`, thread t gets a fixed contiguous range (./codegen/conv-code says which pass does which).
 */
function runUnits(
  runtime: Runtime, name: KernelCall['name'], sharing: Sharing,
  s: Sizes, p: Plan, mem: Layout, one: number, two: number, out: (thread: number) => number,
): void {
  const units = unitsOf(s, p.blockSamples);
  runtime.i32[mem.counter / 4] = 0;
  runtime.workers.run(Array.from({ length: p.threads }, (_, t) => {
    const [first, last] = partRange(units, p.threads, t);
    const which = sharing === 'dealt' ? [mem.counter, units] : [first, last];
    const { packedA, packedB, scratch } = mem.buffers[t];
    return { name, args: [mem.descriptor, one, two, out(t), ...which, mem.columns[t], packedA, packedB, scratch] };
  }));
}

export function convForward(args: ConvForwardArgs): void {
  const pass = begin('convForward', args, referenceForward, [['image', args.x], ['weight', args.w], 'output'],
    (s, width) => [width, s.rows]);
  if (!pass) return;
  const { s, p, runtime, mem, tensors: [x, w, y] } = pass;
  if (p.byBlocks) {
    runUnits(runtime, 'convForward', 'dealt', s, p, mem, x, w, () => y);
  } else {
    // y_pair (og x cols) = W_g (og x rows) · columns (rows x cols)
    runPairs(pass, isPointwise(args.geometry), 'im2col', x, splitOutput(s.og, s.cols, p.threads), (at, columns) => ({
      m: s.og, n: s.cols, k: s.rows, accumulate: false,
      a: at.weight(w), aRowStride: s.rows * F32, aColStride: F32,
      b: columns, bRowStride: s.cols * F32, bColStride: F32,
      c: at.output(y), ldc: s.cols * F32,
    }));
  }
  runtime.copyOut(y, args.y, 0, s.N * s.O * s.cols);
}

export function convBackwardData(args: ConvBackwardDataArgs): void {
  const pass = begin('convBackwardData', args, referenceBackwardData, [['output', args.gy], ['weight', args.w], 'image'],
    (s, width) => [width, s.og]);
  if (!pass) return;
  const { s, p, runtime, mem, tensors: [gy, w, gx] } = pass;
  // col2im adds into gx (overlapping windows), so it starts from zeros; a pointwise convolution's
  // GEMMs (or, in blocks, copies) overwrite every element of gx instead.
  const pointwise = isPointwise(args.geometry);
  if (!pointwise) runtime.zero(gx, s.N * s.C * s.inVolume);
  if (p.byBlocks) {
    runUnits(runtime, 'convBackwardData', 'dealt', s, p, mem, gy, w, () => gx);
  } else {
    // columns (rows x cols) = W_gᵀ (rows x og) · gy_pair (og x cols)
    runPairs(pass, pointwise, 'col2im', gx, splitOutput(s.rows, s.cols, p.threads), (at, columns) => ({
      m: s.rows, n: s.cols, k: s.og, accumulate: false,
      a: at.weight(w), aRowStride: F32, aColStride: s.rows * F32,
      b: at.output(gy), bRowStride: s.cols * F32, bColStride: F32,
      c: columns, ldc: s.cols * F32,
    }));
  }
  runtime.copyOut(gx, args.gx, 0, s.N * s.C * s.inVolume);
}

export function convBackwardFilter(args: ConvBackwardFilterArgs): void {
  // Threads sharing the units each sum their own partial gradient; the first thread's is gw itself.
  const pass = begin('convBackwardFilter', args, referenceBackwardFilter, [['image', args.x], ['output', args.gy], 'weight'],
    (s, width) => [s.rows, width], (p) => (p.byBlocks ? p.threads - 1 : 0));
  if (!pass) return;
  const { s, p, runtime, mem, tensors: [x, gy, gw] } = pass;
  const weightFloats = floatsOf(s, 'weight');
  const partials = [gw, ...pass.extra];
  for (const partial of partials) runtime.zero(partial, weightFloats);
  if (p.byBlocks) {
    runUnits(runtime, 'convBackwardFilter', 'ranges', s, p, mem, x, gy, (t) => partials[t]);
    for (const partial of partials.slice(1)) runtime.exports.addInto(gw, partial, weightFloats);
  } else {
    // gw_g (og x rows) += gy_pair (og x cols) · columnsᵀ (cols x rows)
    runPairs(pass, isPointwise(args.geometry), 'im2col', x, splitOutput(s.og, s.rows, p.threads), (at, columns) => ({
      m: s.og, n: s.rows, k: s.cols, accumulate: true,
      a: at.output(gy), aRowStride: s.cols * F32, aColStride: F32,
      b: columns, bRowStride: F32, bColStride: s.cols * F32,
      c: at.weight(gw), ldc: s.rows * F32,
    }));
  }
  runtime.copyOut(gw, args.gw, 0, weightFloats);
}

/**
 * The pair-by-pair path shared by the three passes: for each (sample, group) pair in order, the pair's
 * GEMM `product(at, columns)` split into `blocks` across the threads. `columns` is the shared column
 * matrix, filled from the pair's slice of `image` by im2col before the GEMM (forward, backward-filter)
 * or added into that slice by col2im after it (backward-data); for a pointwise convolution it is the
 * image slice itself, and neither runs.
 */
function runPairs(
  pass: Pass, pointwise: boolean, columnsWay: 'im2col' | 'col2im', image: number,
  blocks: OutputBlock[], product: (at: PairAddresses, columns: number) => ProductInMemory,
): void {
  const { s, runtime, mem } = pass;
  for (let n = 0; n < s.N; n++) {
    for (let g = 0; g < s.G; g++) {
      const at = pairAddresses(s, n, g);
      const columns = pointwise ? at.image(image) : mem.columns[0];
      if (!pointwise && columnsWay === 'im2col') runtime.exports.im2col(mem.descriptor, at.image(image), columns);
      runtime.workers.run(productCalls(product(at, columns), blocks, mem.buffers));
      if (!pointwise && columnsWay === 'col2im') runtime.exports.col2im(mem.descriptor, columns, at.image(image));
    }
  }
}
