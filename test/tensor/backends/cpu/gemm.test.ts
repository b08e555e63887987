/**
 * The cpu backend's gemm and batchedGemm against the TypeScript reference, on one thread and on two
 * (with the parallel threshold at zero so small shapes split too): random shapes with odd sizes,
 * every transpose case, offsets and accumulation, broadcast batches, and shapes past the cache blocks.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Generator, tensor, withBackend } from '../../../../src';
import type { Tensor } from '../../../../src';
import { BatchedGemmArgs, GemmArgs, batchedGemm as referenceBatchedGemm, gemm as referenceGemm } from '../../../../src/tensor/kernels/gemm';
import { cpuBackend } from '../../../../src/tensor/backends/cpu';
import { KC, MC, NC } from '../../../../src/tensor/backends/cpu/codegen/blocking';
import { randomArray, relativeError, seedArb } from '../../../helpers';
import { onCpuThreads } from './cpu-threads';

/** Property runs per thread count: each run is a full product, so fewer than the op tests use. */
const GEMM_RUNS = 40;
const TOLERANCE = 1e-5;


const fastGemm = cpuBackend.kernels.gemm!;
const fastBatchedGemm = cpuBackend.kernels.batchedGemm!;

/** Runs both kernels on copies of the same C and compares. */
function expectGemmMatches(args: Omit<GemmArgs, 'c'>, c: Float32Array): void {
  const want = c.slice();
  const got = c.slice();
  referenceGemm({ ...args, c: want });
  fastGemm({ ...args, c: got });
  expect(relativeError(got, want)).toBeLessThanOrEqual(TOLERANCE);
}

function expectBatchedMatches(args: Omit<BatchedGemmArgs, 'c'>, c: Float32Array): void {
  const want = c.slice();
  const got = c.slice();
  referenceBatchedGemm({ ...args, c: want });
  fastBatchedGemm({ ...args, c: got });
  expect(relativeError(got, want)).toBeLessThanOrEqual(TOLERANCE);
}

const gemmCaseArb = fc.record({
  m: fc.integer({ min: 1, max: 70 }),
  n: fc.integer({ min: 1, max: 70 }),
  k: fc.integer({ min: 1, max: 70 }),
  transA: fc.boolean(),
  transB: fc.boolean(),
  aOffset: fc.integer({ min: 0, max: 5 }),
  bOffset: fc.integer({ min: 0, max: 5 }),
  cOffset: fc.integer({ min: 0, max: 5 }),
  accumulate: fc.boolean(),
  seed: seedArb,
});

/** Index arrays as matmul makes them: each operand may hold fewer matrices than the batch (broadcast). */
const batchedCaseArb = fc
  .record({
    batch: fc.integer({ min: 1, max: 7 }),
    m: fc.integer({ min: 1, max: 24 }),
    n: fc.integer({ min: 1, max: 24 }),
    k: fc.integer({ min: 1, max: 24 }),
    transA: fc.boolean(),
    transB: fc.boolean(),
    accumulate: fc.boolean(),
    indexSeeds: fc.array(fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
    seed: seedArb,
  })
  .map((c) => {
    const g = new Generator(c.seed);
    // An index array over `count` matrices (repeats allowed), or none (matrix i for product i).
    const index = (count: number | undefined) =>
      count === undefined ? undefined : Int32Array.from({ length: c.batch }, () => Math.floor(g.random() * Math.min(count, c.batch)));
    const [aIndex, bIndex, cIndex] = c.indexSeeds.map(index);
    return { ...c, aIndex, bIndex, cIndex };
  });

function countOf(index: Int32Array | undefined, batch: number): number {
  return index ? Math.max(...index) + 1 : batch;
}

describe.each([1, 2])('cpu gemm kernels on %i thread(s)', (threads) => {
  onCpuThreads(threads);

  it('gemm equals the reference on random shapes, transposes, offsets and accumulation', () => {
    fc.assert(
      fc.property(gemmCaseArb, (c) => {
        const a = randomArray(c.aOffset + c.m * c.k, c.seed);
        const b = randomArray(c.bOffset + c.k * c.n, c.seed + 1);
        expectGemmMatches({ ...c, a, b }, randomArray(c.cOffset + c.m * c.n + 3, c.seed + 2));
      }),
      { numRuns: GEMM_RUNS },
    );
  });

  it('gemm leaves C outside [cOffset, cOffset + m n) untouched', () => {
    const c = randomArray(40, 1);
    const before = c.slice();
    fastGemm({ transA: false, transB: false, m: 3, n: 5, k: 2, a: randomArray(6, 2), b: randomArray(10, 3), c, cOffset: 7 });
    expect([...c.subarray(0, 7)]).toEqual([...before.subarray(0, 7)]);
    expect([...c.subarray(22)]).toEqual([...before.subarray(22)]);
  });

  it('gemm with k = 0 writes zeros, or leaves C when accumulating', () => {
    const c = randomArray(12, 4);
    const kept = c.slice();
    fastGemm({ transA: false, transB: false, m: 3, n: 4, k: 0, a: new Float32Array(0), b: new Float32Array(0), c, accumulate: true });
    expect([...c]).toEqual([...kept]);
    fastGemm({ transA: false, transB: false, m: 3, n: 4, k: 0, a: new Float32Array(0), b: new Float32Array(0), c });
    expect([...c]).toEqual(new Array(12).fill(0));
  });

  it('batchedGemm equals the reference with broadcast index arrays and repeated outputs', () => {
    fc.assert(
      fc.property(batchedCaseArb, (c) => {
        const a = randomArray(countOf(c.aIndex, c.batch) * c.m * c.k, c.seed);
        const b = randomArray(countOf(c.bIndex, c.batch) * c.k * c.n, c.seed + 1);
        const cArray = randomArray(countOf(c.cIndex, c.batch) * c.m * c.n, c.seed + 2);
        const { batch, m, n, k, transA, transB, accumulate, aIndex, bIndex, cIndex } = c;
        expectBatchedMatches({ batch, m, n, k, transA, transB, accumulate, a, b, aIndex, bIndex, cIndex }, cArray);
      }),
      { numRuns: GEMM_RUNS },
    );
  });

  it('batchedGemm splits each product when the batch is too small to share out', () => {
    // 3 products on 2 threads: run one by one, each split across the threads.
    for (const [transA, transB] of [[false, false], [true, true]]) {
      const [m, n, k] = [37, 45, 29];
      expectBatchedMatches(
        { batch: 3, m, n, k, transA, transB, a: randomArray(3 * m * k, 5), b: randomArray(3 * k * n, 6) },
        new Float32Array(3 * m * n),
      );
    }
  });

  it('gemm equals the reference on shapes past the cache blocks (MC, KC, NC)', () => {
    const shapes = [
      [2 * MC + 11, 19, KC + 37],
      [5, NC + 13, KC + 1],
      [MC + 3, MC + 5, 2 * KC + 7],
    ];
    shapes.forEach(([m, n, k], i) => {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          expectGemmMatches({ transA, transB, m, n, k, a: randomArray(m * k, i), b: randomArray(k * n, i + 10) }, new Float32Array(m * n));
        }
      }
    });
  });
});

describe('cpu backend through the ops (float32, against the ts backend)', () => {
  function run<T>(backend: 'cpu' | 'ts', fn: () => T): T {
    return withBackend(backend, fn);
  }

  function float32(shape: readonly number[], seed: number): Tensor {
    return tensor(randomArray(shape.reduce((p, d) => p * d, 1), seed), { shape: [...shape], dtype: 'float32', requiresGrad: true });
  }

  it('matmul with batch broadcasting, forward and both gradients', () => {
    const results = (['cpu', 'ts'] as const).map((backend) =>
      run(backend, () => {
        const a = float32([3, 1, 20, 33], 1);
        const b = float32([4, 33, 18], 2);
        const y = a.matmul(b);
        y.mul(float32(y.shape, 3)).sum().backward();
        return [y.data, a.grad!.data, b.grad!.data];
      }),
    );
    for (let i = 0; i < 3; i++) expect(relativeError(results[0][i], results[1][i])).toBeLessThanOrEqual(TOLERANCE);
  });

  it('runs float64 on the reference, untouched by the cpu backend', () => {
    withBackend('cpu', () => {
      const a = tensor(randomArray(6, 7), { shape: [2, 3], dtype: 'float64' });
      const b = tensor(randomArray(12, 8), { shape: [3, 4], dtype: 'float64' });
      const y = a.matmul(b);
      expect(y.dtype).toBe('float64');
      const want = new Float64Array(8);
      referenceGemm({ transA: false, transB: false, m: 2, n: 4, k: 3, a: a.data, b: b.data, c: want });
      expect([...y.data]).toEqual([...want]);
    });
  });
});
