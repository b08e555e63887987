/**
 * Segment sampling (docs/model.md#segment-sampling, #invariants-the-tests-check item 6): the invariants of TSM's
 * training rule in each of its branches, the centre rule's exact vectors, and multi-clip placement, against values
 * worked out by hand from TSM's formulas.
 */
import { describe, expect, it } from 'vitest';
import { Generator } from '../../../src/tensor/random';
import { centerSegmentIndices, clipSegmentIndices, trainSegmentIndices } from '../../../src/ssan/data/sampling';
import { ssan } from '../../../src';

/** A generator whose randint returns the given values in turn, recording what it was asked. */
function scriptedGenerator(values: number[]): { rng: Generator; asked: number[] } {
  const asked: number[] = [];
  let next = 0;
  const rng = {
    randint(n: number): number {
      asked.push(n);
      return values[next++];
    },
  } as unknown as Generator;
  return { rng, asked };
}

describe('trainSegmentIndices', () => {
  it('takes i·avg + randint(avg) + 1 in each segment (hand-computed: 17 frames, 4 segments)', () => {
    // avg = floor(17/4) = 4; draws 0, 3, 1, 2 -> 0+0+1, 4+3+1, 8+1+1, 12+2+1.
    const { rng, asked } = scriptedGenerator([0, 3, 1, 2]);
    expect(trainSegmentIndices(17, 4, rng)).toEqual([1, 8, 10, 15]);
    expect(asked).toEqual([4, 4, 4, 4]);
  });

  it('gives frame 1 throughout, drawing nothing, when there are fewer frames than segments', () => {
    const { rng, asked } = scriptedGenerator([]);
    expect(trainSegmentIndices(5, 8, rng)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(asked).toEqual([]);
  });

  it('gives every frame once when frames equal segments (avg = 1)', () => {
    expect(trainSegmentIndices(8, 8, new Generator(3))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('with one frame per segment and a remainder (9 frames, 8 segments), never reaches the last frame', () => {
    // avg = 1, so randint(1) = 0 and index_i = i + 1: TSM ignores the 9th frame in training.
    for (let seed = 0; seed < 20; seed++) {
      expect(trainSegmentIndices(9, 8, new Generator(seed))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    }
  });

  it('keeps every index in [1, numFrames], non-decreasing, one per segment, for many lengths', () => {
    const rng = new Generator('sampling-invariants');
    for (const numSegments of [1, 3, 8, 16]) {
      for (let numFrames = 1; numFrames <= 300; numFrames += numFrames < 40 ? 1 : 37) {
        const indices = trainSegmentIndices(numFrames, numSegments, rng);
        expect(indices).toHaveLength(numSegments);
        const average = Math.floor(numFrames / numSegments);
        indices.forEach((index, i) => {
          expect(index).toBeGreaterThanOrEqual(1);
          expect(index).toBeLessThanOrEqual(numFrames);
          if (i > 0) expect(index).toBeGreaterThanOrEqual(indices[i - 1]);
          if (average > 0) {
            expect(index).toBeGreaterThanOrEqual(i * average + 1);
            expect(index).toBeLessThanOrEqual((i + 1) * average);
          }
        });
      }
    }
  });

  it('reaches every frame of a segment and depends only on the generator', () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 200; seed++) seen.add(trainSegmentIndices(300, 8, new Generator(seed))[7]);
    // Segment 7 of 300 frames with avg 37 is frames 260..296.
    expect(Math.min(...seen)).toBe(260);
    expect(Math.max(...seen)).toBe(296);
    expect(trainSegmentIndices(300, 8, new Generator('x'))).toEqual(trainSegmentIndices(300, 8, new Generator('x')));
  });
});

describe('centerSegmentIndices', () => {
  it('is [3, 8, 13, 18, 23, 28, 33, 38] for 40 frames and 8 segments', () => {
    expect(centerSegmentIndices(40, 8)).toEqual([3, 8, 13, 18, 23, 28, 33, 38]);
  });

  it('matches int(tick/2 + tick·i) + 1 worked by hand', () => {
    // tick = 2.5: 1.25, 3.75, 6.25, 8.75.
    expect(centerSegmentIndices(10, 4)).toEqual([2, 4, 7, 9]);
    // tick = 1.125: 0.5625, 1.6875, 2.8125, 3.9375, 5.0625, 6.1875, 7.3125, 8.4375.
    expect(centerSegmentIndices(9, 8)).toEqual([1, 2, 3, 4, 6, 7, 8, 9]);
    expect(centerSegmentIndices(7, 1)).toEqual([4]);
  });

  it('gives frame 1 throughout when there are no more frames than segments', () => {
    expect(centerSegmentIndices(8, 8)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(centerSegmentIndices(3, 4)).toEqual([1, 1, 1, 1]);
  });

  it('is still exported under its British name, centreSegmentIndices', () => {
    expect(ssan.data.centreSegmentIndices).toBe(ssan.data.centerSegmentIndices);
  });
});

describe('clipSegmentIndices', () => {
  it('is the centre rule for one clip', () => {
    for (const [numFrames, numSegments] of [[40, 8], [10, 4], [9, 8], [123, 16], [5, 8]]) {
      expect(clipSegmentIndices(numFrames, numSegments, 0, 1)).toEqual(centerSegmentIndices(numFrames, numSegments));
    }
  });

  it('shifts K clips evenly inside each segment (hand-computed)', () => {
    // tick = 10; two clips sit at 2.5 and 7.5 into each segment.
    expect(clipSegmentIndices(40, 4, 0, 2)).toEqual([3, 13, 23, 33]);
    expect(clipSegmentIndices(40, 4, 1, 2)).toEqual([8, 18, 28, 38]);
    // tick = 10, three clips: offsets 10/6, 5, 50/6.
    expect(clipSegmentIndices(30, 3, 0, 3)).toEqual([2, 12, 22]);
    expect(clipSegmentIndices(30, 3, 1, 3)).toEqual([6, 16, 26]);
    expect(clipSegmentIndices(30, 3, 2, 3)).toEqual([9, 19, 29]);
    expect(clipSegmentIndices(4, 8, 1, 2)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });
});

describe('argument checks', () => {
  it('rejects lengths and clip numbers that make no sense', () => {
    const rng = new Generator(0);
    expect(() => trainSegmentIndices(0, 8, rng)).toThrow(/numFrames must be a positive integer, got 0/);
    expect(() => trainSegmentIndices(10, 0, rng)).toThrow(/numSegments/);
    expect(() => centerSegmentIndices(10.5, 8)).toThrow(/numFrames/);
    expect(() => clipSegmentIndices(40, 8, 2, 2)).toThrow(/clip must be an integer in \[0, 1\], got 2/);
    expect(() => clipSegmentIndices(40, 8, 0, 0)).toThrow(/numClips/);
  });
});
