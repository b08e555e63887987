/**
 * Clip transforms (docs/model.md#transforms): bilinear resampling against PyTorch, crops, TSN multi-scale crop
 * parameters, the one-geometry-per-clip rule, flip, and normalisation.
 */
import { describe, expect, it } from 'vitest';
import { Generator } from '../../../src/tensor/random';
import {
  centerCropOffset, cropImage, fixedCropOffsets, flipHorizontal, IMAGENET_MEAN, IMAGENET_STD,
  multiScaleCropSizes, planClip, resampleBilinear, resizeBilinear, scaleShortSide, transformClip,
  type ClipTransform,
} from '../../../src/ssan/data/transforms';
import type { RgbImage } from '../../../src/ssan/data/types';

function makeImage(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  }
  return { width, height, data };
}

function pixelAt(image: RgbImage, x: number, y: number): number[] {
  const i = (y * image.width + x) * 3;
  return Array.from(image.data.subarray(i, i + 3));
}

/** Channel c of frame t at (x, y) of a [T, 3, S, S] clip, back in 0..255. */
function clipValue(clip: Float32Array, size: number, t: number, c: number, x: number, y: number): number {
  const value = clip[((t * 3 + c) * size + y) * size + x];
  return Math.round((value * IMAGENET_STD[c] + IMAGENET_MEAN[c]) * 255);
}

describe('bilinear resampling', () => {
  it('leaves a constant image constant, up and down', () => {
    const image = makeImage(5, 3, () => [77, 0, 255]);
    for (const [w, h] of [[11, 7], [2, 2], [5, 9], [1, 1]]) {
      const out = resizeBilinear(image, w, h);
      expect(out.width).toBe(w);
      expect(out.height).toBe(h);
      for (let p = 0; p < w * h; p++) expect(Array.from(out.data.subarray(p * 3, p * 3 + 3))).toEqual([77, 0, 255]);
    }
  });

  it('matches F.interpolate(mode="bilinear", align_corners=False)', () => {
    // Made with PyTorch 1.13:
    //   F.interpolate(torch.tensor([[10.,20.],[30.,50.]]).view(1,1,2,2), size=(3,3), mode='bilinear', align_corners=False)
    const up = new Float32Array(9);
    resampleBilinear([10, 20, 30, 50], 2, 2, 1, 3, 3, up);
    const torchUp = [10.0, 15.0, 20.0, 20.0, 27.5, 35.0, 30.0, 40.0, 49.999996185302734];
    up.forEach((v, i) => expect(v).toBeCloseTo(torchUp[i], 4));
    //   F.interpolate(torch.arange(12, dtype=torch.float32).mul(7).view(1,1,3,4), size=(5,3), mode='bilinear', align_corners=False)
    const mixed = new Float32Array(15);
    resampleBilinear(Array.from({ length: 12 }, (_, i) => 7 * i), 4, 3, 1, 3, 5, mixed);
    const torchMixed = [
      1.1666667461395264, 10.5, 19.83333396911621, 12.366667747497559, 21.700000762939453, 31.033334732055664,
      29.166667938232422, 38.5, 47.833335876464844, 45.966670989990234, 55.30000305175781, 64.63333892822266,
      57.16666793823242, 66.5, 75.83332824707031,
    ];
    mixed.forEach((v, i) => expect(v).toBeCloseTo(torchMixed[i], 4));
  });

  it('rounds to 8 bits per channel when resizing an image', () => {
    const image: RgbImage = { width: 2, height: 2, data: Uint8Array.from([10, 0, 0, 20, 0, 0, 30, 0, 0, 50, 0, 0]) };
    const out = resizeBilinear(image, 3, 3);
    expect(Array.from({ length: 9 }, (_, p) => out.data[p * 3])).toEqual([10, 15, 20, 20, 28, 35, 30, 40, 50]);
  });
});

describe('crops and flips', () => {
  const grid = makeImage(20, 10, (x, y) => [x * 10, y * 20, 7]);

  it('crops the pixels of the box', () => {
    const out = cropImage(grid, { left: 3, top: 2, width: 5, height: 4 });
    expect([out.width, out.height]).toEqual([5, 4]);
    expect(pixelAt(out, 0, 0)).toEqual([30, 40, 7]);
    expect(pixelAt(out, 4, 3)).toEqual([70, 100, 7]);
    expect(() => cropImage(grid, { left: 16, top: 0, width: 5, height: 4 })).toThrow(/does not fit in a 20x10 image/);
  });

  it('flips left and right', () => {
    const out = flipHorizontal(grid);
    expect(pixelAt(out, 0, 3)).toEqual([190, 60, 7]);
    expect(pixelAt(out, 19, 3)).toEqual([0, 60, 7]);
  });

  it('centres as torchvision does, sending halves to the even neighbour like Python round()', () => {
    expect(centerCropOffset(256, 224)).toBe(16);
    expect(centerCropOffset(64, 56)).toBe(4);
    // round(1.5) = 2, round(2.5) = 2, round(4.5) = 4, round(5.5) = 6.
    expect([5, 7, 11, 13].map((size) => centerCropOffset(size, 2))).toEqual([2, 2, 4, 6]);
  });

  it('scales the short side as torchvision Resize(int), truncating the long side', () => {
    expect(scaleShortSide(176, 100, 256)).toEqual({ width: 450, height: 256 });
    expect(scaleShortSide(100, 176, 256)).toEqual({ width: 256, height: 450 });
    expect(scaleShortSide(320, 240, 256)).toEqual({ width: 341, height: 256 });
    expect(scaleShortSide(90, 90, 64)).toEqual({ width: 64, height: 64 });
  });
});

describe('multi-scale crop parameters (GroupMultiScaleCrop)', () => {
  it('pairs sides of adjacent scales, snapping sides within 3 px to the crop', () => {
    // base 256: int(256·[1, .875, .75, .66]) = 256, 224, 192, 168.
    expect(multiScaleCropSizes(341, 256, 224)).toEqual([
      [256, 256], [224, 256], [256, 224], [224, 224], [192, 224], [224, 192], [192, 192], [168, 192], [192, 168], [168, 168],
    ]);
    expect(multiScaleCropSizes(341, 256, 222).map(([w]) => w)).toContain(222);
    expect(multiScaleCropSizes(341, 256, 222).map(([w]) => w)).not.toContain(224);
    // 3 px away is not snapped (TSM tests abs(x − crop) < 3).
    expect(multiScaleCropSizes(341, 256, 221).map(([w]) => w)).toContain(224);
  });

  it('lists the 13 fixed positions in TSM order', () => {
    // steps: (341 − 224) // 4 = 29, (256 − 224) // 4 = 8.
    expect(fixedCropOffsets(341, 256, 224, 224)).toEqual([
      [0, 0], [116, 0], [0, 32], [116, 32], [58, 16], [0, 16], [116, 16], [58, 32], [58, 0],
      [29, 8], [87, 8], [29, 24], [87, 24],
    ]);
  });

  it('draws the crop from the allowed sizes and positions, and covers them', () => {
    const options: ClipTransform = { aug: 'tsn_msc', resize: 256, crop: 224, train: true, flip: false };
    const sizes = new Set<string>();
    const positions = new Set<string>();
    for (let seed = 0; seed < 300; seed++) {
      const plan = planClip(320, 240, options, new Generator(seed));
      expect(plan.scaled).toEqual({ width: 341, height: 256 });
      const { left, top, width, height } = plan.box;
      expect(multiScaleCropSizes(341, 256, 224)).toContainEqual([width, height]);
      const offsets = fixedCropOffsets(341, 256, width, height);
      const position = offsets.findIndex(([x, y]) => x === left && y === top);
      expect(position).toBeGreaterThanOrEqual(0);
      sizes.add(`${width}x${height}`);
      positions.add(`${width}x${height}@${position}`);
    }
    expect(sizes.size).toBe(10);
    expect(positions.size).toBeGreaterThan(60);
  });
});

describe('transformClip', () => {
  /** Frame t: red = 3·x, green = 3·y, blue = 10·t, so the output says where each pixel came from. */
  const frames = Array.from({ length: 4 }, (_, t) => makeImage(64, 64, (x, y) => [3 * x, 3 * y, 10 * t]));

  it('lays out [T, 3, crop, crop] and uses one random crop for the whole clip (paper)', () => {
    const options: ClipTransform = { aug: 'paper', resize: 64, crop: 56, train: true, flip: false };
    const lefts = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      const clip = transformClip(frames, options, new Generator(seed));
      expect(clip).toHaveLength(4 * 3 * 56 * 56);
      const left = clipValue(clip, 56, 0, 0, 0, 0) / 3;
      const top = clipValue(clip, 56, 0, 1, 0, 0) / 3;
      expect(left).toBeGreaterThanOrEqual(0);
      expect(left).toBeLessThanOrEqual(8);
      expect(top).toBeLessThanOrEqual(8);
      for (let t = 0; t < 4; t++) {
        expect(clipValue(clip, 56, t, 0, 5, 9)).toBe(3 * (left + 5));
        expect(clipValue(clip, 56, t, 1, 5, 9)).toBe(3 * (top + 9));
        expect(clipValue(clip, 56, t, 2, 5, 9)).toBe(10 * t);
      }
      lefts.add(left);
    }
    expect(lefts.size).toBeGreaterThan(3);
  });

  it('takes the centre crop when evaluating, for both augmentations', () => {
    const paper = transformClip(frames, { aug: 'paper', resize: 64, crop: 56, train: false, flip: true }, new Generator(0));
    expect([clipValue(paper, 56, 2, 0, 0, 0), clipValue(paper, 56, 2, 1, 0, 0)]).toEqual([12, 12]);
    const wide = [makeImage(80, 64, (x, y) => [3 * x, 3 * y, 0])];
    const msc = transformClip(wide, { aug: 'tsn_msc', resize: 64, crop: 56, train: false, flip: false }, new Generator(0));
    // The short side is already 64, so the 56x56 window starts at ((80 − 56)/2, (64 − 56)/2) = (12, 4).
    expect([clipValue(msc, 56, 0, 0, 0, 0), clipValue(msc, 56, 0, 1, 0, 0)]).toEqual([36, 12]);
  });

  it('never flips when flip is false, and flips some clips when it is true', () => {
    const flipped = (flip: boolean, seed: number): boolean => {
      const clip = transformClip(frames, { aug: 'paper', resize: 64, crop: 56, train: true, flip }, new Generator(seed));
      return clipValue(clip, 56, 0, 0, 0, 0) > clipValue(clip, 56, 0, 0, 55, 0);
    };
    const seeds = Array.from({ length: 40 }, (_, i) => i);
    expect(seeds.filter((s) => flipped(false, s))).toEqual([]);
    const count = seeds.filter((s) => flipped(true, s)).length;
    expect(count).toBeGreaterThan(8);
    expect(count).toBeLessThan(32);
  });

  it('flips every frame of a clip alike', () => {
    for (let seed = 0; seed < 10; seed++) {
      const clip = transformClip(frames, { aug: 'tsn_msc', resize: 64, crop: 32, train: true, flip: true }, new Generator(seed));
      const direction = (t: number): boolean => clipValue(clip, 32, t, 0, 0, 5) > clipValue(clip, 32, t, 0, 31, 5);
      expect([1, 2, 3].map(direction)).toEqual([0, 0, 0].map(() => direction(0)));
    }
  });

  it('normalises RGB/255 with the mean and std, ImageNet by default', () => {
    const flat = [makeImage(8, 8, () => [255, 0, 128])];
    const clip = transformClip(flat, { aug: 'paper', resize: 8, crop: 4, train: false, flip: false }, new Generator(0));
    expect(clip[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(clip[16]).toBeCloseTo((0 - 0.456) / 0.224, 5);
    expect(clip[47]).toBeCloseTo((128 / 255 - 0.406) / 0.225, 5);
    const plain = transformClip(flat, { aug: 'paper', resize: 8, crop: 4, train: false, flip: false, mean: [0.5, 0.5, 0.5], std: [0.5, 0.25, 1] }, new Generator(0));
    expect([plain[0], plain[16], plain[32]].map((v) => Number(v.toFixed(5)))).toEqual([1, -2, Number((128 / 255 - 0.5).toFixed(5))]);
  });

  it('rejects clips and options it cannot handle', () => {
    const rng = new Generator(0);
    const ok: ClipTransform = { aug: 'paper', resize: 16, crop: 8, train: false, flip: false };
    expect(() => transformClip([], ok, rng)).toThrow(/at least one frame/);
    expect(() => transformClip([makeImage(8, 8, () => [0, 0, 0]), makeImage(9, 8, () => [0, 0, 0])], ok, rng))
      .toThrow(/frame 1 is 9x8, frame 0 is 8x8/);
    expect(() => transformClip(frames, { ...ok, crop: 20 }, rng)).toThrow(/crop \(20\) must not exceed resize \(16\)/);
    expect(() => transformClip(frames, { ...ok, aug: 'random' as 'paper' }, rng)).toThrow(/aug must be/);
  });
});
