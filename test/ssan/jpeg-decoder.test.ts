/**
 * The fast baseline decoder (jpeg-decoder.ts) against jpeg-js: byte-identical RGB on the synthetic training
 * frames, on the project's encoder and jpeg-js's encoder at many sizes and qualities, on ffmpeg-written 4:2:0
 * and 4:2:2-style files, and on streams from a test-only writer that covers what those encoders never write
 * (grayscale, every sampling combination up to 3x3, restart markers, 16-bit quantisation tables with overflowing
 * products, random Huffman tables with long codes, separate DHT segments, COM/APP/Adobe segments, SOF1).
 * Other kinds (progressive) and damaged files go to jpeg-js: where the fast decoder answers at all, jpeg-js
 * answers the same.
 */
import fs from 'fs';
import path from 'path';
import fc from 'fast-check';
import * as jpegJs from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeJpeg, encodeJpeg } from '../../src/ssan/data/jpeg';
import { buildHuffmanTable, decodeBaselineJpeg } from '../../src/ssan/data/jpeg-decoder';
import type { RgbImage } from '../../src/ssan/data/types';

function reference(bytes: Uint8Array): Uint8Array {
  return jpegJs.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 512 }).data;
}

/** The fast decoder handles  itself and gives jpeg-js's bytes. */
function expectFastAndIdentical(bytes: Uint8Array, what: string): void {
  const fast = decodeBaselineJpeg(bytes);
  expect(fast, `${what}: fast decoder declined`).not.toBeNull();
  const slow = reference(bytes);
  expect(fast!.data.length, what).toBe(slow.length);
  expect(Buffer.compare(Buffer.from(fast!.data), Buffer.from(slow)), `${what}: bytes differ`).toBe(0);
}

/** Deterministic pseudo-random numbers for image content. */
function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function randomImage(width: number, height: number, seed: number, noise: number): RgbImage {
  const rand = lcg(seed);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const v = 128 + 100 * Math.sin((x + 5 * c) / 5 + seed) * Math.cos(y / 7 - c) + noise * (rand() - 0.5);
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return { width, height, data };
}

// ---------------------------------------------------------------------------------------------------
// A test-only baseline writer: random quantised coefficients, any sampling, restarts, random Huffman tables

interface Code { code: number; length: number }
interface Table { counts: number[]; symbols: number[]; codes: Map<number, Code> }

/** A random canonical Huffman table over `symbols` (lengths 1..16, never complete, as jpeg-js requires). */
function randomTable(symbols: number[], rand: () => number, maxLength: number): Table {
  const order = [...symbols];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const counts = new Array(16).fill(0);
  let used = 0; // in units of 2^-16 of the code space
  let length = 1;
  for (let i = 0; i < order.length; i++) {
    const remaining = order.length - i - 1;
    let candidate = Math.min(length + (rand() < 0.7 ? 0 : 1), maxLength);
    // Keep room for the remaining symbols at maxLength, plus one unused code so that the code is never complete.
    while (65536 - used - (1 << (16 - candidate)) < (remaining + 1) * (1 << (16 - maxLength))) {
      if (++candidate > maxLength) throw new Error('table does not fit');
    }
    length = candidate;
    used += 1 << (16 - candidate);
    counts[length - 1]++;
  }
  const codes = new Map<number, Code>();
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    for (let i = 0; i < counts[l - 1]; i++) codes.set(order[k++], { code: code++, length: l });
    code <<= 1;
  }
  return { counts, symbols: order, codes };
}

class BitWriter {
  bytes: number[] = [];
  private acc = 0;
  private n = 0;
  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }
  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0);
    this.acc = 0;
    this.n = 0;
  }
  pad(): void {
    while (this.n !== 0) this.write(1, 1);
  }
  raw(...bytes: number[]): void {
    this.bytes.push(...bytes);
  }
}

interface WriterSpec {
  width: number;
  height: number;
  /** Sampling factors per component (1 or 3 components). */
  sampling: Array<[number, number]>;
  restartInterval: number;
  quant16: boolean;
  /** Largest quantisation value (up to 65535 with quant16: products then overflow Int32 as in jpeg-js). */
  maxQuant: number;
  /** Largest |AC coefficient| (up to 1023) and the share of non-zero ones. */
  maxAc: number;
  density: number;
  separateDht: boolean;
  extras: boolean;
  adobeTransform: number | null;
  sof: number;
  seed: number;
}

function category(v: number): number {
  let a = Math.abs(v);
  let s = 0;
  while (a > 0) {
    s++;
    a >>= 1;
  }
  return s;
}

function writeTestJpeg(spec: WriterSpec): Uint8Array {
  const rand = lcg(spec.seed);
  const nc = spec.sampling.length;
  const out: number[] = [0xff, 0xd8];
  const segment = (marker: number, body: number[]) => out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);
  if (spec.extras) {
    segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
    segment(0xfe, [...Buffer.from('test writer')]);
  }
  if (spec.adobeTransform !== null) segment(0xee, [0x41, 0x64, 0x6f, 0x62, 0x65, 0, 100, 0, 0, 0, 0, spec.adobeTransform]);
  const quant: number[][] = [];
  for (let t = 0; t < nc; t++) {
    const q: number[] = [];
    for (let i = 0; i < 64; i++) q.push(1 + Math.floor(rand() * spec.maxQuant));
    quant.push(q); // zig-zag order, as DQT stores it
    segment(0xdb, spec.quant16 ? [0x10 | t, ...q.flatMap((v) => [v >> 8, v & 0xff])] : [t, ...q]);
  }
  const dcSymbols = [...Array(12).keys()];
  const acSymbols = [0x00, 0xf0];
  for (let r = 0; r < 16; r++) for (let s = 1; s <= 10; s++) acSymbols.push((r << 4) | s);
  const dcTables: Table[] = [];
  const acTables: Table[] = [];
  const dhtBodies: number[][] = [];
  for (let t = 0; t < Math.min(nc, 2); t++) {
    const dc = randomTable(dcSymbols, rand, rand() < 0.5 ? 16 : 9);
    const ac = randomTable(acSymbols, rand, 16);
    dcTables.push(dc);
    acTables.push(ac);
    dhtBodies.push([t, ...dc.counts, ...dc.symbols], [0x10 | t, ...ac.counts, ...ac.symbols]);
  }
  if (spec.separateDht) for (const body of dhtBodies) segment(0xc4, body);
  else segment(0xc4, dhtBodies.flat());
  const ids = [1, 2, 3].slice(0, nc);
  segment(spec.sof, [8, spec.height >> 8, spec.height & 0xff, spec.width >> 8, spec.width & 0xff, nc,
    ...spec.sampling.flatMap(([h, v], i) => [ids[i], (h << 4) | v, i])]);
  if (spec.restartInterval > 0) segment(0xdd, [spec.restartInterval >> 8, spec.restartInterval & 0xff]);
  const tableOf = (i: number) => Math.min(i, 1);
  segment(0xda, [nc, ...ids.flatMap((id, i) => [id, (tableOf(i) << 4) | tableOf(i)]), 0, 63, 0]);

  const maxH = Math.max(...spec.sampling.map(([h]) => h));
  const maxV = Math.max(...spec.sampling.map(([, v]) => v));
  const bits = new BitWriter();
  const pred = new Array(nc).fill(0);
  const writeBlock = (c: number) => {
    const dcTable = dcTables[tableOf(c)];
    const acTable = acTables[tableOf(c)];
    const dc = Math.floor(rand() * 2048) - 1024;
    const diff = dc - pred[c];
    pred[c] = dc;
    const t = category(diff);
    const dcCode = dcTable.codes.get(t)!;
    bits.write(dcCode.code, dcCode.length);
    if (t > 0) bits.write(diff < 0 ? diff + (1 << t) - 1 : diff, t);
    let run = 0;
    let last = 0;
    const ac: number[] = [];
    for (let k = 1; k < 64; k++) {
      const v = rand() < spec.density ? Math.round((rand() * 2 - 1) * spec.maxAc) : 0;
      ac.push(v);
      if (v !== 0) last = k;
    }
    for (let k = 1; k <= last; k++) {
      const v = ac[k - 1];
      if (v === 0) {
        run++;
        continue;
      }
      while (run >= 16) {
        const zrl = acTable.codes.get(0xf0)!;
        bits.write(zrl.code, zrl.length);
        run -= 16;
      }
      const s = category(v);
      const code = acTable.codes.get((run << 4) | s)!;
      bits.write(code.code, code.length);
      bits.write(v < 0 ? v + (1 << s) - 1 : v, s);
      run = 0;
    }
    if (last < 63) {
      const eob = acTable.codes.get(0)!;
      bits.write(eob.code, eob.length);
    }
  };
  let units: number;
  let writeUnit: (n: number) => void;
  if (nc === 1) {
    const [h, v] = spec.sampling[0];
    units = Math.ceil((Math.ceil(spec.width / 8) * h) / maxH) * Math.ceil((Math.ceil(spec.height / 8) * v) / maxV);
    writeUnit = () => writeBlock(0);
  } else {
    units = Math.ceil(spec.width / 8 / maxH) * Math.ceil(spec.height / 8 / maxV);
    writeUnit = () => {
      for (let c = 0; c < nc; c++) for (let b = 0; b < spec.sampling[c][0] * spec.sampling[c][1]; b++) writeBlock(c);
    };
  }
  let restarts = 0;
  for (let n = 0; n < units; n++) {
    if (spec.restartInterval > 0 && n > 0 && n % spec.restartInterval === 0) {
      bits.pad();
      bits.raw(0xff, 0xd0 + (restarts++ % 8));
      pred.fill(0);
    }
    writeUnit(n);
  }
  bits.pad();
  out.push(...bits.bytes, 0xff, 0xd9);
  return Uint8Array.from(out);
}

/**
 * A single-component frame with vertical sampling > 1 whose last restart interval is partial: jpeg-js then reads
 * past the last block into padding rows it allocated, which the fast decoder does not copy (it declines).
 */
function declinedByDesign(spec: WriterSpec): boolean {
  if (spec.sampling.length !== 1 || spec.restartInterval === 0) return false;
  const [, v] = spec.sampling[0];
  const blocksPerLine = Math.ceil(spec.width / 8);
  const blocksPerColumn = Math.ceil(spec.height / 8);
  const mcusPerColumn = Math.ceil(spec.height / 8 / v);
  return (blocksPerLine * blocksPerColumn) % spec.restartInterval !== 0 && mcusPerColumn * v > blocksPerColumn;
}

const baseSpec: WriterSpec = {
  width: 33, height: 21, sampling: [[2, 2], [1, 1], [1, 1]], restartInterval: 0, quant16: false, maxQuant: 60,
  maxAc: 200, density: 0.3, separateDht: false, extras: true, adobeTransform: null, sof: 0xc0, seed: 1,
};

// ---------------------------------------------------------------------------------------------------

const SYNTHETIC = path.join(__dirname, '../../data/synthetic-sth/20bn-something-something-v1');

describe('decodeBaselineJpeg is byte-identical to jpeg-js', () => {
  it('on the synthetic training frames (or generated stand-ins when the set is absent)', () => {
    const frames: Uint8Array[] = [];
    if (fs.existsSync(SYNTHETIC)) {
      for (const video of fs.readdirSync(SYNTHETIC).sort().slice(0, 40)) {
        const dir = path.join(SYNTHETIC, video);
        for (const f of fs.readdirSync(dir).sort()) frames.push(fs.readFileSync(path.join(dir, f)));
      }
    } else {
      for (let i = 0; i < 200; i++) frames.push(encodeJpeg(randomImage(48, 48, i, 40), 90));
    }
    expect(frames.length).toBeGreaterThan(100);
    frames.forEach((bytes, i) => expectFastAndIdentical(bytes, `frame ${i}`));
  });

  it("on the project's encoder at many sizes and qualities", () => {
    const sizes: Array<[number, number]> = [[1, 1], [7, 5], [17, 33], [48, 48], [64, 40], [8, 8], [9, 1], [1, 9], [31, 17], [100, 3]];
    for (const [w, h] of sizes) {
      for (const quality of [1, 10, 50, 75, 90, 100]) {
        for (const noise of [0, 60]) {
          expectFastAndIdentical(encodeJpeg(randomImage(w, h, w * 31 + h, noise), quality), `${w}x${h} q${quality}`);
        }
      }
    }
  });

  it("on the project's encoder, random sizes, content and qualities (fast-check)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 255 }), (w, h, quality, seed, noise) => {
          expectFastAndIdentical(encodeJpeg(randomImage(w, h, seed, noise), quality), `${w}x${h} q${quality} seed ${seed}`);
        }),
      { numRuns: 150 },
    );
  });

  it("on jpeg-js's own encoder (4:4:4) at several qualities", () => {
    for (const [w, h] of [[1, 1], [13, 7], [48, 48], [40, 64]]) {
      for (const quality of [5, 50, 90, 100]) {
        const rgb = randomImage(w, h, w + h, 30);
        const rgba = Buffer.alloc(w * h * 4, 255);
        for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) rgba[i * 4 + c] = rgb.data[i * 3 + c];
        const bytes = jpegJs.encode({ width: w, height: h, data: rgba }, quality).data;
        expectFastAndIdentical(new Uint8Array(bytes), `jpeg-js encoder ${w}x${h} q${quality}`);
      }
    }
  });

  it('on ffmpeg-written files (libavcodec mjpeg: Y 2x2 with chroma 1x1 and 1x2, 37x29)', () => {
    for (const [name, b64] of Object.entries(FFMPEG_FILES)) expectFastAndIdentical(Buffer.from(b64, 'base64'), name);
  });

  it('on written streams: grayscale, restart markers, 16-bit DQT, SOF1, Adobe, separate DHT segments', () => {
    const cases: Array<Partial<WriterSpec>> = [
      { sampling: [[1, 1]] },
      { sampling: [[1, 1]], restartInterval: 1 },
      { sampling: [[1, 1]], restartInterval: 4, width: 41, height: 9 },
      { sampling: [[2, 2]], width: 19, height: 23 },
      { restartInterval: 1 },
      { restartInterval: 3, width: 70, height: 45 },
      { sampling: [[1, 1], [1, 1], [1, 1]], restartInterval: 7, width: 48, height: 48 },
      { quant16: true, maxQuant: 65535, maxAc: 1023, density: 0.5 },
      { quant16: true, maxQuant: 300 },
      { sof: 0xc1 },
      { adobeTransform: 0 },
      { adobeTransform: 1, sampling: [[1, 1], [1, 1], [1, 1]] },
      { separateDht: true, extras: false },
      { sampling: [[2, 1], [1, 1], [1, 1]] },
      { sampling: [[1, 2], [1, 1], [1, 1]] },
      { sampling: [[3, 1], [1, 1], [1, 1]], width: 50 },
      { sampling: [[1, 1], [2, 2], [1, 1]] },
      { sampling: [[3, 3], [2, 1], [1, 2]], width: 61, height: 40 },
      { density: 0, maxAc: 0 },
      { width: 1, height: 1 },
    ];
    cases.forEach((c, i) => expectFastAndIdentical(writeTestJpeg({ ...baseSpec, ...c, seed: i + 1 }), `case ${i} ${JSON.stringify(c)}`));
  });

  it('on written streams with random sampling, restarts, tables and content (fast-check)', () => {
    const factor = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }));
    fc.assert(
      fc.property(
        fc.record({
          width: fc.integer({ min: 1, max: 60 }),
          height: fc.integer({ min: 1, max: 60 }),
          sampling: fc.oneof(fc.tuple(factor).map((s) => s as Array<[number, number]>), fc.tuple(factor, factor, factor)),
          restartInterval: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6 })),
          quant16: fc.boolean(),
          maxQuant: fc.integer({ min: 1, max: 255 }),
          maxAc: fc.integer({ min: 0, max: 1023 }),
          density: fc.double({ min: 0, max: 1, noNaN: true }),
          separateDht: fc.boolean(),
          extras: fc.boolean(),
          adobeTransform: fc.constantFrom(null, 0, 1, 2),
          sof: fc.constantFrom(0xc0, 0xc1),
          seed: fc.integer({ min: 1, max: 1 << 30 }),
        }),
        (spec) => {
          const bytes = writeTestJpeg(spec);
          if (declinedByDesign(spec)) expect(decodeBaselineJpeg(bytes)).toBeNull();
          else expectFastAndIdentical(bytes, JSON.stringify(spec));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('Huffman tables', () => {
  // jpeg-js's own tree builder, taken from its source, decides which tables are usable and what they mean.
  const source = fs.readFileSync(require.resolve('jpeg-js/lib/decoder.js'), 'utf8');
  const start = source.indexOf('function buildHuffmanTable(');
  const end = source.indexOf('function decodeScan(');
  const jpegJsBuild = new Function(`${source.slice(start, end)}; return buildHuffmanTable;`)() as (
    lengths: Uint8Array, values: Uint8Array) => unknown[];

  it("accepts exactly the tables jpeg-js's tree builder accepts, with the same codes", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 16, maxLength: 16 }), fc.integer({ min: 1, max: 16 }), (counts, cut) => {
        const lengths = Uint8Array.from(counts.map((c, i) => (i < cut ? c : 0)));
        const total = lengths.reduce((a, b) => a + b, 0);
        const values = Uint8Array.from({ length: total }, (_, i) => i & 255);
        let tree: unknown[] | null;
        try {
          tree = jpegJsBuild(lengths, values);
        } catch {
          tree = null;
        }
        const ours = buildHuffmanTable(Uint8Array.from([...lengths, ...values]));
        expect(ours === null).toBe(tree === null);
        if (ours === null || tree === null) return;
        // Every canonical code leads to its value in jpeg-js's tree, and the tree has no other leaves.
        let k = 0;
        let code = 0;
        for (let l = 1; l <= 16; l++) {
          for (let i = 0; i < lengths[l - 1]; i++, k++, code++) {
            let node: unknown = tree;
            for (let b = l - 1; b >= 0; b--) node = (node as unknown[])[(code >> b) & 1];
            expect(node).toBe(values[k]);
          }
          code <<= 1;
        }
        const leaves = (node: unknown): number =>
          typeof node === 'number' ? 1 : Array.isArray(node) ? node.reduce((a: number, n: unknown) => a + leaves(n), 0) : 0;
        expect(leaves(tree)).toBe(total);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('what the fast decoder leaves to jpeg-js', () => {
  /** A tiny progressive JPEG: SOF2, a DC first scan and an AC first scan per component, all blocks zero. */
  function progressiveJpeg(): Uint8Array {
    const out: number[] = [0xff, 0xd8];
    const segment = (marker: number, body: number[]) => out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);
    segment(0xdb, [0, ...new Array(64).fill(1)]);
    segment(0xc2, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]);
    // DC table: one code '0' for category 0; AC table: '0' for EOB0.
    segment(0xc4, [0x00, 1, ...new Array(15).fill(0), 0, 0x10, 1, ...new Array(15).fill(0), 0]);
    segment(0xda, [1, 1, 0x00, 0, 0, 0]);
    out.push(0x7f); // one '0' bit (DC diff category 0), padded with ones
    segment(0xda, [1, 1, 0x00, 1, 63, 0]);
    out.push(0x7f); // EOB run of 1
    out.push(0xff, 0xd9);
    return Uint8Array.from(out);
  }

  it('progressive: declined, and decodeJpeg gives what jpeg-js gives', () => {
    const bytes = progressiveJpeg();
    expect(decodeBaselineJpeg(bytes)).toBeNull();
    const viaJpegJs = reference(bytes);
    expect(Array.from(viaJpegJs.slice(0, 6))).toEqual([128, 128, 128, 128, 128, 128]);
    expect(Buffer.compare(Buffer.from(decodeJpeg(bytes).data), Buffer.from(viaJpegJs))).toBe(0);
  });

  it('progressive with a bad scan: jpeg-js\'s own error, naming the source', () => {
    const bytes = progressiveJpeg();
    const broken = bytes.slice(0, bytes.length - 2); // no EOI: jpeg-js finds no marker after the last scan
    expect(decodeBaselineJpeg(broken)).toBeNull();
    expect(() => decodeJpeg(broken, 'prog.jpg')).toThrow(/decodeJpeg: prog.jpg is not a readable JPEG/);
  });

  it('arithmetic coding (SOF9), 12-bit and 4-component frames are declined', () => {
    const good = writeTestJpeg({ ...baseSpec, sampling: [[1, 1], [1, 1], [1, 1]] });
    const sof = good.findIndex((b, i) => b === 0xff && good[i + 1] === 0xc0);
    const sof9 = good.slice();
    sof9[sof + 1] = 0xc9;
    expect(decodeBaselineJpeg(sof9)).toBeNull();
    const twelve = good.slice();
    twelve[sof + 4] = 12;
    expect(decodeBaselineJpeg(twelve)).toBeNull();
  });

  it('truncated or corrupt input: an error naming the source', () => {
    const bytes = encodeJpeg(randomImage(48, 48, 3, 40), 90);
    expect(() => decodeJpeg(bytes.slice(0, bytes.length - 200), 'frames/00007.jpg')).toThrow(/frames\/00007\.jpg/);
    expect(() => decodeJpeg(bytes.slice(0, 300), 'frames/00007.jpg')).toThrow(/decodeJpeg: frames\/00007\.jpg is not a readable JPEG/);
    expect(() => decodeJpeg(Uint8Array.from([1, 2, 3]), 'x.jpg')).toThrow(/x\.jpg/);
  });

  it('damaged files (truncated, bytes changed, inserted, removed): where the fast decoder answers, jpeg-js answers the same', () => {
    const sources = [
      encodeJpeg(randomImage(24, 16, 5, 40), 80),
      writeTestJpeg({ ...baseSpec, width: 20, height: 18, restartInterval: 2 }),
      writeTestJpeg({ ...baseSpec, sampling: [[1, 1]], restartInterval: 3, width: 30, height: 12 }),
    ];
    let answered = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sources.length - 1 }), fc.integer({ min: 0, max: 3 }), fc.nat(), fc.integer({ min: 0, max: 255 }),
        (which, kind, where, byte) => {
          const original = sources[which];
          const at = where % original.length;
          let bytes: Uint8Array;
          if (kind === 0) bytes = original.slice(0, at);
          else if (kind === 1) (bytes = original.slice())[at] = byte;
          else if (kind === 2) bytes = Uint8Array.from([...original.slice(0, at), byte, ...original.slice(at)]);
          else bytes = Uint8Array.from([...original.slice(0, at), ...original.slice(at + 1)]);
          const fast = decodeBaselineJpeg(bytes);
          if (fast === null) return;
          answered++;
          const slow = reference(bytes); // throws (failing the property) if jpeg-js rejects what the fast decoder accepted
          expect(Buffer.compare(Buffer.from(fast.data), Buffer.from(slow))).toBe(0);
        }),
      { numRuns: 3000 },
    );
    expect(answered).toBeGreaterThan(100);
  });
});

/** Two 37x29 files written by ffmpeg 6 (`-pix_fmt yuvj420p` and `yuvj422p`, `-q:v 3`) from its testsrc pattern. */
const FFMPEG_FILES: Record<string, string> = {
  s420: '/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgGBgcGBwgICAgICAkJCQoKCgkJCQkKCgoKCgoMDAwKCgoKCgoKDAwMDA0ODQ0NDA0ODg8PDxISEREVFRUZGR//xACKAAEAAwEBAAAAAAAAAAAAAAAGBwQFAwgBAAMBAQEAAAAAAAAAAAAAAAQGBQMCBxAAAgIBAwMCAQYPAQAAAAAAAQIDBBESAAUGBxMhMVFSNnVBtMODhJSTVVQXRRQiFiQyRNPUEQACAQMEAgICAwEAAAAAAAABAgMFBBEhABIGIjEjExQyQlEHUv/AABEIAB0AJQMBIgACEQADEQD/2gAMAwEAAhEDEQA/AIq7fcXNy/MvXiIT+1d5Hb2SMSxAtjILHJACj3J9SBk7b9Z1Y6FS1UiL+KEVwgdixyzQszfDLMSxwAM+wA3q9l+Nhi6T5TkQ0nms81FUdSV8Yjp0jLGVGnUHLW5A5LEEBcAYOaPcD94/i33O2rpFlbi/S6KBpmIUOwBKASIMJ/znJyRqfXrfdCr19d1irUWR1/Bses1G7iiCjW6meBTOxOTzWN2jQjHFGYD9jtf2R+bVz6Wm+yVN5tzmTwdqtJ4w8U+sWFAUOwTRpdW9P5k1HAJ0kEg49CNLsj82rn0tN9kqbMdW/wCn+G+735XXrqez/wBJ7FLBI0bi+Po6EfUTxYemU41B02PZ0qzrvYur0u+j+60vYKxFPFyZeaix+xdQRqkqJIh/jIisNQN+geIlSfjKEsZ1JJUrujYIyrRKQcEAjIP1jO7u417H8lNe6WtQSLGF4/muRqQlAwZo3dLZMmWYF/JacAqFGgKMZyTJW2kOZAHPtvI49ZOu93tks3a2QsyQExKWxyKxniC2ABnA1wNwL2lo8jR4K5xU5qGKS+l+u8RlL6mrmGdZiyquMRwGIIuc+TU3tvn1h01c5J7SRSV1M/i062kAHj8edWmNvknGM7izo/qDma95vHyV5QkJYJ/EzFMiSPGYyxQ/DBBBHodtOouev3KE9xZ568hEPpFNKoVg8aMUIYFQ5BOM/Xgk++yOqXPbpKsbWyloaiPhJi4jvCxRpF15J46HH9bIn65dwT39d66FVbuj39rM9TcMi28LQGSNY4AJBO4wY38o8K3LBxll0VMvb/gp4OTBnaS7JYBpYkXQ0ECAHzGA6sxn0xjGPXYrkebrc+0K1kmQxGUN5lRc6io9NDyfJPw247SKvNdO2n5MDkWXk5kDXQLLBBWrEIDNrIXLE49sk7rVOnOOlsxzCvDEsGWMUUSRrK7kaTKUA1KuknSf8ifX0yDPuYeqXfcqtb38Vbetvd8Z2tJLRaeZfqYsYhL8wQLk+XluDSK0/W6tQ6pXnhzaRVOS2NlHKycfxCsiTI3mzupCRcSFDkFyFyd9e3vVnCdD8NNSsRclNatchbvWGiSs8AeZgkawl5YHCivFFrDqT5deDpxtZ+2Dp/8AVeV/M1f/AF7R0em+Ckp1WfiOMdmgiJZqNYkkoMkkx5JO7H9L9P8A6G4r8gq/8t7TxSJK6wOBEp4oHGWwNPIjTO3MX/VLoC4/Dqzfd8uTNCp+Tz/VSQMZx73/AP/Z',
  s422: '/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgGBgcGBwgICAgICAkJCQoKCgkJCQkKCgoKCgoMDAwKCgoKCgoKDAwMDA0ODQ0NDA0ODg8PDxISEREVFRUZGR//xACZAAEAAwEBAAAAAAAAAAAAAAAGBwQFAwgBAAMBAQEBAAAAAAAAAAAAAAQFBgcCAQMQAAICAQMDAgEGDwEAAAAAAAECAwQREgAFBgcTITFRUjZ1QbTDg4SUk1VUF0UUIhYkMkTT1BEAAgIBAwMBBAYLAQAAAAAAAgEDBAUGABExIRITBxQicmGzUUEzNrGyMoF0dnM0cbXDN//AABEIAB0AJQMBIgACEgADEgD/2gAMAwEAAhEDEQA/AIq7fcXNy/MvXiIT+1d5Hb2SMSxAtjILHJACj3J9SBk7b9Z1Y6FS1UiL+KEVwgdixyzQszfDLMSxwAM+wA3q9l+Nhi6T5TkQ0nms81FUdSV8Yjp0jLGVGnUHLW5A5LEEBcAYOaPcD94/i33O6LQ+MjLMK9IAEQ+AwNpNxvyFHIPXxJomHK4fj5Lo9sNE/jRfN/1DbXGajitlZ06MQH7lgcvlJZDjTcdmRx1oPRIl5AQ15Z0ZB2IZ0PPZrc1pn846k/lC59ZW2v7I/Nq59LTfZKm825zJ4O1Wk8YeKfWLCgKHYJo0uren8yajgE6SCQcehGl2R+bVz6Wm+yVNmOrf9P8ADfd7ynK5CXGe07UM0ZGh9+8ZQFtKSJx8lGS6NcpEk+yIRLqth6o/9E1H/HP6kt+WcG9T5HBYT1jgHI08xEyEzEGcVQbNf1kH7cQWoIZSB9n4L7+NudN/nTRfy5j/AFx79A8RKk/GUJYzqSSpXdGwRlWiUg4IBGQfrGd3dxr2P5Ka90tagkWMLx/NcjUhKBgzRu6WyZMswL+S04BUKNAUYzkmSt2JEjJkPdE20/ofdb+cX4YfKP6NhwQSVoYoJR8ZIgGMx5T8TAUJLkW0+GuqbWzL/wDeWf68v673AvaWjyNHgrnFTmoYpL6X67xGUvqauYZ1mLKq4xHAYgi5z5NTe2+fWHTVzkntJFJXUz+LTraQAePx51aY2+ScYzuLOj+oOZr3m8fJXlCQlgn8TMUyJI8ZjLFD8MEEEeh206i56/coT3FnnryEQ+kU0qhWDxoxQhgVDkE4z9eCT776077TMNib4Vpq+RIxNcuOKux7yC+pWRf3fZs/RWLxVnUUkM+Mx86cMcqKWpXMhIZoxfDKNv4kff8AxtXkIS0Fn8xkck1PDcwc+MjGnycinlOFozUygFRfA+WiZdPh3bjgamZwE+XvpXJoaOVgYWhVgDI/TlisNS+aU1f0SGM0vLxlJc9Nsuipl7f8FPByYM7SXZLANLEi6GggQA+YwHVmM+mMYx67Fcjzdbn2hWskyGIyhvMqLnUVHpoeT5J+G3HaRV5rp20/Jgciy8nMga6BZYIK1YhAZtZC5YnHtkndap05x0tmOYV4YlgyxiiiSNZXcjSZSgGpV0k6T/kT6+mQQLPs5y+otQZbUdWxj46d2x60cc8k42BFxseDAK8kafP2SEvp2vkyeUH2k5bFw5LIV6Ed4kFOC1PHWEI65yemEASDGItjxwIrcZoPL181qbTt6uMoRY338ZhlQoydqqUAekhMxfBPkvIh4XTnpue1Bky0gOLuYyKKuZ18lG1EIxC5JoBhjnIQFCZ1yl9aLzT4MVvr296s4TofhpqViLkprVrkLd6w0SVngDzMEjWEvLA4UV4otYdSfLrwdONrP2wdP/qvK/mav/r2jo9N8FJTqs/EcY7NBESzUaxJJQZJJjySd2P6X6f/AENxX5BV/wCWybMzoylWMURRcA2Jdm0l05FPjZc/xSyMu7Zly33b7/bvYpPZ7csySTO5XD1JDPxQyFwiNtd+B78de3XcRVyd+atBJJctSGUMTIznlIifgu7Jk2/37//Z',
};
