/**
 * The max-pooling kernels of the cpu backend, with the signatures and results of the reference
 * (src/tensor/kernels/pooling.ts) in float32, bit for bit: the same maxima, the same indices picked,
 * NaNs and ties included. The forward copies the input into the shared memory with a descriptor of
 * the geometry, runs the WebAssembly kernel (./codegen/max-pool-code) with the planes split between
 * threads, and copies the maxima and indices out. (./worker-pool.ts runs the threads.)
 *
 * Below `MIN_ELEMENTS` the registered forward runs the TypeScript loop; `maxPool2dInMemory` always runs
 * WebAssembly (the tests call it on small shapes).
 */
import {
  MaxPool2dArgs, PoolAxis, axisWindows, maxPool2d as referenceMaxPool2d,
  maxPool2dBackward as referenceMaxPool2dBackward,
} from '../../kernels/pooling';
import { F32 } from './codegen/blocking';
import {
  MAX_POOL_FIELDS, MAX_POOL_HEADER_BYTES, MaxPoolField, frameBytes, maxPoolFieldOffset,
} from './codegen/max-pool-code';
import type { KernelCall } from './worker-pool';
import { Arena, fitsInMemory, getRuntime } from './runtime';
import { partRange, threadsFor } from './split';

/**
 * Below this many output elements the TypeScript loop is as fast as WebAssembly with its copies. Measured
 * on the project's 2-core machine (shared) in December 2026, one thread, interleaved, medians, TypeScript
 * against WebAssembly: 3x3 stride 2 padding 1 on 20x20 planes, 100 outputs took 1.9 µs in TypeScript
 * against 2.2, 400 outputs 6.9 against 3.6, 6400 outputs 219 against 33; 2x2 stride 2 on 8x8 planes, 64
 * outputs 0.8 against 1.4, 256 outputs 2.7 against 2.0.
 */
export const MIN_ELEMENTS = 256;

/**
 * The flops one element read is worth against split.ts's threshold (8M flops of GEMM): with 4, calls of 2M
 * reads and more are split, twice the main job's stem (64x16 planes of 20x20, 3x3 windows: 0.92M reads).
 * There, on the same machine in December 2026, one thread ran the kernel in 0.45 ms and a second thread
 * saved 0.18 ms when it was awake but cost 0.3 ms when it had to be woken; the copies in and out (0.15 ms)
 * stay on the calling thread. In the training step (bench/step-profile.ts) the split gave 0.80-1.73 ms
 * against 0.88-0.91.
 */
const WORK_PER_READ = 4;

/** Where one dim of the input sits in the frame: after `start` (the padding), in a frame of `size`. */
interface FrameDim {
  start: number;
  size: number;
}

/** The frame of one dim: the padding before the input, and room for the last window whole. */
function frameDim(inSize: number, axis: PoolAxis): FrameDim {
  const reach = (axis.out - 1) * axis.stride + (axis.kernel - 1) * axis.dilation + 1;
  return { start: axis.padding, size: Math.max(axis.padding + inSize, reach) };
}

/**
 * Writes the descriptor of `args` at byte `address` of the memory `heap` views: the geometry, and
 * for each output its window's first input element (or -1 for a window with none), the index the
 * reference starts from.
 */
function writeDescriptor(heap: Int32Array, address: number, args: MaxPool2dArgs, rows: FrameDim, columns: FrameDim): void {
  const { inH, inW } = args;
  const framed = rows.size !== inH || columns.size !== inW || rows.start !== 0 || columns.start !== 0;
  const values: Record<MaxPoolField, number> = {
    inWidth: inW, inHeight: inH, inPlaneBytes: inH * inW * F32,
    framed: framed ? 1 : 0, frameHeight: rows.size, frameWidth: columns.size, frameTop: rows.start, frameLeft: columns.start,
    outHeight: args.rows.out, outWidth: args.columns.out,
    kernelHeight: args.rows.kernel, kernelWidth: args.columns.kernel,
    strideHeight: args.rows.stride, strideWidth: args.columns.stride,
    dilationHeight: args.rows.dilation, dilationWidth: args.columns.dilation,
    firstIndices: MAX_POOL_HEADER_BYTES,
  };
  const base = address / 4;
  for (let lane = 0; lane < 4; lane++) heap[base + lane] = lane * args.columns.stride;
  for (const field of MAX_POOL_FIELDS) heap[base + maxPoolFieldOffset(field) / 4] = values[field];
  const rowWindows = axisWindows(inH, args.rows), columnWindows = axisWindows(inW, args.columns);
  let at = base + MAX_POOL_HEADER_BYTES / 4;
  for (let oh = 0; oh < args.rows.out; oh++) {
    const h0 = rowWindows.lo[oh], h1 = rowWindows.hi[oh];
    for (let ow = 0; ow < args.columns.out; ow++) {
      const w0 = columnWindows.lo[ow], w1 = columnWindows.hi[ow];
      heap[at++] = h0 < h1 && w0 < w1 ? h0 * inW + w0 : -1;
    }
  }
}

export function maxPool2d(args: MaxPool2dArgs): void {
  if (args.out.length < MIN_ELEMENTS || !maxPool2dInMemory(args)) referenceMaxPool2d(args);
}

/**
 * Runs `args` in WebAssembly and returns true, or returns false without writing anything when it
 * cannot (an operand not float32, an empty output, too large for the memory).
 */
export function maxPool2dInMemory(args: MaxPool2dArgs): boolean {
  const { x, out, indices, planes } = args;
  const inPlane = args.inH * args.inW;
  const outPlane = args.rows.out * args.columns.out;
  const outCount = planes * outPlane;
  if (outCount === 0 || !(x instanceof Float32Array) || !(out instanceof Float32Array)) return false;
  const runtime = getRuntime();
  const reads = outCount * args.rows.kernel * args.columns.kernel;
  const threads = Math.min(threadsFor(reads * WORK_PER_READ, runtime.threads), planes);
  const rows = frameDim(args.inH, args.rows), columns = frameDim(args.inW, args.columns);

  const arena = new Arena();
  const descriptor = arena.take(MAX_POOL_HEADER_BYTES + outPlane * 4);
  // One f32 more than the input: read in place, the stride-2 gather reads one past the last it uses.
  const xAt = arena.floats(planes * inPlane + 1);
  const outAt = arena.floats(outCount);
  const indicesAt = arena.take(outCount * 4);
  const frames = Array.from({ length: threads }, () => arena.take(frameBytes(rows.size, columns.size)));
  if (!fitsInMemory(arena, 'maxPool2d')) return false;
  runtime.reserve(arena.end);
  writeDescriptor(runtime.i32, descriptor, args, rows, columns);
  runtime.copyIn(xAt, x, 0, planes * inPlane);

  const calls: KernelCall[] = frames.map((frame, t) => {
    const [first, last] = partRange(planes, threads, t);
    const outOffset = first * outPlane * F32;
    return {
      name: 'maxPool2d',
      args: [descriptor, xAt + first * inPlane * F32, outAt + outOffset, indicesAt + outOffset, last - first, frame],
    };
  });
  runtime.workers.run(calls);
  runtime.copyOut(outAt, out, 0, outCount);
  indices.set(runtime.i32.subarray(indicesAt / 4, indicesAt / 4 + outCount));
  return true;
}

/**
 * The backward stays in TypeScript: a WebAssembly scatter would not win after its copies. At the stem
 * (102400 outputs into [64,16,20,20]; the project's 2-core machine, December 2026) the TypeScript scatter
 * took 0.24 ms into a reused gx and 0.41 into a fresh one (as the op allocates it), while copying grad and
 * indices in, zeroing gx in the memory and copying it out took 0.22 and 0.44 ms, before any scattering.
 */
export const maxPool2dBackward = referenceMaxPool2dBackward;
