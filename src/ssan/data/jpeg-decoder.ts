/**
 * The project's own decoder for sequential Huffman-coded 8-bit JPEGs (ITU-T T.81 baseline, SOF0, and the
 * 8-bit case of extended sequential, SOF1): the kind every training frame is.
 *
 * Why: jpeg-js reads the entropy-coded data one bit at a time through closures and walks a Huffman tree per
 * symbol, which is most of the data pipeline's decoding time on small frames. Here Huffman codes of up to
 * 9 bits are found with one table lookup (longer ones by the canonical-code search of T.81 F.2.2.3), bits
 * come from a 32-bit accumulator, and every working buffer is kept between calls.
 *
 * What it does, and how it differs from jpeg-js (so the output is close to jpeg-js's, not identical):
 * - IDCT in doubles: two passes of an 8-point even/odd butterfly derived from the DCT's definition (see
 *   idct8), then the level shift, rounding to nearest and clamping to 0..255 (T.81 A.3.1).
 * - YCbCr -> RGB with the JFIF equations (the exact inverse of the encoder's 0.299/0.587/0.114 matrix),
 *   rounded to nearest and clamped; jpeg-js truncates instead, hence most of the difference to it.
 * - Subsampled chroma is upsampled by replication: pixel x takes sample floor(x * H / Hmax) (and the same
 *   vertically), each sample covering the Hmax / H pixels it was averaged from.
 *
 * Handled: 1 (grayscale) or 3 (YCbCr) components, sampling factors 1..4 (at most 10 blocks per MCU), one
 * interleaved scan of all components, restart intervals (DRI) with RST0..7 in sequence, 8- and 16-bit
 * quantisation tables, any valid Huffman tables, APPn and COM segments (skipped), any size up to 2^24 pixels.
 *
 * Returns null, and the caller must fall back to jpeg-js (which then gives its own output or its own error),
 * for everything else: progressive, lossless, hierarchical or arithmetic-coded frames, 12-bit samples, 2 or 4
 * components, more than one scan, a scan not covering Ss..Se = 0..63 with Ah = Al = 0, an Adobe APP14 segment
 * or component ids 'R','G','B' saying that 3 components are RGB, DNL (height 0), fill bytes before a marker,
 * any other marker, and damaged data: a truncated file, a Huffman code not in its table, a coefficient past
 * the block's end, a restart marker missing or out of order, bytes between the scan's last MCU and EOI, no EOI.
 */
import type { RgbImage } from './types';

// ---------------------------------------------------------------------------------------------------
// Zig-zag order (T.81 Figure A.6)

/** ZIGZAG[k]: the row-major index (row * 8 + column) of the k-th coefficient as the file stores them. */
const ZIGZAG = new Uint8Array(64);
/** MAX_ROW_UP_TO[k]: the largest row among coefficients 0..k: when k is the last nonzero one, later rows are zero. */
const MAX_ROW_UP_TO = new Uint8Array(64);
{
  // Walk the 15 anti-diagonals (row + column = s); odd diagonals go down-left, even ones up-right.
  let k = 0;
  let maxRow = 0;
  for (let s = 0; s < 15; s++) {
    const first = Math.max(0, s - 7);
    const last = Math.min(7, s);
    for (let i = 0; i <= last - first; i++) {
      const row = s % 2 === 1 ? first + i : last - i;
      ZIGZAG[k] = row * 8 + (s - row);
      maxRow = Math.max(maxRow, row);
      MAX_ROW_UP_TO[k] = maxRow;
      k++;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Huffman tables (T.81 Annex C and F.2.2.3)

const LOOKUP_BITS = 9;

interface HuffmanTable {
  /** The DHT bytes it was built from (16 counts, then the symbols), to find it again in the cache. */
  source: Uint8Array;
  /**
   * Indexed by the next 9 bits of the stream: (code length << 8) | symbol for codes of up to 9 bits,
   * 0 when those 9 bits begin a longer code (or no code).
   */
  lookup: Uint16Array;
  /** maxCode[l]: the largest code of length l, -1 if none (T.81 MAXCODE). */
  maxCode: Int32Array;
  /** valueIndex[l]: the index into `symbols` of code 0 of length l, i.e. VALPTR - MINCODE. */
  valueIndex: Int32Array;
  symbols: Uint8Array;
  /**
   * For AC tables: indexed like `lookup`, the whole coefficient when its code and extra bits fit in those
   * 9 bits (most of them at usual qualities), packed as value << 9 | run << 5 | bits used; else 0.
   */
  acLookup: Int32Array;
}

/**
 * Builds the canonical code of a DHT table (Annex C: codes counted up within a length, doubled from one
 * length to the next). Null when the counts overflow the code space, or when a code is all ones, which
 * C.2 reserves as a prefix of longer codes (and which a decoder must never see as a symbol).
 */
function buildHuffmanTable(source: Uint8Array): HuffmanTable | null {
  const lookup = new Uint16Array(1 << LOOKUP_BITS);
  const maxCode = new Int32Array(17).fill(-1);
  const valueIndex = new Int32Array(17);
  const symbols = source.subarray(16);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    const count = source[length - 1];
    valueIndex[length] = k - code;
    for (let i = 0; i < count; i++, code++, k++) {
      if (code >= (1 << length) - 1) return null; // past the code space, or the reserved all-ones code
      if (length <= LOOKUP_BITS) {
        // Every 9-bit window that starts with this code decodes to it.
        const spread = LOOKUP_BITS - length;
        lookup.fill((length << 8) | symbols[k], code << spread, (code + 1) << spread);
      }
    }
    if (count > 0) maxCode[length] = code - 1;
    code <<= 1;
  }
  return { source, lookup, maxCode, valueIndex, symbols, acLookup: acLookupOf(lookup) };
}

/** The `acLookup` of a table whose 9-bit `lookup` is built (an AC table's symbols are run << 4 | size). */
function acLookupOf(lookup: Uint16Array): Int32Array {
  const acLookup = new Int32Array(1 << LOOKUP_BITS);
  for (let window = 0; window < 1 << LOOKUP_BITS; window++) {
    const entry = lookup[window];
    const codeLength = entry >> 8;
    const run = (entry >> 4) & 15;
    const size = entry & 15;
    const used = codeLength + size;
    if (entry === 0 || size === 0 || used > LOOKUP_BITS) continue;
    const bits = (window >> (LOOKUP_BITS - used)) & ((1 << size) - 1);
    acLookup[window] = (extend(bits, size) << 9) | (run << 5) | used;
  }
  return acLookup;
}

/** EXTEND (T.81 F.2.2.1): categories hold 2^(size-1)..2^size - 1 and their negatives, which start with a 0 bit. */
function extend(bits: number, size: number): number {
  return bits < 1 << (size - 1) ? bits - (1 << size) + 1 : bits;
}

/** Recently built tables: a dataset's files all carry the same DHT segments, so each is built once. */
const recentTables: HuffmanTable[] = [];
const RECENT_TABLES = 8;

function sameBytes(a: Uint8Array, b: Uint8Array, bStart: number, length: number): boolean {
  if (a.length !== length) return false;
  for (let i = 0; i < length; i++) if (a[i] !== b[bStart + i]) return false;
  return true;
}

function huffmanTableAt(data: Uint8Array, start: number, length: number): HuffmanTable | null {
  for (const table of recentTables) if (sameBytes(table.source, data, start, length)) return table;
  const table = buildHuffmanTable(data.slice(start, start + length));
  if (table !== null) {
    recentTables.unshift(table);
    if (recentTables.length > RECENT_TABLES) recentTables.pop();
  }
  return table;
}

// ---------------------------------------------------------------------------------------------------
// Entropy-coded data

/**
 * Reads the entropy-coded segment through a 32-bit accumulator, a byte at a time. A stuffed 0xFF 0x00 is the
 * byte 0xFF; at a marker (0xFF then anything else) or the end of the data it stops and feeds zero bytes
 * instead, counting them, so that a stream which runs short is noticed at the next check (`overrun`,
 * `endsAt`) rather than on every read.
 */
class BitReader {
  data: Uint8Array = new Uint8Array(0);
  /** The next byte of `data` to load. */
  pos = 0;
  /** The low `bits` bits of `acc` are the stream's next bits, oldest highest. */
  acc = 0;
  bits = 0;
  /** Zero bytes fed past a marker or the end of the data. */
  phantom = 0;

  start(data: Uint8Array, pos: number): void {
    this.data = data;
    this.pos = pos;
    this.acc = 0;
    this.bits = 0;
    this.phantom = 0;
  }

  /** Tops the accumulator up to 25..32 bits: enough for any Huffman code (16) or extra bits (11) after it. */
  fill(): void {
    const data = this.data;
    while (this.bits <= 24) {
      let byte = 0;
      if (this.phantom === 0 && this.pos < data.length) {
        byte = data[this.pos];
        if (byte !== 0xff) {
          this.pos++;
        } else if (data[this.pos + 1] === 0) {
          this.pos += 2; // stuffed: the byte 0xFF
        } else {
          byte = 0; // a marker: the segment ends here
          this.phantom++;
        }
      } else {
        this.phantom++;
      }
      this.acc = (this.acc << 8) | byte;
      this.bits += 8;
    }
  }

  /** Decodes one Huffman symbol; -1 for a code not in the table. */
  symbol(table: HuffmanTable): number {
    if (this.bits < 16) this.fill();
    const entry = table.lookup[(this.acc >>> (this.bits - LOOKUP_BITS)) & ((1 << LOOKUP_BITS) - 1)];
    if (entry !== 0) {
      this.bits -= entry >> 8;
      return entry & 0xff;
    }
    return this.longSymbol(table);
  }

  /** T.81 F.2.2.3 for codes of 10..16 bits: the first length whose code is at most MAXCODE is the one. */
  private longSymbol(table: HuffmanTable): number {
    const next16 = (this.acc >>> (this.bits - 16)) & 0xffff;
    for (let length = LOOKUP_BITS + 1; length <= 16; length++) {
      const code = next16 >>> (16 - length);
      if (code <= table.maxCode[length]) {
        this.bits -= length;
        return table.symbols[table.valueIndex[length] + code];
      }
    }
    return -1;
  }

  /** RECEIVE and EXTEND (T.81 F.2.2.1, F.2.2.4): the next `size` bits as a signed value of that category. */
  signed(size: number): number {
    if (this.bits < size) this.fill();
    this.bits -= size;
    return extend((this.acc >>> this.bits) & ((1 << size) - 1), size);
  }

  /** A whole AC coefficient from `table.acLookup` (packed as there, its bits consumed), or 0 if it is not there. */
  shortCoefficient(table: HuffmanTable): number {
    if (this.bits < 16) this.fill();
    const entry = table.acLookup[(this.acc >>> (this.bits - LOOKUP_BITS)) & ((1 << LOOKUP_BITS) - 1)];
    this.bits -= entry & 31;
    return entry;
  }

  /** True when bits past a marker or the end of the data were used: the segment was too short. */
  overrun(): boolean {
    return this.bits < this.phantom * 8;
  }

  /**
   * At the end of a restart interval or of the scan: true when only the last byte's padding is left and
   * the marker `marker` comes next, which it then skips.
   */
  endsAt(marker: number): boolean {
    const realBits = this.bits - this.phantom * 8;
    if (realBits < 0 || realBits >= 8) return false;
    if (this.data[this.pos] !== 0xff || this.data[this.pos + 1] !== marker) return false;
    this.pos += 2;
    return true;
  }
}

// ---------------------------------------------------------------------------------------------------
// Blocks: coefficients and the inverse DCT

interface Component {
  id: number;
  h: number;
  v: number;
  quantIndex: number;
  /** Dequantisation with the IDCT's normalisation folded in (see scaledQuant), zig-zag order. */
  quant: Float64Array;
  dc: HuffmanTable | null;
  ac: HuffmanTable | null;
  /** The DC predictor (T.81 F.2.1.3.1). */
  pred: number;
  /** Samples, `stride` per row, whole blocks. */
  plane: Uint8ClampedArray;
  stride: number;
}

/**
 * With DCT coefficients X[v][u] (v the row), T.81 A.3.3 gives the samples as
 *   s(y, x) = Σv Σu C(u) C(v) / 4 · X[v][u] · cos((2x+1)uπ/16) · cos((2y+1)vπ/16),  C(0) = 1/√2, else 1.
 * Folding C(u) C(v) / 4 into the quantisation step leaves plain cosine sums for idct8.
 */
function scaledQuant(steps: ArrayLike<number>): Float64Array {
  const scaled = new Float64Array(64);
  for (let k = 0; k < 64; k++) {
    const firstColumn = (ZIGZAG[k] & 7) === 0;
    const firstRow = ZIGZAG[k] >> 3 === 0;
    // C(0)^2 is 1/2 exactly (√½ · √½ rounds above it), so that a flat block's samples are exact.
    const cuCv = firstColumn && firstRow ? 0.5 : firstColumn || firstRow ? Math.SQRT1_2 : 1;
    scaled[k] = (steps[k] * cuCv) / 4;
  }
  return scaled;
}

/** Coefficients of the block being decoded, row-major, scaled; all zero between blocks. */
const coefficients = new Float64Array(64);
const afterRows = new Float64Array(64);
const afterColumns = new Float64Array(64);

/**
 * Decodes one block's coefficients into `coefficients` (T.81 F.2.2: DC difference, then run/size symbols
 * up to EOB or coefficient 63). Returns the zig-zag index of the last coefficient written, -1 on bad data.
 */
function decodeCoefficients(reader: BitReader, c: Component): number {
  const quant = c.quant;
  const dcSize = reader.symbol(c.dc as HuffmanTable);
  if (dcSize < 0 || dcSize > 11) return -1; // 8-bit samples give DC differences of at most 11 bits
  if (dcSize > 0) c.pred += reader.signed(dcSize);
  coefficients[0] = c.pred * quant[0];
  const ac = c.ac as HuffmanTable;
  let last = 0;
  for (let k = 1; k < 64; k++) {
    const short = reader.shortCoefficient(ac);
    if (short !== 0) {
      k += (short >> 5) & 15;
      if (k > 63) return -1;
      coefficients[ZIGZAG[k]] = (short >> 9) * quant[k];
      last = k;
      continue;
    }
    const rs = reader.symbol(ac);
    if (rs < 0) return -1;
    const size = rs & 15;
    const run = rs >> 4;
    if (size === 0) {
      if (run === 0) break; // EOB: the rest are zero
      if (run !== 15) return -1; // only ZRL (sixteen zeros) has size 0 in a sequential scan
      k += 15;
      continue;
    }
    if (size > 10) return -1;
    k += run;
    if (k > 63) return -1;
    coefficients[ZIGZAG[k]] = reader.signed(size) * quant[k];
    last = k;
  }
  return last;
}

const C1 = Math.cos(Math.PI / 16);
const C2 = Math.cos((2 * Math.PI) / 16);
const C3 = Math.cos((3 * Math.PI) / 16);
const C4 = Math.cos((4 * Math.PI) / 16);
const C5 = Math.cos((5 * Math.PI) / 16);
const C6 = Math.cos((6 * Math.PI) / 16);
const C7 = Math.cos((7 * Math.PI) / 16);

/**
 * out[n] = Σk a[k] cos((2n+1)kπ/16), n = 0..7: one 8-point inverse DCT (normalisation folded elsewhere),
 * reading `a` at from, from + step, ... and writing `out` the same way at to, to + step, ...
 *
 * Derivation (an even/odd butterfly rather than the 64-multiply matrix product: 22 multiplies, in doubles,
 * so there is no fixed-point rounding to reason about). With m = 2n+1, cos((16-m)kπ/16) = (-1)^k cos(mkπ/16),
 * so out[7-n] = E[n] - O[n] where out[n] = E[n] + O[n], E summing the even k and O the odd k (n = 0..3).
 * Writing ck = cos(kπ/16) and reducing each angle mkπ/16 into 0..π/2:
 *   E: a4 enters as +c4, -c4, -c4, +c4; a2 and a6 as (c2, c6), (c6, -c2), (-c6, c2), (-c2, -c6), so
 *      E0 = p + r, E1 = q + s, E2 = q - s, E3 = p - r with p, q = a0 ± c4 a4, r = c2 a2 + c6 a6,
 *      s = c6 a2 - c2 a6.
 *   O: rows n of (a1, a3, a5, a7):  (c1, c3, c5, c7), (c3, -c7, -c1, -c5), (c5, -c1, c7, c3), (c7, -c5, c3, -c1).
 */
function idct8(a: Float64Array, from: number, out: Float64Array, to: number, step: number): void {
  const a0 = a[from], a1 = a[from + step], a2 = a[from + 2 * step], a3 = a[from + 3 * step];
  const a4 = a[from + 4 * step], a5 = a[from + 5 * step], a6 = a[from + 6 * step], a7 = a[from + 7 * step];
  const p = a0 + C4 * a4;
  const q = a0 - C4 * a4;
  const r = C2 * a2 + C6 * a6;
  const s = C6 * a2 - C2 * a6;
  const e0 = p + r, e1 = q + s, e2 = q - s, e3 = p - r;
  const o0 = C1 * a1 + C3 * a3 + C5 * a5 + C7 * a7;
  const o1 = C3 * a1 - C7 * a3 - C1 * a5 - C5 * a7;
  const o2 = C5 * a1 - C1 * a3 + C7 * a5 + C3 * a7;
  const o3 = C7 * a1 - C5 * a3 + C3 * a5 - C1 * a7;
  out[to] = e0 + o0;
  out[to + step] = e1 + o1;
  out[to + 2 * step] = e2 + o2;
  out[to + 3 * step] = e3 + o3;
  out[to + 4 * step] = e3 - o3;
  out[to + 5 * step] = e2 - o2;
  out[to + 6 * step] = e1 - o1;
  out[to + 7 * step] = e0 - o0;
}

/**
 * Inverse-transforms `coefficients` (whose nonzero entries are at zig-zag indices <= last) into the 8x8
 * samples of `plane` at `offset`, and zeroes `coefficients` again for the next block.
 *
 * The level shift (+128) rides on the DC term, whose basis function is 1 everywhere after the folding;
 * the Uint8ClampedArray store rounds to nearest and clamps to 0..255 (T.81 A.3.1).
 */
function inverseTransform(last: number, plane: Uint8ClampedArray, offset: number, stride: number): void {
  coefficients[0] += 128;
  if (last === 0) {
    // DC only, the common case in smooth areas: every sample is the same.
    const value = coefficients[0];
    for (let y = 0; y < 8; y++, offset += stride) plane.fill(value, offset, offset + 8);
    coefficients[0] = 0;
    return;
  }
  // Rows first: rows past the last nonzero one stay zero; a row with only its first entry is constant.
  const maxRow = MAX_ROW_UP_TO[last];
  for (let row = 0; row < 8; row++) {
    const at = row * 8;
    if (row > maxRow) {
      for (let x = 0; x < 8; x++) afterRows[at + x] = 0;
    } else if (
      coefficients[at + 1] === 0 && coefficients[at + 2] === 0 && coefficients[at + 3] === 0 &&
      coefficients[at + 4] === 0 && coefficients[at + 5] === 0 && coefficients[at + 6] === 0 &&
      coefficients[at + 7] === 0
    ) {
      const value = coefficients[at];
      for (let x = 0; x < 8; x++) afterRows[at + x] = value;
    } else {
      idct8(coefficients, at, afterRows, at, 1);
    }
  }
  for (let column = 0; column < 8; column++) idct8(afterRows, column, afterColumns, column, 8);
  for (let y = 0, k = 0; y < 8; y++, offset += stride) {
    for (let x = 0; x < 8; x++, k++) plane[offset + x] = afterColumns[k];
  }
  for (let k = 0; k <= last; k++) coefficients[ZIGZAG[k]] = 0;
}

function decodeBlock(reader: BitReader, c: Component, blockRow: number, blockColumn: number): boolean {
  const last = decodeCoefficients(reader, c);
  if (last < 0) return false;
  inverseTransform(last, c.plane, blockRow * 8 * c.stride + blockColumn * 8, c.stride);
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Headers

interface Frame {
  width: number;
  height: number;
  components: Component[];
  maxH: number;
  maxV: number;
  mcusPerLine: number;
  mcusPerColumn: number;
}

/** The tables and settings read so far, before the scan. */
interface Tables {
  quant: Array<Float64Array | undefined>;
  dc: Array<HuffmanTable | undefined>;
  ac: Array<HuffmanTable | undefined>;
  restartInterval: number;
  /** The Adobe APP14 colour transform flag, -1 without that segment. */
  adobeTransform: number;
}

const MAX_PIXELS = 1 << 24;
const MAX_BLOCKS_PER_MCU = 10; // T.81 B.2.3

/** Component planes, kept between calls and grown when a frame needs more. */
const planes: Uint8ClampedArray[] = [];

function planeFor(index: number, size: number): Uint8ClampedArray {
  if (planes[index] === undefined || planes[index].length < size) planes[index] = new Uint8ClampedArray(size);
  return planes[index];
}

const u16 = (data: Uint8Array, at: number): number => (data[at] << 8) | data[at + 1];

/** DQT (B.2.4.1): false when malformed. */
function readQuantTables(data: Uint8Array, at: number, end: number, tables: Tables): boolean {
  while (at < end) {
    const precision = data[at] >> 4;
    const id = data[at] & 15;
    const bytes = precision === 0 ? 1 : 2;
    if (precision > 1 || id > 3 || at + 1 + 64 * bytes > end) return false;
    const steps = new Uint16Array(64);
    for (let k = 0; k < 64; k++) {
      steps[k] = bytes === 1 ? data[at + 1 + k] : u16(data, at + 1 + 2 * k);
      if (steps[k] === 0) return false; // B.2.4.1: a step of zero is not allowed
    }
    tables.quant[id] = scaledQuant(steps);
    at += 1 + 64 * bytes;
  }
  return at === end;
}

/** DHT (B.2.4.2): false when malformed or a table is not a valid code. */
function readHuffmanTables(data: Uint8Array, at: number, end: number, tables: Tables): boolean {
  while (at < end) {
    const tableClass = data[at] >> 4;
    const id = data[at] & 15;
    if (tableClass > 1 || id > 3 || at + 17 > end) return false;
    let count = 0;
    for (let i = 1; i <= 16; i++) count += data[at + i];
    if (at + 17 + count > end) return false;
    const table = huffmanTableAt(data, at + 1, 16 + count);
    if (table === null) return false;
    (tableClass === 0 ? tables.dc : tables.ac)[id] = table;
    at += 17 + count;
  }
  return at === end;
}

/** SOF0/SOF1 (B.2.2): the frame, or null for what this decoder leaves to jpeg-js. */
function readFrame(data: Uint8Array, at: number, end: number): Frame | null {
  const precision = data[at];
  const height = u16(data, at + 1);
  const width = u16(data, at + 3);
  const count = data[at + 5];
  if (precision !== 8 || (count !== 1 && count !== 3) || end - at !== 6 + 3 * count) return null;
  if (width === 0 || height === 0 || width * height > MAX_PIXELS) return null;
  const components: Component[] = [];
  let blocksPerMcu = 0;
  for (let i = 0; i < count; i++) {
    const spec = at + 6 + 3 * i;
    const id = data[spec];
    const h = data[spec + 1] >> 4;
    const v = data[spec + 1] & 15;
    const quantIndex = data[spec + 2];
    if (h < 1 || h > 4 || v < 1 || v > 4 || quantIndex > 3) return null;
    if (components.some((c) => c.id === id)) return null;
    components.push({
      id, h, v, quantIndex, quant: new Float64Array(0), dc: null, ac: null, pred: 0,
      plane: new Uint8ClampedArray(0), stride: 0,
    });
    blocksPerMcu += h * v;
  }
  if (count === 3 && blocksPerMcu > MAX_BLOCKS_PER_MCU) return null;
  // 'R', 'G', 'B' component ids mean RGB to some writers; leave the guess to jpeg-js.
  if (count === 3 && components[0].id === 0x52 && components[1].id === 0x47 && components[2].id === 0x42) return null;
  const maxH = Math.max(...components.map((c) => c.h));
  const maxV = Math.max(...components.map((c) => c.v));
  // A.2.4: MCUs cover the image in steps of 8 Hmax x 8 Vmax pixels; each component's plane is whole MCUs.
  const mcusPerLine = Math.ceil(width / (8 * maxH));
  const mcusPerColumn = Math.ceil(height / (8 * maxV));
  components.forEach((c, i) => {
    c.stride = mcusPerLine * c.h * 8;
    c.plane = planeFor(i, c.stride * mcusPerColumn * c.v * 8);
  });
  return { width, height, components, maxH, maxV, mcusPerLine, mcusPerColumn };
}

/** SOS (B.2.3): the components in scan order with their tables, or null. */
function readScanHeader(data: Uint8Array, at: number, end: number, frame: Frame, tables: Tables): Component[] | null {
  const count = data[at];
  if (count !== frame.components.length || end - at !== 4 + 2 * count) return null;
  const order: Component[] = [];
  for (let i = 0; i < count; i++) {
    const c = frame.components.find((x) => x.id === data[at + 1 + 2 * i]);
    if (c === undefined || order.includes(c)) return null;
    const dc = tables.dc[data[at + 2 + 2 * i] >> 4];
    const ac = tables.ac[data[at + 2 + 2 * i] & 15];
    const quant = tables.quant[c.quantIndex];
    if (dc === undefined || ac === undefined || quant === undefined) return null;
    c.dc = dc;
    c.ac = ac;
    c.quant = quant;
    order.push(c);
  }
  const spectralStart = data[at + 1 + 2 * count];
  const spectralEnd = data[at + 2 + 2 * count];
  const approximation = data[at + 3 + 2 * count];
  if (spectralStart !== 0 || spectralEnd !== 63 || approximation !== 0) return null;
  return order;
}

// ---------------------------------------------------------------------------------------------------
// The scan

const EOI = 0xd9;
const RST0 = 0xd0;

/**
 * Decodes the scan's entropy-coded data from `start` (T.81 F.2.2 and, for restarts, E.2.4 and F.2.1.3.1).
 * Returns the offset after EOI, or -1 when the data is damaged or does not end in EOI.
 */
function decodeScan(data: Uint8Array, start: number, frame: Frame, order: Component[], restartInterval: number): number {
  const reader = new BitReader();
  reader.start(data, start);
  coefficients.fill(0); // a damaged file before this one may have left a block half decoded
  // A.2.2: a scan of one component is not interleaved: its MCU is one block, in raster order over the
  // component's own blocks, which cover ceil(width * H / Hmax / 8) x ceil(...) blocks.
  const single = order.length === 1;
  const c0 = order[0];
  const mcusPerLine = single ? Math.ceil(Math.ceil((frame.width * c0.h) / frame.maxH) / 8) : frame.mcusPerLine;
  const mcusPerColumn = single ? Math.ceil(Math.ceil((frame.height * c0.v) / frame.maxV) / 8) : frame.mcusPerColumn;
  const total = mcusPerLine * mcusPerColumn;
  const interval = restartInterval > 0 ? restartInterval : total;
  for (const c of order) c.pred = 0;
  let restarts = 0;
  for (let mcu = 0; mcu < total; ) {
    const intervalEnd = Math.min(mcu + interval, total);
    for (; mcu < intervalEnd; mcu++) {
      const mcuRow = (mcu / mcusPerLine) | 0;
      const mcuColumn = mcu - mcuRow * mcusPerLine;
      if (single) {
        if (!decodeBlock(reader, c0, mcuRow, mcuColumn)) return -1;
      } else if (!decodeMcu(reader, order, mcuRow, mcuColumn)) {
        return -1;
      }
      // A damaged stream can run on zero bytes to the last MCU: stop at the end of the row instead.
      if (mcuColumn === mcusPerLine - 1 && reader.overrun()) return -1;
    }
    if (mcu === total) break;
    if (!reader.endsAt(RST0 + (restarts & 7))) return -1;
    restarts++;
    reader.start(data, reader.pos);
    for (const c of order) c.pred = 0;
  }
  return reader.endsAt(EOI) ? reader.pos : -1;
}

/** One MCU of an interleaved scan: each component's H x V blocks, left to right, top to bottom (A.2.3). */
function decodeMcu(reader: BitReader, order: Component[], mcuRow: number, mcuColumn: number): boolean {
  for (let i = 0; i < order.length; i++) {
    const c = order[i];
    for (let y = 0; y < c.v; y++) {
      for (let x = 0; x < c.h; x++) {
        if (!decodeBlock(reader, c, mcuRow * c.v + y, mcuColumn * c.h + x)) return false;
      }
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Colour

/*
 * JFIF's YCbCr is Y = Kr R + Kg G + Kb B with Kr = 0.299, Kb = 0.114, Kg = 1 - Kr - Kb, and
 * Cb = (B - Y) / (2 (1 - Kb)) + 128, Cr = (R - Y) / (2 (1 - Kr)) + 128. Solving for R, G, B:
 *   R = Y + 2 (1 - Kr) (Cr - 128)         = Y + 1.402 (Cr - 128)
 *   B = Y + 2 (1 - Kb) (Cb - 128)         = Y + 1.772 (Cb - 128)
 *   G = (Y - Kr R - Kb B) / Kg            = Y - 0.344136 (Cb - 128) - 0.714136 (Cr - 128)
 * Each chroma term is a table over the 256 sample values; the Uint8ClampedArray store rounds and clamps.
 */
const KR = 0.299;
const KB = 0.114;
const KG = 1 - KR - KB;
const RED_FROM_CR = new Float64Array(256);
const GREEN_FROM_CB = new Float64Array(256);
const GREEN_FROM_CR = new Float64Array(256);
const BLUE_FROM_CB = new Float64Array(256);
for (let i = 0; i < 256; i++) {
  RED_FROM_CR[i] = 2 * (1 - KR) * (i - 128);
  BLUE_FROM_CB[i] = 2 * (1 - KB) * (i - 128);
  GREEN_FROM_CB[i] = (-KB * 2 * (1 - KB) * (i - 128)) / KG;
  GREEN_FROM_CR[i] = (-KR * 2 * (1 - KR) * (i - 128)) / KG;
}

/** Grayscale: R = G = B = Y. */
function grayToRgb(frame: Frame, out: Uint8Array): void {
  const { width, height } = frame;
  const { plane, stride } = frame.components[0];
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0, i = y * stride; x < width; x++, i++, o += 3) {
      const value = plane[i];
      out[o] = value;
      out[o + 1] = value;
      out[o + 2] = value;
    }
  }
}

/** Three planes at full resolution (the training frames): pixel (x, y) is sample (x, y) of each. */
function fullResolutionToRgb(frame: Frame, out: Uint8ClampedArray): void {
  const { width, height } = frame;
  const [cy, cb, cr] = frame.components;
  const stride = cy.stride; // the same for all three: equal sampling factors
  const yPlane = cy.plane, cbPlane = cb.plane, crPlane = cr.plane;
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0, i = y * stride; x < width; x++, i++, o += 3) {
      const luma = yPlane[i];
      const blue = cbPlane[i];
      const red = crPlane[i];
      out[o] = luma + RED_FROM_CR[red];
      out[o + 1] = luma + GREEN_FROM_CB[blue] + GREEN_FROM_CR[red];
      out[o + 2] = luma + BLUE_FROM_CB[blue];
    }
  }
}

/** Column and row maps of the replicating upsampler, kept between calls. */
let columnMaps: Int32Array[] = [];

/**
 * Subsampled planes: pixel (x, y) takes sample (floor(x H / Hmax), floor(y V / Vmax)) of each component,
 * i.e. each sample is repeated over the Hmax/H x Vmax/V pixels it stands for. The components are taken in
 * frame order (Y, Cb, Cr), whatever the scan's order.
 */
function subsampledToRgb(frame: Frame, out: Uint8ClampedArray): void {
  const { width, height, maxH, maxV } = frame;
  const [cy, cb, cr] = frame.components;
  if (columnMaps.length !== 3 || columnMaps[0].length < width) {
    columnMaps = [0, 1, 2].map(() => new Int32Array(Math.max(width, 64)));
  }
  frame.components.forEach((c, i) => {
    const map = columnMaps[i];
    for (let x = 0; x < width; x++) map[x] = Math.floor((x * c.h) / maxH);
  });
  const [yColumns, cbColumns, crColumns] = columnMaps;
  for (let y = 0, o = 0; y < height; y++) {
    const yRow = Math.floor((y * cy.v) / maxV) * cy.stride;
    const cbRow = Math.floor((y * cb.v) / maxV) * cb.stride;
    const crRow = Math.floor((y * cr.v) / maxV) * cr.stride;
    for (let x = 0; x < width; x++, o += 3) {
      const luma = cy.plane[yRow + yColumns[x]];
      const blue = cb.plane[cbRow + cbColumns[x]];
      const red = cr.plane[crRow + crColumns[x]];
      out[o] = luma + RED_FROM_CR[red];
      out[o + 1] = luma + GREEN_FROM_CB[blue] + GREEN_FROM_CR[red];
      out[o + 2] = luma + BLUE_FROM_CB[blue];
    }
  }
}

function toRgb(frame: Frame): RgbImage {
  const { width, height, components } = frame;
  const data = new Uint8Array(width * height * 3);
  const clamped = new Uint8ClampedArray(data.buffer);
  if (components.length === 1) grayToRgb(frame, data);
  else if (components.every((c) => c.h === frame.maxH && c.v === frame.maxV)) fullResolutionToRgb(frame, clamped);
  else subsampledToRgb(frame, clamped);
  return { width, height, data };
}

// ---------------------------------------------------------------------------------------------------
// Entry point

/**
 * Decodes a baseline (or 8-bit extended sequential Huffman) JPEG to RGB, or returns null when the data is
 * of another kind or damaged (see the header): the caller then decodes it with jpeg-js. Never throws.
 */
export function decodeBaselineJpeg(data: Uint8Array): RgbImage | null {
  try {
    return decode(data);
  } catch {
    return null; // not expected; jpeg-js will say what is wrong with the file, if anything
  }
}

const SOI = 0xd8;
const SOF0 = 0xc0;
const SOF1 = 0xc1;
const DHT = 0xc4;
const SOS = 0xda;
const DQT = 0xdb;
const DRI = 0xdd;
const APP14 = 0xee;
const COM = 0xfe;

/** Reads the segments up to SOS, decodes the scan, converts to RGB. */
function decode(data: Uint8Array): RgbImage | null {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== SOI) return null;
  const tables: Tables = { quant: [], dc: [], ac: [], restartInterval: 0, adobeTransform: -1 };
  let frame: Frame | null = null;
  let at = 2;
  for (;;) {
    if (at + 4 > data.length || data[at] !== 0xff) return null;
    const marker = data[at + 1];
    const length = u16(data, at + 2);
    const body = at + 4;
    const end = at + 2 + length;
    if (length < 2 || end > data.length) return null;
    if (marker === SOS) {
      if (frame === null) return null;
      const order = readScanHeader(data, body, end, frame, tables);
      if (order === null) return null;
      if (frame.components.length === 3 && tables.adobeTransform === 0) return null; // Adobe says RGB
      if (decodeScan(data, end, frame, order, tables.restartInterval) < 0) return null;
      return toRgb(frame); // EOI followed the scan: anything after it is not the image's
    }
    if (marker === DQT) {
      if (!readQuantTables(data, body, end, tables)) return null;
    } else if (marker === DHT) {
      if (!readHuffmanTables(data, body, end, tables)) return null;
    } else if (marker === DRI) {
      if (length !== 4) return null;
      tables.restartInterval = u16(data, body);
    } else if (marker === SOF0 || marker === SOF1) {
      if (frame !== null) return null;
      frame = readFrame(data, body, end);
      if (frame === null) return null;
    } else if (marker === APP14) {
      // "Adobe", version, flags0, flags1, transform (0: no colour transform, 1: YCbCr, 2: YCCK).
      const adobe = length >= 14 && String.fromCharCode(...data.subarray(body, body + 5)) === 'Adobe';
      if (adobe) tables.adobeTransform = data[body + 11];
    } else if (!((marker >= 0xe0 && marker <= 0xef) || marker === COM)) {
      return null; // other frame types, DAC, DNL, DHP, EXP, fill bytes, anything else: jpeg-js's to judge
    }
    at = end;
  }
}
