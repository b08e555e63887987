/**
 * The project's baseline decoder (jpeg-decoder.ts), which decodeJpeg tries before jpeg-js. It computes in its
 * own way (an IDCT in doubles, rounding where jpeg-js truncates), so it is measured, not compared byte for byte:
 *
 * - Against jpeg-js, on the encoder's files and on files from ffmpeg and Pillow: every value within 4, the
 *   mean difference at most 0.6. On 3008 synthetic 48x48 q90 frames the measured figures are max 4 (6 values
 *   of 20.8 million), mean 0.54. Most of it is jpeg-js truncating its colour conversion (about 0.5 on
 *   average by itself; with truncation here too, 87% of the values are equal and the largest difference is 3,
 *   which is jpeg-js's fixed-point IDCT, amplified up to 1.772x by the colour equations).
 * - Against the image a file was made from: a PSNR no more than 0.05 dB below jpeg-js's (measured: 0.01 dB
 *   below it on the grayscale file, 0.00..0.09 dB above on the others, 1.2 dB above at quality 100;
 *   subsampled files included, as both decoders replicate chroma samples).
 * - Against an exact decode of streams from a test-only writer (the T.81 formulas in doubles, from the
 *   coefficients it wrote): every value within 1 (measured: nearly always equal; JFIF's 5-digit colour
 *   constants, used there, round the other way on a few values). The writer covers what the encoders here
 *   do not write: grayscale, sampling factors up to 4, restart intervals, 16-bit quantisation tables, random
 *   Huffman tables with codes up to 16 bits, SOF1, segments in other orders.
 * - What it leaves to jpeg-js (progressive and other kinds, truncated or damaged data): null, so that
 *   decodeJpeg returns jpeg-js's image or throws with jpeg-js's error, as before the decoder existed. A
 *   damaged file that is still a well-formed stream may be decoded here: jpeg-js then decodes it too, within 4.
 */
import fc from 'fast-check';
import * as jpegJs from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeJpeg, encodeJpeg } from '../../../src/ssan/data/jpeg';
import { decodeBaselineJpeg } from '../../../src/ssan/data/jpeg-decoder';
import { SYNTHETIC_CLASSES, renderSyntheticVideo } from '../../../src/ssan/data/synthetic';
import type { RgbImage } from '../../../src/ssan/data/types';
import { Generator } from '../../../src/tensor/random';

/** The bounds against jpeg-js and against the source image (see the header). */
const MAX_DIFFERENCE_TO_JPEG_JS = 4;
const MEAN_DIFFERENCE_TO_JPEG_JS = 0.6;
const PSNR_MARGIN_DB = 0.05;

function jpegJsDecode(bytes: Uint8Array): Uint8Array {
  return jpegJs.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 512 }).data;
}

function decodeOurs(bytes: Uint8Array, what: string): RgbImage {
  const image = decodeBaselineJpeg(bytes);
  expect(image, `${what}: left to jpeg-js`).not.toBeNull();
  return image as RgbImage;
}

/** Largest and summed absolute difference, accumulated over several images. */
class Difference {
  max = 0;
  sum = 0;
  count = 0;
  add(a: Uint8Array, b: Uint8Array): void {
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      if (d > this.max) this.max = d;
      this.sum += d;
    }
    this.count += a.length;
  }
  get mean(): number {
    return this.sum / this.count;
  }
}

/** Summed squared error, accumulated over several images, as a PSNR in dB. */
class SquaredError {
  sum = 0;
  count = 0;
  add(a: Uint8Array, b: Uint8Array): void {
    for (let i = 0; i < a.length; i++) this.sum += (a[i] - b[i]) ** 2;
    this.count += a.length;
  }
  get psnr(): number {
    return this.sum === 0 ? Infinity : 10 * Math.log10((255 * 255) / (this.sum / this.count));
  }
}

/** Compares our decode of `bytes` with jpeg-js's and, both, with `source` when given. */
class Comparison {
  toJpegJs = new Difference();
  ours = new SquaredError();
  theirs = new SquaredError();
  add(bytes: Uint8Array, source: Uint8Array | null, what: string): void {
    const ours = decodeOurs(bytes, what).data;
    const theirs = jpegJsDecode(bytes);
    this.toJpegJs.add(ours, theirs);
    if (source !== null) {
      this.ours.add(ours, source);
      this.theirs.add(theirs, source);
    }
  }
  expectWithinBounds(what: string): void {
    expect(this.toJpegJs.max, `${what}: largest difference to jpeg-js`).toBeLessThanOrEqual(MAX_DIFFERENCE_TO_JPEG_JS);
    expect(this.toJpegJs.mean, `${what}: mean difference to jpeg-js`).toBeLessThanOrEqual(MEAN_DIFFERENCE_TO_JPEG_JS);
    if (this.ours.count > 0) {
      expect(this.ours.psnr, `${what}: PSNR against the source`).toBeGreaterThanOrEqual(this.theirs.psnr - PSNR_MARGIN_DB);
    }
  }
}

/** A smooth colour pattern with uniform noise of +-noise/2, from `seed`. */
function patternImage(width: number, height: number, seed: number, noise: number): RgbImage {
  const rng = new Generator(seed);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const value = 128 + 90 * Math.sin((x + 4 * c) / 5 + seed) * Math.cos(y / 6 - c) + noise * (rng.random() - 0.5);
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return { width, height, data };
}

/**
 * The image the ffmpeg and Pillow fixtures were made from (written as a PPM and encoded by each tool):
 * gradients, a 4x4 checkerboard in red, a blue disc, and noise of -4..4 from a fixed LCG, in integer
 * arithmetic only so that it is the same everywhere.
 */
function fixtureSource(): Uint8Array {
  const width = 37;
  const height = 29;
  const data = new Uint8Array(width * height * 3);
  let state = 12345;
  const noise = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return ((state >>> 24) % 9) - 4;
  };
  const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const checker = ((x >> 2) ^ (y >> 2)) & 1;
      const disc = (x - 20) * (x - 20) + (y - 13) * (y - 13) < 81;
      data[i] = clamp(30 + 5 * x + 50 * checker + noise());
      data[i + 1] = clamp(220 - 6 * y + noise());
      data[i + 2] = clamp((disc ? 230 : 40 + 3 * x) + noise());
    }
  }
  return data;
}

/** The source as a grayscale image would hold it (JFIF luma), repeated over R, G, B. */
function asGray(rgb: Uint8Array): Uint8Array {
  const gray = new Uint8Array(rgb.length);
  for (let i = 0; i < rgb.length; i += 3) {
    gray.fill(Math.round(0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2]), i, i + 3);
  }
  return gray;
}

const fixture = (name: keyof typeof FIXTURES) => new Uint8Array(Buffer.from(FIXTURES[name], 'base64'));

describe('decodeBaselineJpeg on the files it handles, against jpeg-js and the source image', () => {
  it('synthetic training frames (48x48, quality 90, as the dataset writes them)', () => {
    const comparison = new Comparison();
    for (let video = 0; video < 24; video++) {
      const frames = renderSyntheticVideo(video % SYNTHETIC_CLASSES.length, new Generator(`jpeg-decoder ${video}`), {
        width: 48, height: 48, numFrames: 16,
      });
      frames.forEach((frame, i) => comparison.add(encodeJpeg(frame, 90), frame.data, `video ${video} frame ${i}`));
    }
    comparison.expectWithinBounds('synthetic frames');
    expect(comparison.ours.psnr).toBeGreaterThan(30);
  });

  it("the project's encoder at sizes that are not multiples of 8 and qualities from 5 to 100", () => {
    const sizes: Array<[number, number]> = [[1, 1], [7, 5], [13, 29], [37, 21], [50, 9], [63, 65], [1, 17]];
    for (const quality of [5, 25, 50, 75, 90, 100]) {
      const comparison = new Comparison();
      for (const [width, height] of sizes) {
        for (const noise of [0, 60]) {
          const image = patternImage(width, height, width * 7 + height, noise);
          comparison.add(encodeJpeg(image, quality), image.data, `${width}x${height} q${quality} noise ${noise}`);
        }
      }
      comparison.expectWithinBounds(`quality ${quality}`);
    }
  });

  it("the project's encoder at random sizes, content and qualities (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 255 }),
        (width, height, quality, seed, noise) => {
          const image = patternImage(width, height, seed, noise);
          const comparison = new Comparison();
          comparison.add(encodeJpeg(image, quality), null, `${width}x${height} q${quality}`);
          expect(comparison.toJpegJs.max).toBeLessThanOrEqual(MAX_DIFFERENCE_TO_JPEG_JS);
        },
      ),
      { numRuns: 100 },
    );
  });

  const source = fixtureSource();
  const made: Array<[keyof typeof FIXTURES, number]> = [
    ['ffmpeg420', 26], ['ffmpeg422', 29], ['pillow420Restarts', 26.5], ['pillow422', 29.5], ['pillow444Optimized', 37],
  ];
  for (const [name, minimumPsnr] of made) {
    it(`${name}: a file from another encoder (see FIXTURES)`, () => {
      const comparison = new Comparison();
      comparison.add(fixture(name), source, name);
      comparison.expectWithinBounds(name);
      expect(comparison.ours.psnr).toBeGreaterThan(minimumPsnr);
    });
  }

  it('pillowGray: a one-component file comes back as R = G = B', () => {
    const comparison = new Comparison();
    comparison.add(fixture('pillowGray'), asGray(source), 'pillowGray');
    comparison.expectWithinBounds('pillowGray');
    expect(comparison.ours.psnr).toBeGreaterThan(40);
    const { data } = decodeOurs(fixture('pillowGray'), 'pillowGray');
    for (let i = 0; i < data.length; i += 3) expect([data[i + 1], data[i + 2]]).toEqual([data[i], data[i]]);
  });

  it('keeps nothing of one file for the next: other sizes, kinds and damaged files in between change nothing', () => {
    const files = [
      encodeJpeg(patternImage(48, 48, 1, 40), 90), fixture('ffmpeg420'), encodeJpeg(patternImage(9, 70, 2, 40), 30),
      fixture('pillowGray'), fixture('pillow420Restarts'), encodeJpeg(patternImage(1, 1, 3, 0), 90),
    ];
    const alone = files.map((bytes) => Buffer.from(decodeOurs(bytes, 'alone').data));
    // Files whose scan stops at a bad code, some of them in the middle of a block.
    const damaged: Uint8Array[] = [];
    const frame = files[0];
    for (let at = frame.length - 40; at > 700 && damaged.length < 20; at -= 37) {
      const bytes = frame.slice();
      bytes[at] ^= 0x5a;
      if (decodeBaselineJpeg(bytes) === null) damaged.push(bytes);
    }
    expect(damaged.length).toBe(20);
    for (let round = 0; round < 2; round++) {
      files.forEach((bytes, i) => {
        decodeBaselineJpeg(damaged[(round * files.length + i) % damaged.length]);
        expect(Buffer.from(decodeOurs(bytes, 'mixed').data).equals(alone[i]), `file ${i}`).toBe(true);
      });
      files.reverse();
      alone.reverse();
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// A test-only writer of baseline streams from random quantised coefficients, and their exact decode

interface StreamSpec {
  width: number;
  height: number;
  /** (H, V) per component: 1 component is grayscale, 3 are Y, Cb, Cr. */
  sampling: Array<[number, number]>;
  /** MCUs per restart interval, 0 for none. */
  restartInterval: number;
  /** 16-bit quantisation tables (up to 65535) instead of 8-bit ones. */
  quant16: boolean;
  maxQuant: number;
  /** Largest |AC coefficient| (at most 1023, category 10) and the share of nonzero ones. */
  maxAc: number;
  density: number;
  /** One segment per table, APPn and COM segments in between, DQT after SOF. */
  scattered: boolean;
  sof: 0xc0 | 0xc1;
  seed: number;
}

interface HuffmanCode {
  counts: number[];
  symbols: number[];
  code: Map<number, { bits: number; length: number }>;
}

/**
 * A random canonical Huffman code for `symbols`: lengths drawn from shortest..16, then lengthened at
 * random until the Kraft sum is below 1, which is what keeps every all-ones code unused (T.81 C.2).
 */
function randomHuffmanCode(symbols: number[], shortest: number, rand: () => number): HuffmanCode {
  const lengths = symbols.map(() => shortest + Math.floor(rand() * (17 - shortest)));
  let kraft = lengths.reduce((sum, l) => sum + 2 ** -l, 0);
  while (kraft >= 1) {
    const i = Math.floor(rand() * lengths.length);
    if (lengths[i] === 16) continue;
    kraft -= 2 ** -(lengths[i] + 1);
    lengths[i]++;
  }
  const order = symbols.map((symbol, i) => ({ symbol, length: lengths[i], tie: rand() }));
  order.sort((a, b) => a.length - b.length || a.tie - b.tie);
  const counts = new Array(16).fill(0);
  const code = new Map<number, { bits: number; length: number }>();
  let next = 0;
  let length = 1;
  for (const entry of order) {
    next <<= entry.length - length; // Annex C: one more bit, one doubling
    length = entry.length;
    counts[length - 1]++;
    code.set(entry.symbol, { bits: next++, length });
  }
  return { counts, symbols: order.map((e) => e.symbol), code };
}

/** Entropy-coded bits, MSB first, with 0xFF bytes stuffed and the last byte padded with ones. */
class BitSink {
  readonly bytes: number[] = [];
  private pending = 0;
  private count = 0;
  put(bits: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.pending = (this.pending << 1) | ((bits >> i) & 1);
      if (++this.count === 8) {
        this.bytes.push(this.pending);
        if (this.pending === 0xff) this.bytes.push(0);
        this.pending = 0;
        this.count = 0;
      }
    }
  }
  padWithOnes(): void {
    while (this.count !== 0) this.put(1, 1);
  }
}

/** The number of bits of |value| (its category), and the bits that encode it (T.81 F.1.2.1). */
function category(value: number): [number, number] {
  let size = 0;
  while (Math.abs(value) >= 1 << size) size++;
  return [size, value < 0 ? value + (1 << size) - 1 : value];
}

interface WrittenComponent {
  blocksPerLine: number;
  /** Dequantised coefficients, row-major, of block (row, column) at row * blocksPerLine + column. */
  blocks: Map<number, Float64Array>;
}

const DC_SYMBOLS = Array.from({ length: 12 }, (_, i) => i);
const AC_SYMBOLS = [0x00, 0xf0];
for (let run = 0; run < 16; run++) for (let size = 1; size <= 10; size++) AC_SYMBOLS.push((run << 4) | size);

/** Zig-zag order, built here independently of the decoder: the k-th stored coefficient's row and column. */
const ZIGZAG_POSITIONS: Array<[number, number]> = [];
for (let s = 0; s < 15; s++) {
  const diagonal: Array<[number, number]> = [];
  for (let row = 0; row < 8; row++) if (s - row >= 0 && s - row < 8) diagonal.push([row, s - row]);
  ZIGZAG_POSITIONS.push(...(s % 2 === 0 ? diagonal.reverse() : diagonal));
}

function writeStream(spec: StreamSpec): { bytes: Uint8Array; components: WrittenComponent[] } {
  let seed = spec.seed >>> 0 || 1;
  const rand = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const n = spec.sampling.length;
  const out: number[] = [0xff, 0xd8];
  const segment = (marker: number, body: number[]) => out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);

  const quant = spec.sampling.map(() => Array.from({ length: 64 }, () => 1 + Math.floor(rand() * spec.maxQuant)));
  const dqtBody = (i: number) => (spec.quant16 ? [0x10 | i, ...quant[i].flatMap((q) => [q >> 8, q & 0xff])] : [i, ...quant[i]]);
  const dc = spec.sampling.map(() => randomHuffmanCode(DC_SYMBOLS, 1 + Math.floor(rand() * 3), rand));
  const ac = spec.sampling.map(() => randomHuffmanCode(AC_SYMBOLS, 2, rand));
  const dhtBody = (i: number) => [i, ...dc[i].counts, ...dc[i].symbols, 0x10 | i, ...ac[i].counts, ...ac[i].symbols];
  const ids = [1, 2, 3].slice(0, n);
  const sofBody = [8, spec.height >> 8, spec.height & 0xff, spec.width >> 8, spec.width & 0xff, n,
    ...spec.sampling.flatMap(([h, v], i) => [ids[i], (h << 4) | v, i])];

  if (spec.scattered) {
    segment(0xe1, [...Buffer.from('Exif\0\0'), 1, 2, 3]);
    segment(0xc4, dhtBody(0));
    segment(spec.sof, sofBody);
    segment(0xfe, [...Buffer.from('a comment')]);
    for (let i = 0; i < n; i++) segment(0xdb, dqtBody(i));
    for (let i = 1; i < n; i++) segment(0xc4, dhtBody(i));
  } else {
    segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
    segment(0xdb, spec.sampling.flatMap((_, i) => dqtBody(i)));
    segment(spec.sof, sofBody);
    segment(0xc4, spec.sampling.flatMap((_, i) => dhtBody(i)));
  }
  if (spec.restartInterval > 0) segment(0xdd, [spec.restartInterval >> 8, spec.restartInterval & 0xff]);
  segment(0xda, [n, ...ids.flatMap((id, i) => [id, (i << 4) | i]), 0, 63, 0]);

  const maxH = Math.max(...spec.sampling.map(([h]) => h));
  const maxV = Math.max(...spec.sampling.map(([, v]) => v));
  const mcusPerLine = Math.ceil(spec.width / (8 * maxH));
  const mcusPerColumn = Math.ceil(spec.height / (8 * maxV));
  // One component is not interleaved: its own blocks in raster order (T.81 A.2.2).
  const componentBlocks = (size: number, factor: number, max: number) => Math.ceil(Math.ceil((size * factor) / max) / 8);
  const components: WrittenComponent[] = spec.sampling.map(([h]) => ({
    blocksPerLine: n === 1 ? componentBlocks(spec.width, h, maxH) : mcusPerLine * h,
    blocks: new Map(),
  }));
  const bits = new BitSink();
  const predictions = new Array(n).fill(0);

  const writeBlock = (c: number, row: number, column: number) => {
    const q = quant[c];
    const block = new Float64Array(64);
    // DC: about -140..140 after dequantisation and the IDCT's 1/8, so that few samples clip.
    const dcValue = Math.max(-1023, Math.min(1023, Math.round(((rand() * 2 - 1) * 1100) / q[0])));
    const [dcSize, dcBits] = category(dcValue - predictions[c]);
    predictions[c] = dcValue;
    const dcCode = dc[c].code.get(dcSize)!;
    bits.put(dcCode.bits, dcCode.length);
    bits.put(dcBits, dcSize);
    block[0] = dcValue * q[0];
    let run = 0;
    for (let k = 1; k < 64; k++) {
      if (rand() >= spec.density || spec.maxAc === 0) {
        run++;
        continue;
      }
      const value = (rand() < 0.5 ? -1 : 1) * (1 + Math.floor(rand() * spec.maxAc));
      for (; run >= 16; run -= 16) {
        const zrl = ac[c].code.get(0xf0)!;
        bits.put(zrl.bits, zrl.length);
      }
      const [size, valueBits] = category(value);
      const symbol = ac[c].code.get((run << 4) | size)!;
      bits.put(symbol.bits, symbol.length);
      bits.put(valueBits, size);
      const [r, col] = ZIGZAG_POSITIONS[k];
      block[r * 8 + col] = value * q[k];
      run = 0;
    }
    if (run > 0) {
      const eob = ac[c].code.get(0x00)!;
      bits.put(eob.bits, eob.length);
    }
    components[c].blocks.set(row * components[c].blocksPerLine + column, block);
  };

  const totalMcus = n === 1 ? components[0].blocksPerLine * componentBlocks(spec.height, spec.sampling[0][1], maxV) : mcusPerLine * mcusPerColumn;
  for (let mcu = 0, restarts = 0; mcu < totalMcus; mcu++) {
    if (spec.restartInterval > 0 && mcu > 0 && mcu % spec.restartInterval === 0) {
      bits.padWithOnes();
      bits.bytes.push(0xff, 0xd0 + (restarts++ % 8));
      predictions.fill(0);
    }
    if (n === 1) {
      writeBlock(0, Math.floor(mcu / components[0].blocksPerLine), mcu % components[0].blocksPerLine);
      continue;
    }
    const mcuRow = Math.floor(mcu / mcusPerLine);
    const mcuColumn = mcu % mcusPerLine;
    spec.sampling.forEach(([h, v], c) => {
      for (let y = 0; y < v; y++) for (let x = 0; x < h; x++) writeBlock(c, mcuRow * v + y, mcuColumn * h + x);
    });
  }
  bits.padWithOnes();
  out.push(...bits.bytes, 0xff, 0xd9);
  return { bytes: Uint8Array.from(out), components };
}

/** basis[(y * 8 + x) * 64 + v * 8 + u] = C(u) C(v) / 4 · cos((2x+1)uπ/16) cos((2y+1)vπ/16), T.81 A.3.3. */
const BASIS = new Float64Array(64 * 64);
for (let y = 0; y < 8; y++) {
  for (let x = 0; x < 8; x++) {
    for (let v = 0; v < 8; v++) {
      for (let u = 0; u < 8; u++) {
        // C(0)^2 / 4 written as the exact 1/8, so that flat blocks are exact here as in the decoder.
        const norm = u === 0 && v === 0 ? 1 / 8 : ((u === 0 ? Math.SQRT1_2 : 1) * (v === 0 ? Math.SQRT1_2 : 1)) / 4;
        BASIS[(y * 8 + x) * 64 + v * 8 + u] = norm * Math.cos(((2 * x + 1) * u * Math.PI) / 16) * Math.cos(((2 * y + 1) * v * Math.PI) / 16);
      }
    }
  }
}

/**
 * The exact decode of what writeStream wrote: the IDCT as the double sum, samples level-shifted, rounded to
 * nearest (ties to even, as both round through a Uint8ClampedArray) and clamped; chroma replicated; the JFIF
 * equations with JFIF's own 5-digit constants.
 */
function exactDecode(spec: StreamSpec, components: WrittenComponent[]): Uint8Array {
  const maxH = Math.max(...spec.sampling.map(([h]) => h));
  const maxV = Math.max(...spec.sampling.map(([, v]) => v));
  const sample = components.map((c, i) => {
    const [h, v] = spec.sampling[i];
    return (x: number, y: number): number => {
      const sx = Math.floor((x * h) / maxH);
      const sy = Math.floor((y * v) / maxV);
      const block = c.blocks.get((sy >> 3) * c.blocksPerLine + (sx >> 3))!;
      const at = ((sy & 7) * 8 + (sx & 7)) * 64;
      let sum = 128;
      for (let k = 0; k < 64; k++) if (block[k] !== 0) sum += block[k] * BASIS[at + k];
      return Uint8ClampedArray.of(sum)[0];
    };
  });
  const out = new Uint8ClampedArray(spec.width * spec.height * 3);
  for (let y = 0, o = 0; y < spec.height; y++) {
    for (let x = 0; x < spec.width; x++, o += 3) {
      const luma = sample[0](x, y);
      if (components.length === 1) {
        out.fill(luma, o, o + 3);
        continue;
      }
      const cb = sample[1](x, y) - 128;
      const cr = sample[2](x, y) - 128;
      out[o] = Math.round(luma + 1.402 * cr);
      out[o + 1] = Math.round(luma - 0.34414 * cb - 0.71414 * cr);
      out[o + 2] = Math.round(luma + 1.772 * cb);
    }
  }
  return new Uint8Array(out.buffer);
}

const BASE_SPEC: StreamSpec = {
  width: 33, height: 21, sampling: [[2, 2], [1, 1], [1, 1]], restartInterval: 0, quant16: false, maxQuant: 50,
  maxAc: 60, density: 0.3, scattered: false, sof: 0xc0, seed: 1,
};

function expectExact(spec: StreamSpec, what: string): void {
  const { bytes, components } = writeStream(spec);
  if (spec.sampling.length === 3 && spec.sampling.reduce((blocks, [h, v]) => blocks + h * v, 0) > 10) {
    expect(decodeBaselineJpeg(bytes), `${what}: more than 10 blocks per MCU (T.81 B.2.3)`).toBeNull();
    return;
  }
  const ours = decodeOurs(bytes, what);
  expect([ours.width, ours.height], what).toEqual([spec.width, spec.height]);
  const difference = new Difference();
  difference.add(ours.data, exactDecode(spec, components));
  expect(difference.max, `${what}: largest difference to the exact decode`).toBeLessThanOrEqual(1);
}

describe('decodeBaselineJpeg on written streams, against their exact decode', () => {
  it('grayscale, sampling factors, restarts, 16-bit tables, SOF1, scattered segments', () => {
    const cases: Array<Partial<StreamSpec>> = [
      { sampling: [[1, 1]] },
      { sampling: [[2, 2]], width: 19, height: 23 }, // one component: not interleaved whatever its factors
      { sampling: [[1, 1]], restartInterval: 1 },
      { sampling: [[3, 2]], restartInterval: 4, width: 41, height: 17 },
      { sampling: [[1, 1], [1, 1], [1, 1]], width: 48, height: 48 },
      { sampling: [[2, 1], [1, 1], [1, 1]] }, // 4:2:2
      { sampling: [[1, 2], [1, 1], [1, 1]] }, // 4:4:0
      { sampling: [[4, 1], [1, 1], [1, 1]], width: 70 }, // 4:1:1
      { sampling: [[2, 2], [1, 1], [1, 1]], restartInterval: 1 },
      { sampling: [[2, 2], [1, 1], [1, 1]], restartInterval: 3, width: 70, height: 45 },
      { sampling: [[1, 1], [2, 2], [1, 1]] }, // chroma at a higher resolution than luma
      { sampling: [[3, 2], [1, 1], [1, 1]], width: 61, height: 40 },
      { sampling: [[2, 2], [2, 1], [1, 2]], width: 37, height: 37 },
      { quant16: true, maxQuant: 65535, maxAc: 1023, density: 0.5 }, // samples far outside 0..255
      { quant16: true, maxQuant: 300 },
      { sof: 0xc1, scattered: true, restartInterval: 2 },
      { density: 0, maxAc: 0 }, // DC only
      { density: 1, maxAc: 1023, maxQuant: 2 },
      { width: 1, height: 1 },
      { width: 8, height: 8, sampling: [[1, 1], [1, 1], [1, 1]] },
    ];
    cases.forEach((c, i) => expectExact({ ...BASE_SPEC, ...c, seed: i + 1 }, `case ${i} ${JSON.stringify(c)}`));
  });

  it('random sizes, sampling factors up to 3x3, restarts, tables and content (fast-check)', () => {
    const factor = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }));
    fc.assert(
      fc.property(
        fc.record({
          width: fc.integer({ min: 1, max: 60 }),
          height: fc.integer({ min: 1, max: 60 }),
          sampling: fc.oneof(fc.tuple(factor), fc.tuple(factor, factor, factor)) as fc.Arbitrary<Array<[number, number]>>,
          restartInterval: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 7 })),
          quant16: fc.boolean(),
          maxQuant: fc.integer({ min: 1, max: 255 }),
          maxAc: fc.integer({ min: 0, max: 1023 }),
          density: fc.double({ min: 0, max: 1, noNaN: true }),
          scattered: fc.boolean(),
          sof: fc.constantFrom(0xc0 as const, 0xc1 as const),
          seed: fc.integer({ min: 1, max: 2 ** 30 }),
        }),
        (spec) => expectExact(spec, JSON.stringify(spec)),
      ),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// What is left to jpeg-js

/** decodeJpeg gives what jpeg-js alone gives: the same image, or an error wrapping jpeg-js's. */
function expectJpegJsBehaviour(bytes: Uint8Array, what: string): void {
  let expected: Uint8Array | Error;
  try {
    expected = jpegJsDecode(bytes);
  } catch (err) {
    expected = err as Error;
  }
  if (expected instanceof Error) {
    expect(() => decodeJpeg(bytes, 'f.jpg'), what).toThrow(`decodeJpeg: f.jpg is not a readable JPEG (${expected.message})`);
  } else {
    expect(Buffer.from(decodeJpeg(bytes, 'f.jpg').data).equals(Buffer.from(expected)), what).toBe(true);
  }
}

/** The offset of the first marker `marker` in the headers. */
function markerAt(bytes: Uint8Array, marker: number): number {
  for (let at = 2; at + 4 <= bytes.length; at += 2 + ((bytes[at + 2] << 8) | bytes[at + 3])) {
    if (bytes[at + 1] === marker) return at;
  }
  throw new Error(`no marker ${marker.toString(16)}`);
}

function withByte(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = value;
  return copy;
}

/** `bytes` with an APPn segment inserted after SOI. */
function withSegment(bytes: Uint8Array, marker: number, body: number[]): Uint8Array {
  const length = body.length + 2;
  return Uint8Array.from([0xff, 0xd8, 0xff, marker, length >> 8, length & 0xff, ...body, ...bytes.subarray(2)]);
}

describe('what decodeBaselineJpeg leaves to jpeg-js', () => {
  const frame = encodeJpeg(patternImage(48, 48, 5, 40), 90);

  it('progressive: null, and decodeJpeg gives jpeg-js\'s image', () => {
    const bytes = fixture('pillowProgressive');
    expect(decodeBaselineJpeg(bytes)).toBeNull();
    expectJpegJsBehaviour(bytes, 'progressive');
    // jpeg-js decodes it as well as the baseline files: the fallback is not a loss.
    const comparison = new SquaredError();
    comparison.add(decodeJpeg(bytes).data, fixtureSource());
    expect(comparison.psnr).toBeGreaterThan(26);
  });

  it('other frame types, 12-bit samples, 2 or 4 components, more than 10 blocks per MCU: null', () => {
    const sof = markerAt(frame, 0xc0);
    for (const type of [0xc2, 0xc3, 0xc5, 0xc9, 0xca]) expect(decodeBaselineJpeg(withByte(frame, sof + 1, type)), type.toString(16)).toBeNull();
    expect(decodeBaselineJpeg(withByte(frame, sof + 4, 12))).toBeNull();
    const gray = fixture('pillowGray');
    const graySof = markerAt(gray, 0xc0);
    expect(decodeBaselineJpeg(gray)).not.toBeNull();
    expect(decodeBaselineJpeg(withByte(gray, graySof + 4, 12))).toBeNull();
    const tooMany = writeStream({ ...BASE_SPEC, sampling: [[3, 3], [1, 1], [1, 1]] }).bytes;
    expect(decodeBaselineJpeg(tooMany)).toBeNull();
    // A frame header that claims 4 components (its length no longer matches): null, not a misread.
    expect(decodeBaselineJpeg(withByte(frame, sof + 9, 4))).toBeNull();
  });

  it("a scan that is not sequential 0..63, or not of every component: null", () => {
    const sos = markerAt(frame, 0xda);
    const length = (frame[sos + 2] << 8) | frame[sos + 3];
    const tail = sos + 2 + length; // just after Ss, Se, Ah/Al
    expect(decodeBaselineJpeg(withByte(frame, tail - 3, 1))).toBeNull(); // Ss = 1
    expect(decodeBaselineJpeg(withByte(frame, tail - 2, 5))).toBeNull(); // Se = 5
    expect(decodeBaselineJpeg(withByte(frame, tail - 1, 0x01))).toBeNull(); // Al = 1
    expect(decodeBaselineJpeg(withByte(frame, sos + 4, 2))).toBeNull(); // Ns = 2
  });

  it('3 components that say RGB (Adobe transform 0, or ids R G B): null', () => {
    const adobe = (transform: number) => [...Buffer.from('Adobe'), 0, 100, 0, 0, 0, 0, transform];
    expect(decodeBaselineJpeg(withSegment(frame, 0xee, adobe(0)))).toBeNull();
    expectJpegJsBehaviour(withSegment(frame, 0xee, adobe(0)), 'Adobe RGB');
    expect(decodeBaselineJpeg(withSegment(frame, 0xee, adobe(1)))).not.toBeNull(); // YCbCr, as without it
    expect(decodeBaselineJpeg(withSegment(fixture('pillowGray'), 0xee, adobe(0)))).not.toBeNull(); // one component
    const sof = markerAt(frame, 0xc0);
    let rgb = withByte(frame, sof + 10, 0x52);
    rgb = withByte(rgb, sof + 13, 0x47);
    rgb = withByte(rgb, sof + 16, 0x42);
    const sos = markerAt(rgb, 0xda);
    rgb = withByte(withByte(withByte(rgb, sos + 5, 0x52), sos + 7, 0x47), sos + 9, 0x42);
    expect(decodeBaselineJpeg(rgb)).toBeNull();
  });

  it('a Huffman table that uses an all-ones code or overflows the code space: null', () => {
    const dht = markerAt(frame, 0xc4);
    // The first table is the DC luminance one, 1 code of 2 bits and 5 of 3 bits (K.3.1): 7 of 3 bits would
    // end on 111, 9 would not fit.
    expect(frame[dht + 5 + 2]).toBe(5);
    for (const count of [7, 9]) expect(decodeBaselineJpeg(withByte(frame, dht + 5 + 2, count)), `${count}`).toBeNull();
  });

  it('every truncation of a file: null, and decodeJpeg throws as jpeg-js does', () => {
    for (let length = 0; length < frame.length; length++) {
      expect(decodeBaselineJpeg(frame.subarray(0, length)), `${length} bytes`).toBeNull();
    }
    for (const length of [0, 2, 3, 100, 400, frame.length - 100, frame.length - 3, frame.length - 1]) {
      expectJpegJsBehaviour(frame.subarray(0, length), `${length} bytes`);
    }
  });

  it('markers out of place (a missing, extra or out-of-order RST, anything but EOI after the scan): null', () => {
    const { bytes } = writeStream({ ...BASE_SPEC, restartInterval: 2 });
    expect(decodeBaselineJpeg(bytes)).not.toBeNull();
    const rst = bytes.findIndex((b, i) => b === 0xff && bytes[i + 1] === 0xd0);
    expect(decodeBaselineJpeg(withByte(bytes, rst + 1, 0xd1))).toBeNull(); // out of order
    expect(decodeBaselineJpeg(Uint8Array.from([...bytes.subarray(0, rst), ...bytes.subarray(rst + 2)]))).toBeNull(); // missing
    const end = bytes.length - 2;
    expect(decodeBaselineJpeg(Uint8Array.from([...bytes.subarray(0, end), 0xff, 0xfe, 0, 3, 0, 0xff, 0xd9]))).toBeNull(); // COM before EOI
    expect(decodeBaselineJpeg(Uint8Array.from([...bytes.subarray(0, end), 0x55, 0xff, 0xd9]))).toBeNull(); // a stray byte
  });

  it('damaged files (bytes changed, inserted, removed): null, or an image close to jpeg-js\'s, which decodes it too', () => {
    const sources = [
      frame,
      fixture('ffmpeg420'),
      fixture('pillow420Restarts'),
      writeStream({ ...BASE_SPEC, sampling: [[1, 1]], restartInterval: 3, width: 30, height: 12 }).bytes,
    ];
    let answered = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: sources.length - 1 }), fc.constantFrom('change', 'insert', 'remove'), fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (which, kind, where, byte) => {
          const original = sources[which];
          const at = where % original.length;
          const bytes =
            kind === 'change' ? withByte(original, at, byte)
            : kind === 'insert' ? Uint8Array.from([...original.subarray(0, at), byte, ...original.subarray(at)])
            : Uint8Array.from([...original.subarray(0, at), ...original.subarray(at + 1)]);
          const ours = decodeBaselineJpeg(bytes);
          if (ours === null) {
            expectJpegJsBehaviour(bytes, `${kind} at ${at}`);
            return;
          }
          answered++;
          const difference = new Difference();
          difference.add(ours.data, jpegJsDecode(bytes));
          expect(difference.max, `${kind} at ${at}`).toBeLessThanOrEqual(MAX_DIFFERENCE_TO_JPEG_JS);
        },
      ),
      { numRuns: 1000 },
    );
    expect(answered).toBeGreaterThan(50);
  });

  it('data that is not a JPEG: decodeJpeg\'s error as before, naming the source', () => {
    for (const bytes of [new Uint8Array(0), Uint8Array.from([1, 2, 3]), Buffer.from('GIF89a not a jpeg'), Uint8Array.from([0xff, 0xd8])]) {
      expect(decodeBaselineJpeg(bytes)).toBeNull();
      expect(() => decodeJpeg(bytes, 'x.jpg')).toThrow(/decodeJpeg: x\.jpg is not a readable JPEG/);
      expectJpegJsBehaviour(bytes, 'not a JPEG');
    }
  });
});

// ---------------------------------------------------------------------------------------------------
/**
 * Files made from fixtureSource() (written as a 37x29 PPM) by other encoders, base64. Regenerate with
 * `ffmpeg -i source.ppm -pix_fmt yuvj420p -q:v 3 out.jpg` and Pillow's Image.save(..., quality=Q,
 * subsampling=S, restart_marker_blocks=R, optimize=O, progressive=P) as each entry says.
 */
const FIXTURES = {
  /** ffmpeg 5.1 -pix_fmt yuvj420p -q:v 3: Y 2x2, Cb and Cr 1x1. */
  ffmpeg420:
    '/9j//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgGBgcGBwgICAgICAkJCQoKCgkJCQkKCgoKCgoMDAwKCgoKCgoKDAwMDA0ODQ0NDA0ODg8P' +
    'DxISEREVFRUZGR//xACFAAADAQEBAQAAAAAAAAAAAAAEBQYCAQMHAQEBAQEAAAAAAAAAAAAAAAAGBAMFEAAAAgkBBQgDAQEAAAAAAAAA' +
    'AYGRURIRMQQDAhQVQmJBUqFxohMFIWEi4cHR4jIRAAEDAgUDBAMBAAAAAAAAAAERAhIEAyExAFEFE1JBcWGhIjMGgRT/wAARCAAdACUD' +
    'ASIAAhEAAxEA/9oADAMBAAIRAxEAPwBhZq/I5vPIhBbQwsVJ2TIi+55cpSW0Sdmr05zeeRCCw39Pqip3vd48oe8oQj3z/QPcXxP++qtW' +
    'CYi4SrkzDGlxTYoMPfR2kouk1UhDfHoy37p/Gqi1nnTb2OT3yZSQYKwqTpDgf2eRJcZhFaqtPzeeRJbQRlVafEt54+6EFziEPIfrNNT2' +
    'H3LM1biZOUPA8ZBCNIOOpSCARCP96Mt+6fxqhwqtOXU8iQ7tLh7TCLCq05dTyJLaNbTLp8R/wQWadLbcFzxy866lyn6Tiz8SJ9CJIoXP' +
    '3z18otVem4nkSWGVLXnRnH/os58oO8+bRJ2r+VPxRRJbQfavZU8N55EltG9Gy5S3WXrZAewqu/hPRCh3GoqGgBDQkc4rjDeXdLxtq0t+' +
    'pW6ffee+DKSDaPfX+VAiOJZIktok7N7Kn4ooktoPs3sqcuqKJLmOzVcjfrbZtlltjXJKCq4bBchvvpDx3GtaWEYIsZYw3l3y8bapsKvT' +
    'lN55EltG9qfHb/kIsL+VMXW8iEFtHdo5dHi/AiNhMEX0w1pV08L72hGgRwP2I+o86//Z',
  /** ffmpeg 5.1 -pix_fmt yuvj422p -q:v 3: Y 2x2, Cb and Cr 1x2. */
  ffmpeg422:
    '/9j//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgGBgcGBwgICAgICAkJCQoKCgkJCQkKCgoKCgoMDAwKCgoKCgoKDAwMDA0ODQ0NDA0ODg8P' +
    'DxISEREVFRUZGR//xACMAAADAQEBAQAAAAAAAAAAAAAEBQYCAQMHAQADAQEAAAAAAAAAAAAAAAAGBQQDARAAAAIJAQUIAwEBAAAAAAAA' +
    'AAGBkVESETEEAwIUFUJiQVKhcaITBSFhIuHB0eIyEQAABAQEBQQBBQEAAAAAAAARAwIBEgAxBAWBEyGRYTJRFCKxoUHwgqJxBkJi/8AA' +
    'EQgAHQAlAwEiAAISAAMSAP/aAAwDAQACEQMRAD8AYWavyObzyIQW0MLFSdkyIvueXKUltEnZq9Oc3nkQgsN/T6oqd73ePKHvKEI98/0A' +
    '4i2UcpKEpd1GqZKWaoiDNzGSH+uEMvE7dg6tR99whKW7fPCRWyI0efj5RanEAHmMsbcjRR38cOUWq+YBmM1FrPOm3scnvkykgwVhUnSH' +
    'A/s8iS4zCK1Vafm88iS2gjKq0+Jbzx90ILnETXWBXNkhlmOWpK3h9DqeF2oIpTUJM8WIjtDhbqT/ACELtLDDy2QAM7+PlHq8QDMZvw23' +
    '0VJ+/Hyi1fYMxmhwqtOXU8iQ7tLh7TCLCq05dTyJLaNbTLp8R/wCJBYlJelfd5qLLFDP+VnZSPHfTCKEN6VYab95sPQ9uY5YRQhvSrM9' +
    'N+8/KLVXpuJ5ElhlS150Zx/6LOfKDvPm0Sdq/lT8UUSW0H2r2VPDeeRJbRzDTHtLko9mH1bt/wAg6VM3N0u7M/1O5ZbK/X8BKSzttNIV' +
    '0MotT2DMZZ2JbFB96GUWpxAMxm0t+pW6ffee+DKSDaPfX+VAiOJZIktok7N7Kn4ooktoPs3sqcuqKJLmHuKYjbXJDl2643OcH9C2hSnd' +
    '+pKRGkrC0MrlF8BNuHWjkOwsPj/v1OIBmMt7EtiQ/wBePlFq8QDMZpsKvTlN55EltG9qfHb/AJCLC/lTF1vIhBbR3aOXR4vwMdKLeaVI' +
    'ZTj+UmC7L8c9RYRQw70qlnpv3mu/Zre5ML6oYd6VQl6b95//2Q==',
  /** Pillow 12.3 (libjpeg-turbo) quality 85, 4:2:0, restart_marker_blocks=3 (DRI 3). */
  pillow420Restarts:
    '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAUDBAQEAwUEBAQFBQUGBwwIBwcHBw8LCwkMEQ8SEhEPERETFhwXExQaFRERGCEYGh0dHx8f' +
    'ExciJCIeJBweHx7/2wBDAQUFBQcGBw4ICA4eFBEUHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4e' +
    'Hh7/wAARCAAdACUDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQID' +
    'AAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlq' +
    'c3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3' +
    '+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEI' +
    'FEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImK' +
    'kpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/90ABAAD/9oADAMBAAIR' +
    'AxEAPwDas9R+yYy3mb/wxitmxvmtmCofNMnIHTp/+uvObPUfsbfe37vfGMV0vh+/Wy3ndvL456Y6/wCfwr4vJsjWPxcKDdlL9Ff5bHxO' +
    'Cy/2Ub2ty/Plv+d/wO/tJJbLkukm8epHT8K0YL1tPbax3l/w/wD19a5C11D7F1YPv/DGP/11ek1AWcakkSFyMdsY/wD119rmfCOGoUJV' +
    'KN7r8f8AI+0yrBNNJq1vny3/ADv+B2cN+bNOCJA/4dKK5OG/FmnP7zf+GMf/AK6K+ZWX8yva59lHAezXLfl8rXt8z//Q8/tNQ+xY537x' +
    '9MYrd0rV20x92fMWTqOmMf8A6685tLqSyH9/d74/z1rXtLqSyIGd+/8ADGP/ANdceCpVMPVjVpP3l+P9fidWAy6KST0t8+W/53/A9Ttt' +
    'bgsxxNv3n0Ixj/8AXVwav9nKhW3qx47dP/115zZ3MlmOu/d74x/nNa9ncyWajnzN34YxX0uKzLE46n7OaST7XV/vbPtssyqFNrpb58t/' +
    'zv8Agd7BqH2NB8+/f+GMf/rorlYbp7FOR5m/8MY//XRXEsCnra59dHBRprl5uXyte3zP/9k=',
  /** Pillow quality 90, 4:2:2: Y 2x1, Cb and Cr 1x1. */
  pillow422:
    '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUV' +
    'DA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU' +
    'FBT/wAARCAAdACUDASEAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQID' +
    'AAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlq' +
    'c3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3' +
    '+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEI' +
    'FEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImK' +
    'kpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDq' +
    '9N8RDSCMuJ/M7n5cY/P1rq9K1xtNkVYz9oabkL93GPz9a/n3C4GeJqRpU1eU2kl59F8z8OyvCfVrNq/sfx5vyt87nZafcz6JyZEm8wY5' +
    'YjGPwPrW5aa0/h99jkSmTuPl6fnnrX6BmHCmMyumqtdxak7e627W73S3P1rJ6MaTSSv7L8eb8rfO5vW+vHR4+CJhJ3+7jH/66K8xYJ1V' +
    'z7H6bCP1GKw/Le3W9t9dte58O6b4i/sdh83m+Z77cY//AF13vg/X10YzHd5rSbcHptxn6/5FfU8F4RVM7w6a+Lm/CEv68j8HwWE+rUu/' +
    'svx5vyt87+R3Nj4g/sY8sJvM5PbGPz9a1ptfGjQxkkTGRhj+HGB+Pr+lfuXEOFVTL6118S+6zR+o5HhHhpx6+y/Hm/K3zLltrw0ePJ/f' +
    'eb3+7jH5+tFfiMcF7Vc5+twjLAxWHUea3XbfX9T4c0/xD/YpXnzfMH0xj8/Wux0Dxe3hqTdnz0m+8PukY79/WuzJK0svxtLFxV9dV5bN' +
    'fNN27H4bluB9jHl39l+PN+VvnfyO7sfGtto4GLjzfMPdSuMfh71qr4t/s9kVW8yOQ5B+6cj/APXX7Bn2c4PG4V0MHPmdTR6NWS9Ur32P' +
    '1XJculhWnJX9j+PN+Vvnc2LXxB/Y0Q+fzfMH+7jH5+tFfniwPtVz9z9ShH6jFYfl5uXrtvrt8z4h0/VZdGH/AD28zHfbjA/+vXUadqk2' +
    'jMoz5vm++3GPz9a46NGM/wDt79D8LyqjHDpdfZfjzflb53Op03UpdHHUzbx67cY//XXTabqM2jqPm87f77cY/P1r26NKM/8At79D9fyq' +
    'jHDNdfZfjzflb53Ogt9Vl0OMZHn+b77cY/P1or1lhoVVzvqfosZxwKWHtfl67b6+fc//2Q==',
  /** Pillow quality 95, 4:4:4, optimize=True (Huffman tables fitted to the image). */
  pillow444Optimized:
    '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAIBAQEBAQIBAQECAgICAgQDAgICAgUEBAMEBgUGBgYFBgYGBwkIBgcJBwYGCAsICQoKCgoK' +
    'BggLDAsKDAkKCgr/2wBDAQICAgICAgUDAwUKBwYHCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoK' +
    'Cgr/wAARCAAdACUDAREAAhEBAxEB/8QAFwABAQEBAAAAAAAAAAAAAAAABgcJBf/EAC8QAAEBBQYEBgIDAAAAAAAAAAECAwQGERIABRQh' +
    'MUEHEzKhIlFSYYGRFnFCkvD/xAAYAQEAAwEAAAAAAAAAAAAAAAAHBQYIAv/EADkRAAEBBAgDBQYFBQAAAAAAAAERAgMFEgAEBhMhMWGB' +
    'UYKRFCJBcZIHCCMyYnIWM1JjoUKDwfDx/9oADAMBAAIRAxEAPwCgQ3xDTCJSFPAesSNSaKadfMHW2LHMN7aVAlTfPpTGUMhH4WAwvLzl' +
    'SXrnNtquFAhaOW8Nt0MHRpjGj2ZpROiVI+RoddBK1gg9mq9aSIO6nU3RaekoyyEKk9EAQkk4AK0SAFojQ6FM2TZmbF4HnKkvqVV0PmuF' +
    'Mh+8b2goVqfWD1iEymWikyp36Tlnp7Wbj7v9rKwO8+csy/U8Of8AaFL1CXTiy7Q7peXmkqS7lVXZKKrqjR44ftcO8NA3U8EAEGgADy1q' +
    'nVvI5b6WosWslEYdEGqnXGJG2MQcw0Dk0ycFZKcOIIDQICrB4YxZtllpn4gecqS+pVm/3wWXdHaoQd5IWHkPJmDmiVP3PXtbl3DWq6zl' +
    'Knkc/OiLVYOLMu8ry88mUl9S/NpTK6G+If4e1ALcvHPkR4giinfeetot1DBXACiJvnxpjaFQf8LIovLzlSX1Ks2mXitK3wfj1hBpeWhb' +
    'But4DOleSCgCrIaznMf1FtTe7pCHVfbiT4uwG2A6AKKQGrwtAHMAlhkkDAoFxAS4Nwpqyt2PzLxfpSVPuVZ9MOK0qlxR/wDhh8TdLziA' +
    'Sozopp9swZ1H6tox/De3+Eqb5/8AKXOFQc2VIIF5ecqS+r9WmVET5HyIOcmLRbRL0XlqkIPRSEg6aznUPkWFva3CHVfgbh40yA0w9ABQ' +
    'Eo0y2oXDAyhfAoFyFF+zUIass8IIvA8H2pLhqvzaJvTpXdHrOEHcKaEPOJ0IJRTT9z17WC3MOFeZ4S759OFFWqwZuzDvui8vNJUl65rT' +
    'KuH+IIgopAWHjEp8qCkp+569t7RbmHduwRE3zpjiEwgWVTC8vOVJTzKs38a0pUA8XW3DR4DavFMnwANUiSCignMHOZ8Ryy7zCp7NrV1i' +
    'ysUaaLE1Xeyh6zgWiAsrTJwRplT3SZWgSChlaZv9Vs+LPsAJeNN4j+lJdMVVdCE8aVi5ONdyQggBF88/Eq3ZqRSEn9GfV2tptv2g2DiT' +
    'XdraJ+29OfIKXKEWarNlUEl5eahlJd2s5tESnfRxaMPrZsmLYtmTdU0mfLJKdyJH1f7YVtzaRm2lZ7NVRLV3RUEjFtrETYoWWQFlGaFW' +
    'kKBlcgFnzZBlWheF5h+mWXqqzbUSXVxBMHOyZvQb4kZZ0UhMyNj6rU53DBXxkib59OFEmrQUWYdAJeXnHupL1VV/jxplnD0U3hBiciXj' +
    'nkHqolIfPq7Wg3NTdV4jwTfPpwpjKEVJzZdpD8S85Ul9SqumVHcOxPeMGtEJCy8B5IynQE0j5n1drSriqOoh9Kb+O3CiPCqk5svn8S85' +
    'Ul9SquyUew3El4QemdZeeeB/KimWfv6u1pRzVnVfKIku+lEaFVN1ZX9y85Ul9SqtHMNxFeMHskktS88/TOimmf7nOdpZ1VHVdITupvn0' +
    '4USoPVHNl0CXl4n0pKn3L82mVGF3RS/QQ7CpIe8Ud1UU0gfufV2tKsVR1Xhjgn+SfLhRAcw91Zd2E+JecqS+pVm0p//Z',
  /** Pillow quality 90 of the image converted to L: one component. */
  pillowGray:
    '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUV' +
    'DA8XGBYUGBIUFRT/wAALCAAdACUBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9' +
    'AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZn' +
    'aGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP0' +
    '9fb3+Pn6/9oACAEBAAA/AOr03xENIIy4n8zuflxj8/Wur0rXG02RVjP2hpuQv3cY/P1rstPuZ9E5MiTeYMcsRjH4H1rctNafw++xyJTJ' +
    '3Hy9Pzz1ret9eOjx8ETCTv8Adxj/APXXw7pviL+x2Hzeb5nvtxj/APXXe+D9fXRjMd3mtJtwem3Gfr/kV3Nj4g/sY8sJvM5PbGPz9a1p' +
    'tfGjQxkkTGRhj+HGB+Pr+lXLbXho8eT++83v93GPz9a+HNP8Q/2KV583zB9MY/P1rsdA8Xt4ak3Z89JvvD7pGO/f1ru7HxrbaOBi483z' +
    'D3UrjH4e9aq+Lf7PZFVvMjkOQfunI/8A11sWviD+xoh8/m+YP93GPz9a+IdP1WXRh/z28zHfbjA/+vXUadqk2jMoz5vm++3GPz9a6nTd' +
    'Sl0cdTNvHrtxj/8AXXTabqM2jqPm87f77cY/P1roLfVZdDjGR5/m++3GPz9a/9k=',
  /** Pillow quality 90, 4:2:0, progressive=True (SOF2). */
  pillowProgressive:
    '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUV' +
    'DA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU' +
    'FBT/wgARCAAdACUDASIAAhEBAxEB/8QAGAAAAwEBAAAAAAAAAAAAAAAAAAUGBAf/xAAWAQEBAQAAAAAAAAAAAAAAAAAGBQT/2gAMAwEA' +
    'AhADEAAAAWraEfEyVtumNa1XVk0H1XDXMI0qn+ia4RnfW2hNmRN//8QAGhAAAgMBAQAAAAAAAAAAAAAAAQMAAhMEFP/aAAgBAQABBQJf' +
    'RlFPzK7FMq7zyr8QvoxnG/GU6MYX4ir8QvoxiOvzGnbVM9ecr0YhbSmLaUxbCmLYUyrSgf/EACARAAEDBAMBAQAAAAAAAAAAABEAAQQC' +
    'EqHRITFhInH/2gAIAQMBAT8BjxbGPQxsqFHc88DGymjWsDb52o0VvwY2VDhU0eDGymjtR8m3ztf/xAAgEQABBAEEAwAAAAAAAAAAAAAD' +
    'AAECBEEFERIUIYHx/9oACAECAQE/AaGnds8QvlXNDCITzH9TVd8KvCQZsQb+Ua2a1HhLb1lddnwv/8QAHBAAAwEAAgMAAAAAAAAAAAAA' +
    'ABFRASFBIjEy/9oACAEBAAY/AqzjyZ7bKysrN7ZWZ2ysrKz6bLmlZWVlKVn/xAAkEAACAQIGAQUAAAAAAAAAAAAAARExQSFRcYGh8WGR' +
    'scHR4f/aAAgBAQABPyHP8QxSxLaFjaw9ofsHSROrwCasobGcLzq0OkjAg+Smux8QIFIkn6AvHAdBDJfQa52FVcex+Aj/2gAMAwEAAgAD' +
    'AAAAEJgAIbTf/8QAHxEAAQMEAwEAAAAAAAAAAAAAAQAhMRFhofBBUYHB/9oACAEDAQE/EINlfpZAAAyP0sqVE6M95rKHABGR+lkSB+j9' +
    'LIAIXRnvNZX/xAAdEQEAAQUBAQEAAAAAAAAAAAABEQAhMVFhcaHw/9oACAECAQE/ECWQTl2Ar5ipcxL3ZhrkVAm7uKisHDv9h2VAwDmC' +
    'eLrAfaCTd3Ff/8QAIhAAAgEEAgMAAwAAAAAAAAAAAREAIUFRkTGBcaHxYeHw/9oACAEBAAE/EAGGOY8FvMMByBYW8yrlIqkEujmOuDuG' +
    'G3zCUCAusX2IPaoX2FSsg8UPz/CM1DkNkt5gTCQQFgh3n1BMPlsW8xqql4S3mV0tnIK98wMFVXJF1+ZVIDB5MfYjtui3mB/BehD9wSPv' +
    'oW8wFyU5oX2BHs0LeYGMd9C3mf/Z',
};
