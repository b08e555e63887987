/**
 * The registry's five kernels on gpu.js: each builds the spec of its gpu.js kernel, runs it through the
 * cache, and puts the output where the reference kernel would (offsets, accumulation, and batched
 * products that add into one matrix are handled here, on the host, where they are a cheap pass).
 */
import type { KernelTable } from '../../registry';
import { BatchedGemmArgs, GemmArgs } from '../../kernels/gemm';
import { ConvBackwardDataArgs, ConvBackwardFilterArgs, ConvForwardArgs } from '../../kernels/conv';
import { TypedArray } from '../../dtype';
import { KernelCache } from './kernel-cache';
import { gemmSpec } from './gemm-kernel';
import { convBackwardDataSpec, convBackwardFilterSpec, convForwardSpec } from './conv-kernels';

const FIRST_MATRIX = new Float32Array([0]);

/** The kernels gpu.js runs; the memory-bound ones stay on the host (the registry falls back to `ts`). */
export type GpuKernelTable = Pick<KernelTable, 'gemm' | 'batchedGemm' | 'convForward' | 'convBackwardData' | 'convBackwardFilter'>;

export function gpuKernelTable(cache: KernelCache): GpuKernelTable {
  return {
    gemm(args: GemmArgs): void {
      const { m, n, k } = args;
      const co = args.cOffset ?? 0;
      if (!args.accumulate) args.c.fill(0, co, co + m * n);
      // gpu.js cannot launch an empty grid, and an empty sum adds nothing.
      if (m * n * k === 0) return;
      const a = float32Range(args.a, args.aOffset ?? 0, m * k);
      const b = float32Range(args.b, args.bOffset ?? 0, k * n);
      const spec = gemmSpec({
        transA: args.transA, transB: args.transB, m, n, k, batch: 1, aLength: a.length, bLength: b.length, indexLengths: [1, 1],
      });
      addInto(args.c, co, cache.run(spec, [a, b, FIRST_MATRIX, FIRST_MATRIX]));
    },

    batchedGemm(args: BatchedGemmArgs): void {
      const { m, n, k, batch } = args;
      if (!args.accumulate) args.c.fill(0);
      if (batch * m * n * k === 0) return;
      const a = float32Range(args.a, 0, args.a.length);
      const b = float32Range(args.b, 0, args.b.length);
      const aIndex = matrixNumbers(args.aIndex, batch);
      const bIndex = matrixNumbers(args.bIndex, batch);
      const spec = gemmSpec({
        transA: args.transA, transB: args.transB, m, n, k, batch,
        aLength: a.length, bLength: b.length, indexLengths: [aIndex.length, bIndex.length],
      });
      const products = cache.run(spec, [a, b, aIndex, bIndex]);
      // Products that share an output matrix (cIndex repeats) add up, as in the reference.
      const size = m * n;
      for (let i = 0; i < batch; i++) {
        const target = (args.cIndex ? args.cIndex[i] : i) * size;
        addInto(args.c, target, products.subarray(i * size, (i + 1) * size));
      }
    },

    convForward(args: ConvForwardArgs): void {
      if (args.y.length === 0) return;
      args.y.set(cache.run(convForwardSpec(args), [float32(args.x), float32(args.w)]));
    },

    convBackwardData(args: ConvBackwardDataArgs): void {
      if (args.gx.length === 0) return;
      args.gx.set(cache.run(convBackwardDataSpec(args), [float32(args.gy), float32(args.w)]));
    },

    convBackwardFilter(args: ConvBackwardFilterArgs): void {
      if (args.gw.length === 0) return;
      args.gw.set(cache.run(convBackwardFilterSpec(args), [float32(args.x), float32(args.gy)]));
    },
  };
}

/** `length` values of `source` from `start`, as float32: a view when it already is float32, else a copy. */
function float32Range(source: ArrayLike<number>, start: number, length: number): Float32Array {
  if (source instanceof Float32Array) return source.subarray(start, start + length);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = source[i + start];
  return out;
}

function float32(source: TypedArray): Float32Array {
  return float32Range(source, 0, source.length);
}

/** The matrix number of each batch entry as floats (gpu.js arrays are float32; matrix numbers are far below 2^24). */
function matrixNumbers(index: Int32Array | undefined, batch: number): Float32Array {
  const out = new Float32Array(batch);
  for (let i = 0; i < batch; i++) out[i] = index ? index[i] : i;
  return out;
}

function addInto(target: TypedArray, offset: number, values: Float32Array): void {
  for (let i = 0; i < values.length; i++) target[offset + i] += values[i];
}
