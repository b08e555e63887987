/**
 * The strided copy every shape op uses (permute, expand, slice, cat, pad and their backwards): after
 * coalescing dims and taking the block-copy path for long contiguous rows it must move exactly the
 * elements a naive index-by-index walk moves, for permutations, steps, broadcast (zero) strides,
 * offsets, accumulation, empty and size-1 dims.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { coalesce, copyStrided } from '../../../src/tensor/kernels/strided';

/** Every multi-index of `shape` in row-major order. */
function* indices(shape: readonly number[]): Generator<number[]> {
  if (shape.some((s) => s === 0)) return;
  const index = shape.map(() => 0);
  for (;;) {
    yield [...index];
    let d = shape.length - 1;
    for (; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

const offsetOf = (index: number[], strides: readonly number[], base: number) =>
  index.reduce((o, i, d) => o + i * strides[d], base);

/** A copy problem: a region shape, a source read through a permutation with steps (or broadcast), a destination. */
const problemArb = fc
  .record({
    shape: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 5 }),
    seed: fc.integer({ min: 0, max: 1 << 30 }),
    accumulate: fc.boolean(),
    floatSrc: fc.boolean(),
  })
  .map(({ shape, seed, accumulate, floatSrc }) => {
    let state = seed;
    const rand = (n: number) => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    // Each side lays the region out in a bigger tensor: a random dim order, a step of 1-2 per dim,
    // on the source sometimes a broadcast dim, and an offset.
    const layout = (allowBroadcast: boolean) => {
      const order = shape.map((_, d) => d).sort(() => rand(3) - 1);
      const strides = new Array<number>(shape.length).fill(0);
      let step = 1;
      for (let i = order.length - 1; i >= 0; i--) {
        const d = order[i];
        if (allowBroadcast && rand(5) === 0) continue;
        const gap = 1 + rand(2);
        strides[d] = step * gap;
        step *= Math.max(shape[d], 1) * gap;
      }
      return { strides, base: rand(4), length: step + 4 };
    };
    return { shape, src: layout(true), dst: layout(false), accumulate, floatSrc };
  });

describe('copyStrided', () => {
  it('moves the same elements as an index-by-index walk', () => {
    fc.assert(
      fc.property(problemArb, ({ shape, src, dst, accumulate, floatSrc }) => {
        const source = floatSrc ? new Float32Array(src.length) : new Float64Array(src.length);
        source.forEach((_, i) => (source[i] = i + 1));
        const target = new Float32Array(dst.length).fill(-1);
        const expected = Float32Array.from(target);
        for (const index of indices(shape)) {
          const o = offsetOf(index, dst.strides, dst.base);
          const v = source[offsetOf(index, src.strides, src.base)];
          expected[o] = accumulate ? expected[o] + v : v;
        }
        // The destination layout never repeats an element, so the order of accumulation cannot matter.
        copyStrided(source, src.base, src.strides, target, dst.base, dst.strides, shape, accumulate);
        expect(Array.from(target)).toEqual(Array.from(expected));
      }),
      { numRuns: 300 },
    );
  });

  it('copies long contiguous runs as blocks and still honours offsets', () => {
    const src = Float32Array.from({ length: 2 * 3 * 40 }, (_, i) => i);
    const dst = new Float32Array(2 * 5 * 40);
    // A slice along dim 1 of [2, 5, 40]: rows 1..3 of each of 2 samples, 120 contiguous floats each.
    copyStrided(src, 0, [120, 40, 1], dst, 40, [200, 40, 1], [2, 3, 40]);
    expect(Array.from(dst.subarray(40, 160))).toEqual(Array.from(src.subarray(0, 120)));
    expect(Array.from(dst.subarray(240, 360))).toEqual(Array.from(src.subarray(120, 240)));
    expect(dst[0] + dst[39] + dst[160] + dst[239] + dst[360]).toBe(0);
  });
});

describe('coalesce', () => {
  it('merges dims contiguous in every layout and drops size-1 dims', () => {
    expect(coalesce([2, 3, 4], [[12, 4, 1], [12, 4, 1]])).toEqual({ shape: [24], strides: [[1], [1]] });
    // A slice along dim 1: each sample's part is one run, the samples are not adjacent in the source.
    expect(coalesce([2, 3, 4], [[20, 4, 1], [12, 4, 1]])).toEqual({ shape: [2, 12], strides: [[20, 1], [12, 1]] });
    // A transpose of the last two dims merges nothing.
    expect(coalesce([3, 4], [[1, 3], [4, 1]])).toEqual({ shape: [3, 4], strides: [[1, 3], [4, 1]] });
    expect(coalesce([1, 5, 1], [[9, 2, 7], [5, 1, 1]])).toEqual({ shape: [5], strides: [[2], [1]] });
    expect(coalesce([], [[], []])).toEqual({ shape: [1], strides: [[0], [0]] });
    expect(coalesce([3, 0], [[1, 1], [1, 1]]).shape).toEqual([0]);
  });
});
