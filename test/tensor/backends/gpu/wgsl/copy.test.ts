import { describe, expect, it } from 'vitest';
import { onWebGpu, random, runOnDevice, runOnReference } from './harness';
import { broadcastStrides, stridesOf } from '../../../../../src/tensor/shape';
import type { RegionCopy } from '../../../../../src/tensor/kernels/region';

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

describe.skipIf(!onWebGpu())('WGSL strided copies', () => {
  it('stridedCopy permutes ranks 1 to 5 exactly', () => {
    const cases: [number[], number[]][] = [
      [[7], [0]], [[5, 3], [1, 0]], [[2, 3, 4], [2, 0, 1]], [[3, 1, 4, 5], [0, 3, 1, 2]],
      [[2, 3, 4, 5, 6], [4, 2, 0, 3, 1]], [[2, 3, 1, 5, 2], [3, 4, 2, 0, 1]], [[70, 50], [1, 0]],
    ];
    for (const [inShape, order] of cases) {
      const src = random(numel(inShape), 1);
      const strides = stridesOf(inShape);
      const shape = order.map((d) => inShape[d]);
      const args = () => ({ src, srcStrides: order.map((d) => strides[d]), shape, out: new Float32Array(numel(shape)) });
      const onDevice = args(), reference = args();
      runOnDevice('stridedCopy', onDevice);
      runOnReference('stridedCopy', reference);
      expect(onDevice.out, `${inShape} ${order}`).toEqual(reference.out);
    }
  });

  it('stridedCopy expands with stride 0, a scalar and an empty shape', () => {
    const cases: [number[], number[]][] = [[[1], [6]], [[3, 1], [3, 4]], [[1, 4, 1], [5, 4, 3]], [[2, 1, 3, 1], [2, 7, 3, 2]], [[], [2, 3]], [[], []], [[3, 1], [3, 0]]];
    for (const [inShape, shape] of cases) {
      const src = random(numel(inShape), 2);
      const args = () => ({ src, srcStrides: broadcastStrides(inShape, shape), shape, out: new Float32Array(numel(shape)) });
      const onDevice = args(), reference = args();
      runOnDevice('stridedCopy', onDevice);
      runOnReference('stridedCopy', reference);
      expect(onDevice.out, `${inShape} -> ${shape}`).toEqual(reference.out);
    }
  });

  it('copyRegion: slices with steps, cat pieces, pad, and their gradients with accumulate', () => {
    type Case = Omit<RegionCopy, 'src' | 'dst'>;
    const cases: Case[] = [
      // slice of dim 1 with step 2 (forward), and its gradient scattered back with steps.
      { srcShape: [2, 9, 3], srcStart: [0, 1, 0], srcStep: [1, 2, 1], dstShape: [2, 4, 3], dstStart: [0, 0, 0], region: [2, 4, 3] },
      { srcShape: [2, 4, 3], srcStart: [0, 0, 0], dstShape: [2, 9, 3], dstStart: [0, 1, 0], dstStep: [1, 2, 1], region: [2, 4, 3] },
      // a cat piece into the middle of the output, and back out.
      { srcShape: [3, 2, 5], srcStart: [0, 0, 0], dstShape: [3, 7, 5], dstStart: [0, 3, 0], region: [3, 2, 5] },
      { srcShape: [3, 7, 5], srcStart: [0, 3, 0], dstShape: [3, 2, 5], dstStart: [0, 0, 0], region: [3, 2, 5] },
      // pad of a rank-4 tensor on the last two dims, and its gradient.
      { srcShape: [2, 3, 4, 5], srcStart: [0, 0, 0, 0], dstShape: [2, 3, 7, 8], dstStart: [0, 0, 1, 2], region: [2, 3, 4, 5] },
      { srcShape: [2, 3, 7, 8], srcStart: [0, 0, 1, 2], dstShape: [2, 3, 4, 5], dstStart: [0, 0, 0, 0], region: [2, 3, 4, 5] },
      // steps on both sides, accumulate, rank 5.
      { srcShape: [2, 3, 5, 4, 3], srcStart: [1, 0, 1, 0, 2], srcStep: [1, 2, 2, 3, 1], dstShape: [1, 4, 6, 5, 1], dstStart: [0, 1, 0, 1, 0], dstStep: [1, 2, 3, 2, 1], region: [1, 2, 2, 2, 1], accumulate: true },
      { srcShape: [4, 6], srcStart: [0, 0], dstShape: [4, 6], dstStart: [0, 0], region: [4, 6], accumulate: true },
      // empty region, and a region of one element.
      { srcShape: [4, 6], srcStart: [0, 0], dstShape: [4, 6], dstStart: [0, 0], region: [0, 6] },
      { srcShape: [4, 6], srcStart: [3, 5], dstShape: [2, 2], dstStart: [1, 0], region: [1, 1] },
      // large enough for many workgroups, stepping through a 2-D source.
      { srcShape: [130, 90], srcStart: [1, 2], srcStep: [1, 3], dstShape: [130, 40], dstStart: [1, 5], region: [129, 29], accumulate: true },
    ];
    cases.forEach((c, k) => {
      const src = random(numel(c.srcShape), 10 + k);
      // dst starts with values of its own: only the region may change.
      const dst = random(numel(c.dstShape), 40 + k);
      const onDevice = { ...c, src, dst: dst.slice() }, reference = { ...c, src, dst: dst.slice() };
      runOnDevice('copyRegion', onDevice);
      runOnReference('copyRegion', reference);
      expect(onDevice.dst, `case ${k}`).toEqual(reference.dst);
    });
  });
});
