/**
 * JPEG I/O: the baseline encoder (jpeg-encoder.ts, behind encodeJpeg) round-trips through decodeJpeg (the
 * project's decoder, jpeg-js for what it does not handle) at every size, including partial 8x8 blocks; quality trades bytes for fidelity; bad input and unreadable
 * bytes are errors that name the function and the source.
 */
import { describe, expect, it } from 'vitest';
import { decodeJpeg, encodeJpeg } from '../../../src/ssan/data/jpeg';
import type { RgbImage } from '../../../src/ssan/data/types';
import { Generator } from '../../../src/tensor/random';

/** Peak signal-to-noise ratio in dB between two 8-bit images of the same size. */
function psnr(a: Uint8Array, b: Uint8Array): number {
  expect(b.length).toBe(a.length);
  let squared = 0;
  for (let i = 0; i < a.length; i++) squared += (a[i] - b[i]) ** 2;
  return squared === 0 ? Infinity : 10 * Math.log10((255 * 255) / (squared / a.length));
}

/** A smooth colour pattern plus Gaussian noise of `noiseStd` levels, from a fixed seed. */
function testImage(width: number, height: number, noiseStd: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const noise = new Float64Array(data.length);
  new Generator(seed).fillNormal(noise, 0, noiseStd);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const i = (y * width + x) * 3 + c;
        const value = 128 + 70 * Math.sin((x + 3 * c) / 6) * Math.cos((y - c) / 9) + noise[i];
        data[i] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return { width, height, data };
}

function roundTrip(image: RgbImage, quality: number): RgbImage {
  return decodeJpeg(encodeJpeg(image, quality), 'round trip');
}

const SIZES: Array<[number, number]> = [[1, 1], [7, 13], [64, 48], [17, 9], [8, 8]];

describe('encodeJpeg round trip through jpeg-js', () => {
  for (const [width, height] of SIZES) {
    for (const [kind, noiseStd] of [['smooth', 0], ['noisy', 8]] as const) {
      it(`${kind} ${width}x${height}: right size, PSNR > 30 dB at quality 90, better at 100`, () => {
        const image = testImage(width, height, noiseStd, width * 100 + height);
        const at90 = roundTrip(image, 90);
        expect([at90.width, at90.height]).toEqual([width, height]);
        const psnr90 = psnr(image.data, at90.data);
        const psnr100 = psnr(image.data, roundTrip(image, 100).data);
        expect(psnr90).toBeGreaterThan(30);
        if (width * height > 1) expect(psnr100).toBeGreaterThan(psnr90 + 1);
        else expect(psnr100).toBeGreaterThanOrEqual(psnr90);
      });
    }
  }

  it('lower quality: smaller files and lower PSNR', () => {
    const image = testImage(64, 48, 8, 7);
    const qualities = [10, 50, 90, 100];
    const sizes = qualities.map((q) => encodeJpeg(image, q).length);
    const psnrs = qualities.map((q) => psnr(image.data, roundTrip(image, q).data));
    for (let k = 1; k < qualities.length; k++) {
      expect(sizes[k]).toBeGreaterThan(sizes[k - 1]);
      expect(psnrs[k]).toBeGreaterThan(psnrs[k - 1]);
    }
  });

  // The random sizes leave partial 8x8 blocks at the right and bottom: were the padding not a copy of the
  // edge pixels, the edge would ring and these would miss by far more than 2.
  it('solid colours (primaries, grey, random) come back within +-2 at every size', () => {
    const rng = new Generator(3);
    const colours = [[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 255, 0], [0, 0, 255], [128, 128, 128], [255, 255, 0]];
    for (let k = 0; k < 20; k++) colours.push([rng.randint(256), rng.randint(256), rng.randint(256)]);
    for (const colour of colours) {
      const width = 1 + rng.randint(20);
      const height = 1 + rng.randint(20);
      const data = new Uint8Array(width * height * 3);
      for (let i = 0; i < data.length; i++) data[i] = colour[i % 3];
      const back = roundTrip({ width, height, data }, 90).data;
      let worst = 0;
      for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(back[i] - data[i]));
      expect(worst, `colour ${colour} at ${width}x${height}`).toBeLessThanOrEqual(2);
    }
  });

  it('writes a JFIF baseline file: SOI, APP0 "JFIF", SOF0 with the size, EOI; the same bytes every time', () => {
    const image = testImage(300, 7, 8, 1);
    const bytes = encodeJpeg(image, 80);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0xff, 0xd8, 0xff, 0xe0]);
    expect(Buffer.from(bytes.subarray(6, 11)).toString('latin1')).toBe('JFIF\0');
    expect(Array.from(bytes.subarray(bytes.length - 2))).toEqual([0xff, 0xd9]);
    const sof = Buffer.from(bytes).indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).toBeGreaterThan(0);
    expect(Array.from(bytes.subarray(sof + 5, sof + 9))).toEqual([0, 7, 300 >> 8, 300 & 0xff]);
    expect(encodeJpeg(image, 80)).toEqual(bytes);
  });
});

describe('errors', () => {
  it('data of the wrong length is an Error naming encodeJpeg and both sizes', () => {
    expect(() => encodeJpeg({ width: 4, height: 4, data: new Uint8Array(47) })).toThrow(/encodeJpeg: expected 4x4x3 = 48 .* got 47/);
  });

  it('quality outside 1..100 or not an integer is an Error naming encodeJpeg', () => {
    const image = testImage(4, 4, 0, 1);
    for (const quality of [0, 101, -5, 50.5, Number.NaN]) {
      expect(() => encodeJpeg(image, quality)).toThrow(/encodeJpeg: quality must be an integer from 1 to 100/);
    }
    expect(encodeJpeg(image, 1).length).toBeGreaterThan(0);
    expect(encodeJpeg(image, 100).length).toBeGreaterThan(0);
  });

  it('a zero-sized image is an Error naming encodeJpeg', () => {
    expect(() => encodeJpeg({ width: 0, height: 5, data: new Uint8Array(0) })).toThrow(/encodeJpeg/);
  });

  it('decodeJpeg of truncated bytes throws naming the source', () => {
    const bytes = encodeJpeg(testImage(16, 16, 8, 2), 90);
    for (const length of [2, 100, bytes.length - 40]) {
      expect(() => decodeJpeg(bytes.subarray(0, length), 'frames/00001.jpg')).toThrow(/decodeJpeg: frames\/00001\.jpg is not a readable JPEG/);
    }
  });
});
