/**
 * A fast decoder for baseline (SOF0) and 8-bit extended sequential Huffman (SOF1) JPEGs whose output is
 * byte-identical to jpeg-js's (node_modules/jpeg-js/lib/decoder.js, 0.4.x) for the options decodeJpeg uses
 * (RGB, no `colorTransform` option).
 *
 * Why: jpeg-js reads the entropy-coded data one bit at a time through closures and walks a Huffman tree per
 * symbol, which is most of its 0.27 ms per 48x48 training frame. Here Huffman symbols are looked up 9 bits at a
 * time (a canonical-code slow path for longer codes), bits come from a 32-bit accumulator, and all working
 * buffers are reused across calls.
 *
 * Exactness: everything after the entropy decoding copies jpeg-js's arithmetic: its dequantisation and integer
 * IDCT (a port of poppler's, with Int32Array storage so that overflow wraps the same way), its mapping of
 * (possibly subsampled) component samples to output pixels (the same floating-point index expression), its
 * YCbCr->RGB formula in doubles, clamped and truncated on the store into a Uint8Array. For the options
 * decodeJpeg passes, jpeg-js converts every 3-component image from YCbCr (its Adobe APP14 `transformCode` can
 * only force the conversion on, which is already the default), so the Adobe segment changes nothing here.
 *
 * Scope: `decodeBaselineJpeg` returns null, and the caller must use jpeg-js, for anything it does not handle
 * exactly as jpeg-js does: progressive, arithmetic, lossless, hierarchical or 12-bit frames, 2 or 4
 * components, more than one scan, tables redefined after the scan, a restart marker or end of scan not where
 * a well-formed stream puts it, a Huffman code not in the table, truncated data, fill bytes, unknown markers,
 * more than 2^24 pixels, and every other irregularity. On those inputs jpeg-js either decodes in its own
 * (sometimes tolerant) way or throws its own error, so returning null keeps both its output and its errors.
 */
import type { RgbImage } from './types';

// ---------------------------------------------------------------------------------------------------
// Tables

/** Zig-zag position k -> natural (row-major) index; the same table as jpeg-js's dctZigZag. */
const ZIGZAG = new Int32Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
  28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
  54, 47, 55, 62, 63,
]);

const FAST_BITS = 9;

/** A Huffman table: a 9-bit lookup ((length << 8) | symbol, 0 for longer or invalid codes) and a canonical slow path. */
interface HuffmanTable {
  /** The DHT bytes (16 counts then the symbols) the table was built from, to reuse it when they repeat. */
  raw: Uint8Array;
  lookup: Uint16Array;
  /** maxCode[l]: the largest code of length l, -1 when none. */
  maxCode: Int32Array;
  /** valueOffset[l]: index into `values` of a code of length l, minus that code. */
  valueOffset: Int32Array;
  values: Uint8Array;
}

/**
 * Builds the canonical Huffman code of a DHT entry, or null when jpeg-js's tree construction
 * (buildHuffmanTable) would throw: an over-subscribed table, or one whose last code is all ones (a complete
 * code tree, which its construction rejects).
 */
export function buildHuffmanTable(raw: Uint8Array): HuffmanTable | null {
  const lookup = new Uint16Array(1 << FAST_BITS);
  const maxCode = new Int32Array(18).fill(-1);
  const valueOffset = new Int32Array(18);
  const values = raw.subarray(16);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    const count = raw[length - 1];
    if (count > 0) {
      valueOffset[length] = k - code;
      for (let i = 0; i < count; i++, k++, code++) {
        if (code >= 1 << length) return null;
        if (code === (1 << length) - 1) return null; // all ones: jpeg-js's tree builder throws
        if (length <= FAST_BITS) {
          const shift = FAST_BITS - length;
          const entry = (length << 8) | values[k];
          for (let j = code << shift, end = (code + 1) << shift; j < end; j++) lookup[j] = entry;
        }
      }
      maxCode[length] = code - 1;
    }
    code <<= 1;
  }
  return { raw, lookup, maxCode, valueOffset, values };
}

/** The last tables built per (class, id) slot: every frame of a dataset carries the same DHT segments. */
const huffmanCache = new Map<number, HuffmanTable>();

function cachedHuffmanTable(slot: number, data: Uint8Array, start: number, length: number): HuffmanTable | null {
  const cached = huffmanCache.get(slot);
  if (cached !== undefined && cached.raw.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (cached.raw[i] !== data[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  const table = buildHuffmanTable(data.slice(start, start + length));
  if (table !== null) huffmanCache.set(slot, table);
  return table;
}

/** R and B of jpeg-js's YCbCr->RGB conversion as tables over (Y << 8 | Cr) and (Y << 8 | Cb); G's two terms. */
let redTable: Uint8Array | null = null;
let blueTable: Uint8Array | null = null;
let greenCb: Float64Array | null = null;
let greenCr: Float64Array | null = null;

function clampTo8bit(a: number): number {
  return a < 0 ? 0 : a > 255 ? 255 : a;
}

function colourTables(): void {
  if (redTable !== null) return;
  const red = new Uint8Array(65536);
  const blue = new Uint8Array(65536);
  for (let Y = 0; Y < 256; Y++) {
    for (let C = 0; C < 256; C++) {
      // The same expressions as jpeg-js's getData; the Uint8Array store truncates the clamped double.
      red[(Y << 8) | C] = clampTo8bit(Y + 1.402 * (C - 128));
      blue[(Y << 8) | C] = clampTo8bit(Y + 1.772 * (C - 128));
    }
  }
  greenCb = new Float64Array(256);
  greenCr = new Float64Array(256);
  for (let C = 0; C < 256; C++) {
    greenCb[C] = 0.3441363 * (C - 128);
    greenCr[C] = 0.71413636 * (C - 128);
  }
  redTable = red;
  blueTable = blue;
}

// ---------------------------------------------------------------------------------------------------
// Bit reading (module state, so the small helpers below stay cheap)

let src: Uint8Array = new Uint8Array(0);
/** Next byte of `src` to load into the accumulator, and where the current restart interval's data began. */
let pos = 0;
let intervalStart = 0;
/** The low `bits` bits of `acc` are the next bits of the stream. */
let acc = 0;
let bits = 0;
/** Zero bytes appended after a marker or the end of the data; consuming any of their bits means bad data. */
let virtualBytes = 0;
/** Set when a symbol is not in its Huffman table. */
let badCode = false;

function refill(): void {
  while (bits <= 24) {
    let byte = 0;
    if (virtualBytes === 0 && pos < src.length) {
      byte = src[pos];
      if (byte === 0xff) {
        if (pos + 1 < src.length && src[pos + 1] === 0) {
          pos += 2;
        } else {
          byte = 0;
          virtualBytes++;
        }
      } else {
        pos++;
      }
    } else {
      virtualBytes++;
    }
    acc = (acc << 8) | byte;
    bits += 8;
  }
}

function decodeHuffman(table: HuffmanTable): number {
  if (bits < 16) refill();
  const entry = table.lookup[(acc >>> (bits - FAST_BITS)) & ((1 << FAST_BITS) - 1)];
  if (entry !== 0) {
    bits -= entry >> 8;
    return entry & 0xff;
  }
  const code16 = (acc >>> (bits - 16)) & 0xffff;
  const maxCode = table.maxCode;
  for (let length = FAST_BITS + 1; length <= 16; length++) {
    const code = code16 >>> (16 - length);
    if (code <= maxCode[length]) {
      bits -= length;
      return table.values[table.valueOffset[length] + code];
    }
  }
  badCode = true;
  return 0;
}

/** jpeg-js's receiveAndExtend for 1 <= length <= 16. */
function receiveExtend(length: number): number {
  if (bits < length) refill();
  bits -= length;
  const n = (acc >>> bits) & ((1 << length) - 1);
  return n >= 1 << (length - 1) ? n : n + (-1 << length) + 1;
}

/**
 * Where jpeg-js's byte offset would be now: just after the last byte any consumed bit came from. Returns -1
 * when bits past a marker or the end of the data were consumed (jpeg-js throws then).
 */
function byteOffset(): number {
  if (bits < virtualBytes * 8) return -1;
  let unread = (bits >> 3) - virtualBytes;
  let p = pos;
  while (unread > 0) {
    p -= p - 2 >= intervalStart && src[p - 1] === 0 && src[p - 2] === 0xff ? 2 : 1;
    unread--;
  }
  return p;
}

// ---------------------------------------------------------------------------------------------------
// Frame, IDCT, colour

interface Component {
  id: number;
  h: number;
  v: number;
  quantIndex: number;
  blocksPerLine: number;
  blocksPerColumn: number;
  /** Samples as jpeg-js's buildComponentData lays them out: blocksPerLine * 8 wide, blocksPerColumn * 8 high. */
  plane: Uint8Array;
  quant: Int32Array;
  dc: HuffmanTable | null;
  ac: HuffmanTable | null;
  pred: number;
}

const zz = new Int32Array(64);
const work = new Int32Array(64);

const dctCos1 = 4017;
const dctSin1 = 799;
const dctCos3 = 3406;
const dctSin3 = 2276;
const dctCos6 = 1567;
const dctSin6 = 3784;
const dctSqrt2 = 5793;
const dctSqrt1d2 = 2896;

/**
 * jpeg-js's quantizeAndInverse on `zz`, written into `plane` at `offset` with row stride `stride`. The
 * arithmetic is copied statement by statement; `work` is an Int32Array as jpeg-js's is.
 */
function quantizeAndInverse(qt: Int32Array, plane: Uint8Array, offset: number, stride: number): void {
  const p = work;
  let v0: number, v1: number, v2: number, v3: number, v4: number, v5: number, v6: number, v7: number, t: number;
  let i: number;

  for (i = 0; i < 64; i++) p[i] = zz[i] * qt[i];

  for (i = 0; i < 8; ++i) {
    const row = 8 * i;
    if (p[1 + row] == 0 && p[2 + row] == 0 && p[3 + row] == 0 &&
        p[4 + row] == 0 && p[5 + row] == 0 && p[6 + row] == 0 &&
        p[7 + row] == 0) {
      t = (dctSqrt2 * p[0 + row] + 512) >> 10;
      p[0 + row] = t;
      p[1 + row] = t;
      p[2 + row] = t;
      p[3 + row] = t;
      p[4 + row] = t;
      p[5 + row] = t;
      p[6 + row] = t;
      p[7 + row] = t;
      continue;
    }
    v0 = (dctSqrt2 * p[0 + row] + 128) >> 8;
    v1 = (dctSqrt2 * p[4 + row] + 128) >> 8;
    v2 = p[2 + row];
    v3 = p[6 + row];
    v4 = (dctSqrt1d2 * (p[1 + row] - p[7 + row]) + 128) >> 8;
    v7 = (dctSqrt1d2 * (p[1 + row] + p[7 + row]) + 128) >> 8;
    v5 = p[3 + row] << 4;
    v6 = p[5 + row] << 4;

    t = (v0 - v1 + 1) >> 1;
    v0 = (v0 + v1 + 1) >> 1;
    v1 = t;
    t = (v2 * dctSin6 + v3 * dctCos6 + 128) >> 8;
    v2 = (v2 * dctCos6 - v3 * dctSin6 + 128) >> 8;
    v3 = t;
    t = (v4 - v6 + 1) >> 1;
    v4 = (v4 + v6 + 1) >> 1;
    v6 = t;
    t = (v7 + v5 + 1) >> 1;
    v5 = (v7 - v5 + 1) >> 1;
    v7 = t;

    t = (v0 - v3 + 1) >> 1;
    v0 = (v0 + v3 + 1) >> 1;
    v3 = t;
    t = (v1 - v2 + 1) >> 1;
    v1 = (v1 + v2 + 1) >> 1;
    v2 = t;
    t = (v4 * dctSin3 + v7 * dctCos3 + 2048) >> 12;
    v4 = (v4 * dctCos3 - v7 * dctSin3 + 2048) >> 12;
    v7 = t;
    t = (v5 * dctSin1 + v6 * dctCos1 + 2048) >> 12;
    v5 = (v5 * dctCos1 - v6 * dctSin1 + 2048) >> 12;
    v6 = t;

    p[0 + row] = v0 + v7;
    p[7 + row] = v0 - v7;
    p[1 + row] = v1 + v6;
    p[6 + row] = v1 - v6;
    p[2 + row] = v2 + v5;
    p[5 + row] = v2 - v5;
    p[3 + row] = v3 + v4;
    p[4 + row] = v3 - v4;
  }

  for (i = 0; i < 8; ++i) {
    const col = i;
    if (p[1 * 8 + col] == 0 && p[2 * 8 + col] == 0 && p[3 * 8 + col] == 0 &&
        p[4 * 8 + col] == 0 && p[5 * 8 + col] == 0 && p[6 * 8 + col] == 0 &&
        p[7 * 8 + col] == 0) {
      t = (dctSqrt2 * p[i + 0] + 8192) >> 14;
      p[0 * 8 + col] = t;
      p[1 * 8 + col] = t;
      p[2 * 8 + col] = t;
      p[3 * 8 + col] = t;
      p[4 * 8 + col] = t;
      p[5 * 8 + col] = t;
      p[6 * 8 + col] = t;
      p[7 * 8 + col] = t;
      continue;
    }
    v0 = (dctSqrt2 * p[0 * 8 + col] + 2048) >> 12;
    v1 = (dctSqrt2 * p[4 * 8 + col] + 2048) >> 12;
    v2 = p[2 * 8 + col];
    v3 = p[6 * 8 + col];
    v4 = (dctSqrt1d2 * (p[1 * 8 + col] - p[7 * 8 + col]) + 2048) >> 12;
    v7 = (dctSqrt1d2 * (p[1 * 8 + col] + p[7 * 8 + col]) + 2048) >> 12;
    v5 = p[3 * 8 + col];
    v6 = p[5 * 8 + col];

    t = (v0 - v1 + 1) >> 1;
    v0 = (v0 + v1 + 1) >> 1;
    v1 = t;
    t = (v2 * dctSin6 + v3 * dctCos6 + 2048) >> 12;
    v2 = (v2 * dctCos6 - v3 * dctSin6 + 2048) >> 12;
    v3 = t;
    t = (v4 - v6 + 1) >> 1;
    v4 = (v4 + v6 + 1) >> 1;
    v6 = t;
    t = (v7 + v5 + 1) >> 1;
    v5 = (v7 - v5 + 1) >> 1;
    v7 = t;

    t = (v0 - v3 + 1) >> 1;
    v0 = (v0 + v3 + 1) >> 1;
    v3 = t;
    t = (v1 - v2 + 1) >> 1;
    v1 = (v1 + v2 + 1) >> 1;
    v2 = t;
    t = (v4 * dctSin3 + v7 * dctCos3 + 2048) >> 12;
    v4 = (v4 * dctCos3 - v7 * dctSin3 + 2048) >> 12;
    v7 = t;
    t = (v5 * dctSin1 + v6 * dctCos1 + 2048) >> 12;
    v5 = (v5 * dctCos1 - v6 * dctSin1 + 2048) >> 12;
    v6 = t;

    p[0 * 8 + col] = v0 + v7;
    p[7 * 8 + col] = v0 - v7;
    p[1 * 8 + col] = v1 + v6;
    p[6 * 8 + col] = v1 - v6;
    p[2 * 8 + col] = v2 + v5;
    p[5 * 8 + col] = v2 - v5;
    p[3 * 8 + col] = v3 + v4;
    p[4 * 8 + col] = v3 - v4;
  }

  for (let y = 0, k = 0; y < 8; y++, offset += stride) {
    for (let x = 0; x < 8; x++, k++) {
      const sample = 128 + ((p[k] + 8) >> 4);
      plane[offset + x] = sample < 0 ? 0 : sample > 0xff ? 0xff : sample;
    }
  }
}

/**
 * The same result as quantizeAndInverse when only the DC coefficient is non-zero (after its Int32 wrap): every
 * row takes the all-zero-AC shortcut, then every column does.
 */
function dcOnlyInverse(dc: number, plane: Uint8Array, offset: number, stride: number): void {
  const rowValue = (dctSqrt2 * dc + 512) >> 10;
  const colValue = (dctSqrt2 * rowValue + 8192) >> 14;
  const sample = 128 + ((colValue + 8) >> 4);
  const value = sample < 0 ? 0 : sample > 0xff ? 0xff : sample;
  for (let y = 0; y < 8; y++, offset += stride) plane.fill(value, offset, offset + 8);
}

/** Decodes one block of `c` (jpeg-js's decodeBaseline); writes its samples when (row, col) is inside the plane. */
function decodeBlock(c: Component, blockRow: number, blockCol: number): void {
  const dcTable = c.dc as HuffmanTable;
  const acTable = c.ac as HuffmanTable;
  zz.fill(0);
  const t = decodeHuffman(dcTable);
  if (t > 16) {
    badCode = true; // jpeg-js's bit reader is not worth copying for DC categories a valid stream never has
    return;
  }
  const diff = t === 0 ? 0 : receiveExtend(t);
  zz[0] = c.pred += diff;
  let k = 1;
  let acSeen = false;
  while (k < 64) {
    const rs = decodeHuffman(acTable);
    const s = rs & 15;
    const r = rs >> 4;
    if (s === 0) {
      if (r < 15) break;
      k += 16;
      continue;
    }
    k += r;
    const value = receiveExtend(s);
    // jpeg-js writes through dctZigZag[k], which is undefined (a dropped write) past the block's end.
    if (k < 64) {
      zz[ZIGZAG[k]] = value;
      acSeen = true;
    }
    k++;
  }
  if (blockRow >= c.blocksPerColumn || blockCol >= c.blocksPerLine) return;
  const stride = c.blocksPerLine << 3;
  const offset = (blockRow << 3) * stride + (blockCol << 3);
  if (acSeen) quantizeAndInverse(c.quant, c.plane, offset, stride);
  else dcOnlyInverse((zz[0] * c.quant[0]) | 0, c.plane, offset, stride);
}

/** Component planes, kept between calls and regrown when a frame needs more. */
const planes: Uint8Array[] = [];

function planeFor(index: number, size: number): Uint8Array {
  let plane = planes[index];
  if (plane === undefined || plane.length < size) {
    plane = new Uint8Array(Math.max(size, 4096));
    planes[index] = plane;
  }
  return plane;
}

// ---------------------------------------------------------------------------------------------------
// Parsing

const MAX_PIXELS = 1 << 24;

/**
 * Decodes a baseline or 8-bit extended sequential Huffman JPEG to RGB exactly as jpeg-js does, or returns
 * null when the input is of another kind or is irregular in any way (the caller then decodes it with jpeg-js).
 * Never throws: were it ever to fail in an unforeseen way, it returns null too, since jpeg-js is always right.
 */
export function decodeBaselineJpeg(data: Uint8Array): RgbImage | null {
  try {
    return parse(data);
  } catch {
    return null;
  } finally {
    src = new Uint8Array(0);
  }
}

function parse(data: Uint8Array): RgbImage | null {
  const length = data.length;
  let offset = 0;
  const u16 = (at: number): number => (data[at] << 8) | data[at + 1];
  if (length < 4 || u16(0) !== 0xffd8) return null;
  offset = 2;

  const quantTables: Array<Int32Array | undefined> = [];
  const dcTables: Array<HuffmanTable | undefined> = [];
  const acTables: Array<HuffmanTable | undefined> = [];
  let components: Component[] | null = null;
  let restartInterval = 0;
  let scanned = false;
  let width = 0;
  let height = 0;
  let maxH = 1;
  let maxV = 1;
  let mcusPerLine = 0;
  let mcusPerColumn = 0;

  for (;;) {
    if (offset + 2 > length) return null;
    const marker = u16(offset);
    offset += 2;
    if (marker === 0xffd9) break; // EOI
    if (offset + 2 > length) return null;
    const segmentLength = u16(offset);
    const segmentEnd = offset + segmentLength;
    if (segmentLength < 2 || segmentEnd > length) return null;
    const body = offset + 2;

    if ((marker >= 0xffe0 && marker <= 0xffef) || marker === 0xfffe) {
      // APPn, COM: nothing jpeg-js reads from them changes its RGB output (see the header comment on Adobe).
      offset = segmentEnd;
      continue;
    }
    // Tables or frames after the scan would change what jpeg-js does with the scan (it resolves quantisation
    // tables at the end, and a second frame or scan is its own case): leave those files to it.
    if (scanned) return null;

    if (marker === 0xffdb) {
      // DQT
      let at = body;
      while (at < segmentEnd) {
        const spec = data[at++];
        const table = new Int32Array(64);
        if (spec >> 4 === 0) {
          if (at + 64 > segmentEnd) return null;
          for (let j = 0; j < 64; j++) table[ZIGZAG[j]] = data[at++];
        } else if (spec >> 4 === 1) {
          if (at + 128 > segmentEnd) return null;
          for (let j = 0; j < 64; j++, at += 2) table[ZIGZAG[j]] = u16(at);
        } else {
          return null;
        }
        quantTables[spec & 15] = table;
      }
      if (at !== segmentEnd) return null;
    } else if (marker === 0xffc4) {
      // DHT
      let at = body;
      while (at < segmentEnd) {
        const spec = data[at];
        if (at + 17 > segmentEnd) return null;
        let count = 0;
        for (let j = 0; j < 16; j++) count += data[at + 1 + j];
        if (at + 17 + count > segmentEnd) return null;
        const slot = (spec >> 4 === 0 ? 0 : 16) + (spec & 15);
        const table = cachedHuffmanTable(slot, data, at + 1, 16 + count);
        if (table === null) return null;
        if (spec >> 4 === 0) dcTables[spec & 15] = table;
        else acTables[spec & 15] = table;
        at += 17 + count;
      }
      if (at !== segmentEnd) return null;
    } else if (marker === 0xffdd) {
      // DRI
      if (segmentLength !== 4) return null;
      restartInterval = u16(body);
    } else if (marker === 0xffc0 || marker === 0xffc1) {
      // SOF0, SOF1
      if (components !== null) return null;
      const precision = data[body];
      height = u16(body + 1);
      width = u16(body + 3);
      const count = data[body + 5];
      if (precision !== 8 || (count !== 1 && count !== 3) || segmentLength !== 8 + 3 * count) return null;
      if (width === 0 || height === 0 || width * height > MAX_PIXELS) return null;
      components = [];
      for (let i = 0; i < count; i++) {
        const at = body + 6 + 3 * i;
        const id = data[at];
        const h = data[at + 1] >> 4;
        const v = data[at + 1] & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4) return null;
        if (components.some((c) => c.id === id)) return null;
        components.push({
          id, h, v, quantIndex: data[at + 2], blocksPerLine: 0, blocksPerColumn: 0,
          plane: new Uint8Array(0), quant: new Int32Array(0), dc: null, ac: null, pred: 0,
        });
        maxH = Math.max(maxH, h);
        maxV = Math.max(maxV, v);
      }
      // prepareComponents
      mcusPerLine = Math.ceil(width / 8 / maxH);
      mcusPerColumn = Math.ceil(height / 8 / maxV);
      for (let i = 0; i < count; i++) {
        const c = components[i];
        c.blocksPerLine = Math.ceil((Math.ceil(width / 8) * c.h) / maxH);
        c.blocksPerColumn = Math.ceil((Math.ceil(height / 8) * c.v) / maxV);
        c.plane = planeFor(i, c.blocksPerLine * c.blocksPerColumn * 64);
      }
    } else if (marker === 0xffda) {
      // SOS
      if (components === null) return null;
      const count = data[body];
      if (count !== components.length || segmentLength !== 6 + 2 * count) return null;
      const order: Component[] = [];
      for (let i = 0; i < count; i++) {
        const c = components.find((x) => x.id === data[body + 1 + 2 * i]);
        if (c === undefined || order.includes(c)) return null;
        const spec = data[body + 2 + 2 * i];
        const dc = dcTables[spec >> 4];
        const ac = acTables[spec & 15];
        const quant = quantTables[c.quantIndex];
        if (dc === undefined || ac === undefined || quant === undefined) return null;
        c.dc = dc;
        c.ac = ac;
        c.quant = quant;
        order.push(c);
      }
      // jpeg-js decodes with decodeBaseline whatever Ss, Se, Ah and Al say for a non-progressive frame.
      const end = decodeScan(data, segmentEnd, order, restartInterval, mcusPerLine, mcusPerColumn);
      if (end < 0) return null;
      offset = end;
      scanned = true;
      continue;
    } else {
      return null;
    }
    offset = segmentEnd;
  }
  if (components === null || !scanned) return null;
  return toRgb(components, width, height, maxH, maxV);
}

/**
 * jpeg-js's decodeScan for a baseline scan over all the frame's components. Returns the offset of the marker
 * after the scan (where jpeg-js resumes parsing), or -1 where jpeg-js would throw or stop early.
 */
function decodeScan(
  data: Uint8Array, start: number, order: Component[], restartInterval: number, mcusPerLine: number,
  mcusPerColumn: number,
): number {
  src = data;
  pos = start;
  intervalStart = start;
  acc = 0;
  bits = 0;
  virtualBytes = 0;
  badCode = false;
  const single = order.length === 1;
  const c0 = order[0];
  const mcuExpected = single ? c0.blocksPerLine * c0.blocksPerColumn : mcusPerLine * mcusPerColumn;
  const interval = restartInterval || mcuExpected;
  if (single && mcuExpected % interval !== 0 && mcusPerColumn * c0.v > c0.blocksPerColumn) {
    // jpeg-js would decode past the end of the blocks into rows it allocated as padding: not worth copying.
    return -1;
  }
  let mcu = 0;
  let offset = start;
  while (mcu < mcuExpected) {
    for (let i = 0; i < order.length; i++) order[i].pred = 0;
    if (single) {
      for (let n = 0; n < interval; n++, mcu++) {
        const blockRow = (mcu / c0.blocksPerLine) | 0;
        // jpeg-js skips blocks in rows it has not allocated (tolerantDecoding), which only happens past the end.
        if (blockRow >= c0.blocksPerColumn) continue;
        decodeBlock(c0, blockRow, mcu % c0.blocksPerLine);
      }
    } else {
      for (let n = 0; n < interval; n++) {
        const mcuRow = (mcu / mcusPerLine) | 0;
        const mcuCol = mcu % mcusPerLine;
        for (let i = 0; i < order.length; i++) {
          const c = order[i];
          for (let j = 0; j < c.v; j++) {
            for (let k = 0; k < c.h; k++) decodeBlock(c, mcuRow * c.v + j, mcuCol * c.h + k);
          }
        }
        mcu++;
        if (mcu === mcuExpected) break;
      }
    }
    if (badCode) return -1;
    offset = byteOffset();
    if (offset < 0) return -1;
    if (mcu === mcuExpected) {
      // jpeg-js skips trailing bytes up to the next marker (the same loop).
      do {
        if (data[offset] === 0xff && data[offset + 1] !== 0x00) break;
        offset += 1;
      } while (offset < data.length - 2);
    }
    if (offset + 1 >= data.length || data[offset] !== 0xff) return -1;
    const marker = data[offset + 1];
    if (marker >= 0xd0 && marker <= 0xd7) {
      offset += 2;
      pos = offset;
      intervalStart = offset;
      acc = 0;
      bits = 0;
      virtualBytes = 0;
    } else if (mcu < mcuExpected) {
      return -1; // jpeg-js stops decoding the scan early: leave that to it
    } else {
      break;
    }
  }
  return offset;
}

/** jpeg-js's getData + copyToImageData for 1 or 3 components at the image's own size. */
function toRgb(components: Component[], width: number, height: number, maxH: number, maxV: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const n = components.length;
  let identity = true;
  for (const c of components) if (c.h !== maxH || c.v !== maxV) identity = false;
  const xIndex: Int32Array[] = [];
  const yIndex: Int32Array[] = [];
  for (const c of components) {
    if (identity) break;
    const scaleX = c.h / maxH;
    const scaleY = c.v / maxV;
    const xs = new Int32Array(width);
    const ys = new Int32Array(height);
    const stride = c.blocksPerLine << 3;
    // jpeg-js: lines[0 | (y * component.scaleY * scaleY)][0 | (x * component.scaleX * scaleX)], its own
    // scaleX and scaleY being 1 at the image's size.
    for (let x = 0; x < width; x++) xs[x] = 0 | (x * scaleX * 1);
    for (let y = 0; y < height; y++) ys[y] = (0 | (y * scaleY * 1)) * stride;
    xIndex.push(xs);
    yIndex.push(ys);
  }
  if (n === 1) {
    // One component: its h and v are the maxima, so jpeg-js's sample indices are x and y.
    const plane = components[0].plane;
    const stride = components[0].blocksPerLine << 3;
    let o = 0;
    for (let y = 0; y < height; y++) {
      const row = y * stride;
      for (let x = 0; x < width; x++) {
        const Y = plane[row + x];
        out[o++] = Y;
        out[o++] = Y;
        out[o++] = Y;
      }
    }
    return { width, height, data: out };
  }
  colourTables();
  const red = redTable as Uint8Array;
  const blue = blueTable as Uint8Array;
  const gCb = greenCb as Float64Array;
  const gCr = greenCr as Float64Array;
  const [p0, p1, p2] = [components[0].plane, components[1].plane, components[2].plane];
  let o = 0;
  if (identity) {
    const stride = components[0].blocksPerLine << 3;
    for (let y = 0; y < height; y++) {
      let i = y * stride;
      for (let x = 0; x < width; x++, i++) {
        const Y = p0[i];
        const Cb = p1[i];
        const Cr = p2[i];
        out[o++] = red[(Y << 8) | Cr];
        const G = Y - gCb[Cb] - gCr[Cr];
        out[o++] = G < 0 ? 0 : G > 255 ? 255 : G | 0; // truncation, as jpeg-js's Uint8Array store does
        out[o++] = blue[(Y << 8) | Cb];
      }
    }
    return { width, height, data: out };
  }
  const [x0, x1, x2] = xIndex;
  const [y0, y1, y2] = yIndex;
  for (let y = 0; y < height; y++) {
    const r0 = y0[y];
    const r1 = y1[y];
    const r2 = y2[y];
    for (let x = 0; x < width; x++) {
      const Y = p0[r0 + x0[x]];
      const Cb = p1[r1 + x1[x]];
      const Cr = p2[r2 + x2[x]];
      out[o++] = red[(Y << 8) | Cr];
      const G = Y - gCb[Cb] - gCr[Cr];
      out[o++] = G < 0 ? 0 : G > 255 ? 255 : G;
      out[o++] = blue[(Y << 8) | Cb];
    }
  }
  return { width, height, data: out };
}
