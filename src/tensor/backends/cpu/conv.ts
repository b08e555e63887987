/**
 * The convolution kernels of the cpu backend (forward, backward-data, backward-filter), with the
 * signatures and results of the reference (src/tensor/kernels/conv.ts), in float32.
 *
 * Work is shared by (sample, group) pairs when there are enough of them: each thread runs the
 * WebAssembly pass over its share of the pairs (dealt as threads come free, or a fixed range for
 * backward-filter; see ./kernels/conv-code) with its own column matrix and packing buffers. With fewer
 * pairs than that (a batch of one, say), the pairs run one by one and each pair's GEMM is split across
 * the threads instead, im2col and col2im staying on the calling thread.
 *
 * A pointwise convolution (1x1 kernel, stride 1, no padding; see `isPointwise`) needs no column
 * matrix: its GEMMs read and write the image slices in place, and backward-data writes gx directly.
 */
import {
  ConvBackwardDataArgs, ConvBackwardFilterArgs, ConvForwardArgs, ConvShape, convSizes,
  convBackwardData as referenceBackwardData, convBackwardFilter as referenceBackwardFilter,
  convForward as referenceForward,
} from '../../kernels/conv';
import { F32 } from './kernels/blocking';
import type { Sharing } from './kernels/conv-code';
import { convDescriptorBytes, isPointwise, writeConvDescriptor } from './kernels/conv-descriptor';
import type { KernelCall } from './pool';
import { ProductInMemory, ThreadBuffers, productCalls, takeThreadBuffers } from './product';
import { Arena, Runtime, fitsInMemory, getRuntime } from './runtime';
import { partRange, splitOutput, threadsFor } from './split';

type Sizes = ReturnType<typeof convSizes>;

/** How one call shares its work: whole pairs per thread, or each pair's GEMM split. */
export interface Plan {
  byPairs: boolean;
  threads: number;
}

/** The plan for a convolution of sizes `s` when `available` threads may run (exported for tests). */
export function plan(s: Sizes, available: number): Plan {
  const pairs = s.N * s.G;
  const threads = threadsFor(2 * s.N * s.O * s.rows * s.cols, available);
  const byPairs = threads === 1 || pairs >= 2 * threads || pairs % threads === 0;
  return { byPairs, threads: byPairs ? Math.min(threads, pairs) : threads };
}

/** Byte addresses of one pair's slices of the image-shaped, output-shaped and weight-shaped tensors. */
function pairAddresses(s: Sizes, n: number, g: number) {
  return {
    image: (base: number) => base + (n * s.C + g * s.cg) * s.inVolume * F32,
    output: (base: number) => base + (n * s.O + g * s.og) * s.cols * F32,
    weight: (base: number) => base + g * s.og * s.rows * F32,
  };
}

/**
 * The memory a pass lays out: descriptor, the counter of pairs dealt (./kernels/conv-code), tensors,
 * and per thread a column matrix and packing buffers.
 */
interface Layout {
  arena: Arena;
  descriptor: number;
  counter: number;
  columns: number[];
  buffers: ThreadBuffers[];
}

/**
 * Lays out the descriptor, the tensors (`tensorFloats` floats each, in order) and the per-thread
 * buffers for GEMMs of `gemmN` columns and depth `gemmK`.
 */
function layout(shape: ConvShape, s: Sizes, p: Plan, tensorFloats: number[], gemmN: number, gemmK: number) {
  const arena = new Arena();
  const descriptor = arena.take(convDescriptorBytes(shape));
  const counter = arena.take(4);
  const tensors = tensorFloats.map((count) => arena.floats(count));
  // The split-GEMM path shares one column matrix; the pair path needs one per thread. A pointwise
  // convolution uses the image instead, so its column matrices take no room.
  const columnFloats = isPointwise(shape.geometry) ? 0 : s.rows * s.cols;
  const columns = Array.from({ length: p.byPairs ? p.threads : 1 }, () => arena.floats(columnFloats));
  const buffers = takeThreadBuffers(arena, p.threads, gemmN, gemmK);
  return { tensors, memory: { arena, descriptor, counter, columns, buffers } as Layout };
}

/**
 * Runs the pass `name` on every thread of the plan; `one` and `two` are its inputs, `out(t)` the
 * output thread t writes (the same one except for backward-filter's partial sums). A pass whose
 * threads share the pairs as `dealt` takes them from the layout's counter, set to zero here; with
 * `ranges`, thread t gets a fixed contiguous range (./kernels/conv-code says which pass does which).
 */
function runPairs(
  runtime: Runtime, name: KernelCall['name'], sharing: Sharing,
  s: Sizes, p: Plan, mem: Layout, one: number, two: number, out: (thread: number) => number,
): void {
  const pairs = s.N * s.G;
  runtime.i32[mem.counter / 4] = 0;
  runtime.pool.run(Array.from({ length: p.threads }, (_, t) => {
    const [first, last] = partRange(pairs, p.threads, t);
    const which = sharing === 'dealt' ? [mem.counter, pairs] : [first, last];
    const { packedA, packedB, scratch } = mem.buffers[t];
    return { name, args: [mem.descriptor, one, two, out(t), ...which, mem.columns[t], packedA, packedB, scratch] };
  }));
}

function isEmpty(s: Sizes): boolean {
  return s.N === 0 || s.O === 0 || s.cols === 0 || s.rows === 0;
}

export function convForward(args: ConvForwardArgs): void {
  const s = convSizes(args);
  if (isEmpty(s)) {
    referenceForward(args);
    return;
  }
  const runtime = getRuntime();
  const p = plan(s, runtime.threads);
  const { tensors: [x, w, y], memory: mem } = layout(args, s, p, [s.N * s.C * s.inVolume, s.O * s.rows, s.N * s.O * s.cols], s.cols, s.rows);
  if (!fitsInMemory(mem.arena, 'convForward')) {
    referenceForward(args);
    return;
  }
  runtime.reserve(mem.arena.end);
  writeConvDescriptor(runtime.i32, mem.descriptor, args);
  runtime.copyIn(x, args.x, 0, s.N * s.C * s.inVolume);
  runtime.copyIn(w, args.w, 0, s.O * s.rows);
  if (p.byPairs) {
    runPairs(runtime, 'convForward', 'dealt', s, p, mem, x, w, () => y);
  } else {
    const blocks = splitOutput(s.og, s.cols, p.threads);
    const pointwise = isPointwise(args.geometry);
    forEachPair(s, (n, g) => {
      const at = pairAddresses(s, n, g);
      const columns = pointwise ? at.image(x) : mem.columns[0];
      if (!pointwise) runtime.exports.im2col(mem.descriptor, at.image(x), columns);
      // y_pair (og x cols) = W_g (og x rows) · columns (rows x cols)
      const product: ProductInMemory = {
        m: s.og, n: s.cols, k: s.rows, accumulate: false,
        a: at.weight(w), aRowStride: s.rows * F32, aColStride: F32,
        b: columns, bRowStride: s.cols * F32, bColStride: F32,
        c: at.output(y), ldc: s.cols * F32,
      };
      runtime.pool.run(productCalls(product, blocks, mem.buffers));
    });
  }
  runtime.copyOut(y, args.y, 0, s.N * s.O * s.cols);
}

export function convBackwardData(args: ConvBackwardDataArgs): void {
  const s = convSizes(args);
  if (isEmpty(s)) {
    referenceBackwardData(args);
    return;
  }
  const runtime = getRuntime();
  const p = plan(s, runtime.threads);
  const { tensors: [gy, w, gx], memory: mem } = layout(args, s, p, [s.N * s.O * s.cols, s.O * s.rows, s.N * s.C * s.inVolume], s.cols, s.og);
  if (!fitsInMemory(mem.arena, 'convBackwardData')) {
    referenceBackwardData(args);
    return;
  }
  runtime.reserve(mem.arena.end);
  writeConvDescriptor(runtime.i32, mem.descriptor, args);
  runtime.copyIn(gy, args.gy, 0, s.N * s.O * s.cols);
  runtime.copyIn(w, args.w, 0, s.O * s.rows);
  // col2im adds into gx (overlapping windows), so it starts from zeros; a pointwise convolution's
  // GEMMs overwrite every element of gx instead.
  const pointwise = isPointwise(args.geometry);
  if (!pointwise) runtime.zero(gx, s.N * s.C * s.inVolume);
  if (p.byPairs) {
    runPairs(runtime, 'convBackwardData', 'dealt', s, p, mem, gy, w, () => gx);
  } else {
    const blocks = splitOutput(s.rows, s.cols, p.threads);
    forEachPair(s, (n, g) => {
      const at = pairAddresses(s, n, g);
      const columns = pointwise ? at.image(gx) : mem.columns[0];
      // columns (rows x cols) = W_gᵀ (rows x og) · gy_pair (og x cols)
      const product: ProductInMemory = {
        m: s.rows, n: s.cols, k: s.og, accumulate: false,
        a: at.weight(w), aRowStride: F32, aColStride: s.rows * F32,
        b: at.output(gy), bRowStride: s.cols * F32, bColStride: F32,
        c: columns, ldc: s.cols * F32,
      };
      runtime.pool.run(productCalls(product, blocks, mem.buffers));
      if (!pointwise) runtime.exports.col2im(mem.descriptor, columns, at.image(gx));
    });
  }
  runtime.copyOut(gx, args.gx, 0, s.N * s.C * s.inVolume);
}

export function convBackwardFilter(args: ConvBackwardFilterArgs): void {
  const s = convSizes(args);
  if (isEmpty(s)) {
    referenceBackwardFilter(args);
    return;
  }
  const runtime = getRuntime();
  const p = plan(s, runtime.threads);
  const weightFloats = s.O * s.rows;
  const { tensors: [x, gy, gw], memory: mem } = layout(args, s, p, [s.N * s.C * s.inVolume, s.N * s.O * s.cols, weightFloats], s.rows, s.cols);
  // Threads splitting the pairs each sum their own partial gradient; the first thread's is gw itself.
  const partials = [gw, ...Array.from({ length: p.byPairs ? p.threads - 1 : 0 }, () => mem.arena.floats(weightFloats))];
  if (!fitsInMemory(mem.arena, 'convBackwardFilter')) {
    referenceBackwardFilter(args);
    return;
  }
  runtime.reserve(mem.arena.end);
  writeConvDescriptor(runtime.i32, mem.descriptor, args);
  runtime.copyIn(x, args.x, 0, s.N * s.C * s.inVolume);
  runtime.copyIn(gy, args.gy, 0, s.N * s.O * s.cols);
  for (const partial of partials) runtime.zero(partial, weightFloats);
  if (p.byPairs) {
    runPairs(runtime, 'convBackwardFilter', 'ranges', s, p, mem, x, gy, (t) => partials[t]);
    for (const partial of partials.slice(1)) runtime.exports.addInto(gw, partial, weightFloats);
  } else {
    const blocks = splitOutput(s.og, s.rows, p.threads);
    const pointwise = isPointwise(args.geometry);
    forEachPair(s, (n, g) => {
      const at = pairAddresses(s, n, g);
      const columns = pointwise ? at.image(x) : mem.columns[0];
      if (!pointwise) runtime.exports.im2col(mem.descriptor, at.image(x), columns);
      // gw_g (og x rows) += gy_pair (og x cols) · columnsᵀ (cols x rows)
      const product: ProductInMemory = {
        m: s.og, n: s.rows, k: s.cols, accumulate: true,
        a: at.output(gy), aRowStride: s.cols * F32, aColStride: F32,
        b: columns, bRowStride: F32, bColStride: s.cols * F32,
        c: at.weight(gw), ldc: s.rows * F32,
      };
      runtime.pool.run(productCalls(product, blocks, mem.buffers));
    });
  }
  runtime.copyOut(gw, args.gw, 0, weightFloats);
}

function forEachPair(s: Sizes, visit: (n: number, g: number) => void): void {
  for (let n = 0; n < s.N; n++) for (let g = 0; g < s.G; g++) visit(n, g);
}
