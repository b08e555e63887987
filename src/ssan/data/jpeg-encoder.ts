/**
 * A small baseline sequential JPEG encoder (JFIF, 8-bit, YCbCr 4:4:4, the standard tables of the JPEG
 * standard's Annex K, IJG quality scaling).
 *
 * It exists because jpeg-js's encoder rebuilds its tables on every call (tens of milliseconds for a
 * 64x64 frame on the project's 2-core machine when this encoder was written, November 2026),
 * while the synthetic dataset writes tens of thousands of small frames. Here everything that depends only on
 * the quality (quantisation divisors, Huffman codes, header segments) is built once and cached, and each
 * call only converts colours, transforms 8x8 blocks and writes bits.
 */
import type { RgbImage } from './types';

// ---------------------------------------------------------------------------------------------------
// Standard tables (ITU-T T.81 Annex K)

/** K.1: luminance quantisation, natural (row-major) order. */
const BASE_LUMA_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
  14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
  49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** K.2: chrominance quantisation, natural order. */
const BASE_CHROMA_QUANT = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
  24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/** A Huffman table as the DHT segment stores it: how many codes of each length 1..16, then the symbols. */
interface HuffmanSpec {
  counts: number[];
  symbols: number[];
}

const CATEGORIES_0_TO_11 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

/** K.3.1 and K.3.2: DC difference categories. */
const DC_LUMA: HuffmanSpec = { counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], symbols: CATEGORIES_0_TO_11 };
const DC_CHROMA: HuffmanSpec = { counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], symbols: CATEGORIES_0_TO_11 };

/** K.3.3.1: AC luminance, symbols (run << 4 | size) by increasing code length. */
const AC_LUMA: HuffmanSpec = {
  counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  symbols: [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
    0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
    0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
    0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
    0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
    0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
    0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
    0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    0xf9, 0xfa,
  ],
};

/** K.3.3.2: AC chrominance. */
const AC_CHROMA: HuffmanSpec = {
  counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
  symbols: [
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
    0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
    0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
    0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
    0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
    0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
    0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
    0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
    0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    0xf9, 0xfa,
  ],
};

/** ZIGZAG[k] = the natural (row-major) index of the k-th coefficient in the order JPEG stores them. */
const ZIGZAG: Int32Array = (() => {
  const order = new Int32Array(64);
  let k = 0;
  // Walk the anti-diagonals row + col = d, alternating direction.
  for (let d = 0; d < 15; d++) {
    const cells: number[] = [];
    for (let row = Math.max(0, d - 7); row <= Math.min(7, d); row++) cells.push(row * 8 + (d - row));
    if (d % 2 === 0) cells.reverse(); // even diagonals run bottom-left to top-right
    for (const cell of cells) order[k++] = cell;
  }
  return order;
})();

// ---------------------------------------------------------------------------------------------------
// The forward DCT

/**
 * The 8-point DCT-II with the JPEG normalisation, X[u] = c(u)/2 · Σ x[i] cos((2i+1)uπ/16), split by the
 * symmetry of the cosines: even outputs depend only on the sums x[i] + x[7-i], odd outputs only on the
 * differences, so each is a 4x4 product (32 multiplies instead of 64).
 */
const DCT_EVEN = new Float64Array(16); // [row u/2][i]
const DCT_ODD = new Float64Array(16); // [row (u-1)/2][i]
for (let u = 0; u < 8; u++) {
  const scale = (u === 0 ? Math.SQRT1_2 : 1) / 2;
  for (let i = 0; i < 4; i++) {
    const c = scale * Math.cos(((2 * i + 1) * u * Math.PI) / 16);
    if (u % 2 === 0) DCT_EVEN[(u >> 1) * 4 + i] = c;
    else DCT_ODD[(u >> 1) * 4 + i] = c;
  }
}

/** Transforms 8 values of `block` starting at `start`, `stride` apart, in place. */
function dct8(block: Float64Array, start: number, stride: number): void {
  const x0 = block[start], x1 = block[start + stride], x2 = block[start + 2 * stride], x3 = block[start + 3 * stride];
  const x4 = block[start + 4 * stride], x5 = block[start + 5 * stride], x6 = block[start + 6 * stride], x7 = block[start + 7 * stride];
  const s0 = x0 + x7, s1 = x1 + x6, s2 = x2 + x5, s3 = x3 + x4;
  const d0 = x0 - x7, d1 = x1 - x6, d2 = x2 - x5, d3 = x3 - x4;
  for (let r = 0; r < 4; r++) {
    const e = r * 4;
    block[start + 2 * r * stride] = DCT_EVEN[e] * s0 + DCT_EVEN[e + 1] * s1 + DCT_EVEN[e + 2] * s2 + DCT_EVEN[e + 3] * s3;
    block[start + (2 * r + 1) * stride] = DCT_ODD[e] * d0 + DCT_ODD[e + 1] * d1 + DCT_ODD[e + 2] * d2 + DCT_ODD[e + 3] * d3;
  }
}

/** 2-D DCT of a row-major 8x8 block, in place: rows, then columns. */
function dct8x8(block: Float64Array): void {
  for (let row = 0; row < 8; row++) dct8(block, row * 8, 1);
  for (let col = 0; col < 8; col++) dct8(block, col, 8);
}

// ---------------------------------------------------------------------------------------------------
// Tables that depend on the quality, built once per quality

/** Huffman codes by symbol: code bits and code length (0 where the symbol has no code). */
interface HuffmanCodes {
  code: Uint16Array;
  length: Uint8Array;
}

interface QualityTables {
  /** 1 / divisor by natural index, for luminance and chrominance. */
  lumaScale: Float64Array;
  chromaScale: Float64Array;
  /** APP0 + DQT + DHT: everything before SOF0, which alone depends on the image size. */
  headerBeforeFrame: Uint8Array;
}

/** IJG's quality scaling (libjpeg jcparam.c): 50 keeps the Annex K tables, 100 makes every divisor 1. */
function scaledQuantTable(base: number[], quality: number): Uint8Array {
  const percent = quality < 50 ? Math.floor(5000 / quality) : 200 - 2 * quality;
  const table = new Uint8Array(64);
  for (let i = 0; i < 64; i++) {
    // Baseline JPEG stores divisors as bytes, hence the cap at 255.
    table[i] = Math.min(255, Math.max(1, Math.floor((base[i] * percent + 50) / 100)));
  }
  return table;
}

/** Annex C: canonical codes, assigned in order of length, counting up. */
function buildHuffmanCodes(spec: HuffmanSpec): HuffmanCodes {
  const code = new Uint16Array(256);
  const length = new Uint8Array(256);
  let next = 0;
  let k = 0;
  for (let bits = 1; bits <= 16; bits++) {
    for (let n = 0; n < spec.counts[bits - 1]; n++) {
      const symbol = spec.symbols[k++];
      code[symbol] = next++;
      length[symbol] = bits;
    }
    next <<= 1;
  }
  return { code, length };
}

const LUMA_DC_CODES = buildHuffmanCodes(DC_LUMA);
const LUMA_AC_CODES = buildHuffmanCodes(AC_LUMA);
const CHROMA_DC_CODES = buildHuffmanCodes(DC_CHROMA);
const CHROMA_AC_CODES = buildHuffmanCodes(AC_CHROMA);

function segment(marker: number, payload: number[]): number[] {
  const length = payload.length + 2; // the length field counts itself
  return [0xff, marker, length >> 8, length & 0xff, ...payload];
}

function buildHeaderBeforeFrame(lumaQuant: Uint8Array, chromaQuant: Uint8Array): Uint8Array {
  const soi = [0xff, 0xd8];
  // JFIF 1.01, no units, 1:1 pixel aspect, no thumbnail.
  const app0 = segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const dqt = segment(0xdb, [
    0x00, ...Array.from(ZIGZAG, (i) => lumaQuant[i]),
    0x01, ...Array.from(ZIGZAG, (i) => chromaQuant[i]),
  ]);
  const huffmanTable = (classAndId: number, spec: HuffmanSpec) => [classAndId, ...spec.counts, ...spec.symbols];
  const dht = segment(0xc4, [
    ...huffmanTable(0x00, DC_LUMA), ...huffmanTable(0x10, AC_LUMA),
    ...huffmanTable(0x01, DC_CHROMA), ...huffmanTable(0x11, AC_CHROMA),
  ]);
  return Uint8Array.from([...soi, ...app0, ...dqt, ...dht]);
}

const tablesByQuality = new Map<number, QualityTables>();

function tablesFor(quality: number): QualityTables {
  let tables = tablesByQuality.get(quality);
  if (!tables) {
    const lumaQuant = scaledQuantTable(BASE_LUMA_QUANT, quality);
    const chromaQuant = scaledQuantTable(BASE_CHROMA_QUANT, quality);
    tables = {
      lumaScale: Float64Array.from(lumaQuant, (q) => 1 / q),
      chromaScale: Float64Array.from(chromaQuant, (q) => 1 / q),
      headerBeforeFrame: buildHeaderBeforeFrame(lumaQuant, chromaQuant),
    };
    tablesByQuality.set(quality, tables);
  }
  return tables;
}

/** SOF0 (3 components, no subsampling) and SOS: the only header parts that carry the image size. */
function frameAndScanHeaders(width: number, height: number): number[] {
  const sof0 = segment(0xc0, [
    8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3,
    1, 0x11, 0, // Y: 1x1 sampling, quantisation table 0
    2, 0x11, 1, // Cb
    3, 0x11, 1, // Cr
  ]);
  const sos = segment(0xda, [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);
  return [...sof0, ...sos];
}

// ---------------------------------------------------------------------------------------------------
// Writing bytes and bits

class ByteWriter {
  bytes: Uint8Array;
  length = 0;
  private bitBuffer = 0;
  private bitCount = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(capacity, 1024));
  }

  writeByte(byte: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = byte;
  }

  writeBytes(bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.writeByte(bytes[i]);
  }

  /** Appends the low `count` bits of `value` (count <= 16) to the entropy-coded data. */
  writeBits(value: number, count: number): void {
    this.bitBuffer = (this.bitBuffer << count) | (value & ((1 << count) - 1));
    this.bitCount += count;
    while (this.bitCount >= 8) {
      const byte = (this.bitBuffer >> (this.bitCount - 8)) & 0xff;
      this.writeByte(byte);
      // A 0xFF byte in entropy-coded data would read as a marker, so it is stuffed with a zero.
      if (byte === 0xff) this.writeByte(0);
      this.bitCount -= 8;
    }
    this.bitBuffer &= (1 << this.bitCount) - 1; // keep the buffer small: at most 7 pending bits
  }

  /** Pads the last byte with 1-bits, as the standard asks. */
  flushBits(): void {
    if (this.bitCount > 0) this.writeBits(0x7f, 8 - this.bitCount);
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** The number of bits of |value|: JPEG's "category" (SSSS) of a coefficient or DC difference. */
function bitLength(value: number): number {
  let magnitude = value < 0 ? -value : value;
  let bits = 0;
  while (magnitude > 0) {
    bits++;
    magnitude >>= 1;
  }
  return bits;
}

/** Writes a category's extra bits: the value itself when positive, value - 1 in two's complement when negative. */
function writeMagnitude(out: ByteWriter, value: number, bits: number): void {
  if (bits > 0) out.writeBits(value < 0 ? value - 1 : value, bits);
}

// Coefficients of 8-bit samples stay within ±1024; the clamp keeps DC differences inside category 11 and
// AC values inside category 10 whatever the rounding, so every value has a code.
const MAX_COEFFICIENT = 1023;

const blockBuffer = new Float64Array(64);
const quantised = new Int32Array(64);

/** Transforms, quantises and Huffman-codes one 8x8 block of `plane`; returns the block's DC for prediction. */
function encodeBlock(
  out: ByteWriter, plane: Float32Array, planeWidth: number, x0: number, y0: number,
  scale: Float64Array, dcCodes: HuffmanCodes, acCodes: HuffmanCodes, previousDc: number,
): number {
  for (let y = 0; y < 8; y++) {
    const rowStart = (y0 + y) * planeWidth + x0;
    for (let x = 0; x < 8; x++) blockBuffer[y * 8 + x] = plane[rowStart + x];
  }
  dct8x8(blockBuffer);
  for (let k = 0; k < 64; k++) {
    const natural = ZIGZAG[k];
    const q = Math.round(blockBuffer[natural] * scale[natural]);
    quantised[k] = q > MAX_COEFFICIENT ? MAX_COEFFICIENT : q < -MAX_COEFFICIENT ? -MAX_COEFFICIENT : q;
  }

  const dc = quantised[0];
  const difference = dc - previousDc;
  const dcBits = bitLength(difference);
  out.writeBits(dcCodes.code[dcBits], dcCodes.length[dcBits]);
  writeMagnitude(out, difference, dcBits);

  let zeroRun = 0;
  for (let k = 1; k < 64; k++) {
    const value = quantised[k];
    if (value === 0) {
      zeroRun++;
      continue;
    }
    while (zeroRun > 15) {
      out.writeBits(acCodes.code[0xf0], acCodes.length[0xf0]); // ZRL: sixteen zeros
      zeroRun -= 16;
    }
    const bits = bitLength(value);
    const symbol = (zeroRun << 4) | bits;
    out.writeBits(acCodes.code[symbol], acCodes.length[symbol]);
    writeMagnitude(out, value, bits);
    zeroRun = 0;
  }
  if (zeroRun > 0) out.writeBits(acCodes.code[0x00], acCodes.length[0x00]); // EOB
  return dc;
}

/**
 * Converts RGB to level-shifted Y, Cb, Cr planes (JFIF's equations) padded to whole 8x8 blocks. The
 * padding repeats the last column and row, so partial edge blocks hold no artificial edge to ring on.
 */
function toPaddedYCbCr(image: RgbImage, paddedWidth: number, paddedHeight: number): Float32Array[] {
  const { width, height, data } = image;
  const size = paddedWidth * paddedHeight;
  const luma = new Float32Array(size);
  const blueDiff = new Float32Array(size);
  const redDiff = new Float32Array(size);
  for (let y = 0; y < paddedHeight; y++) {
    const sourceRow = Math.min(y, height - 1) * width;
    for (let x = 0; x < paddedWidth; x++) {
      const p = (sourceRow + Math.min(x, width - 1)) * 3;
      const r = data[p], g = data[p + 1], b = data[p + 2];
      const i = y * paddedWidth + x;
      luma[i] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
      blueDiff[i] = -0.168736 * r - 0.331264 * g + 0.5 * b;
      redDiff[i] = 0.5 * r - 0.418688 * g - 0.081312 * b;
    }
  }
  return [luma, blueDiff, redDiff];
}

/**
 * Encodes 8-bit RGB as a baseline JFIF JPEG at `quality` (an integer 1..100, IJG scale). Any size from 1x1
 * to 65535x65535.
 */
export function encodeBaselineJpeg(image: RgbImage, quality = 90): Uint8Array {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 65535 || height > 65535) {
    throw new Error(`encodeBaselineJpeg: width and height must be integers from 1 to 65535, got ${width}x${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new Error(`encodeBaselineJpeg: expected ${width}x${height}x3 = ${width * height * 3} bytes of RGB, got ${data.length}`);
  }
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new Error(`encodeBaselineJpeg: quality must be an integer from 1 to 100, got ${quality}`);
  }
  const tables = tablesFor(quality);
  const blocksAcross = Math.ceil(width / 8);
  const blocksDown = Math.ceil(height / 8);
  const paddedWidth = blocksAcross * 8;
  const [luma, blueDiff, redDiff] = toPaddedYCbCr(image, paddedWidth, blocksDown * 8);

  const out = new ByteWriter(tables.headerBeforeFrame.length + width * height + 1024);
  out.writeBytes(tables.headerBeforeFrame);
  out.writeBytes(frameAndScanHeaders(width, height));
  // One interleaved scan: each MCU is one block of Y, then Cb, then Cr.
  let dcY = 0, dcCb = 0, dcCr = 0;
  for (let by = 0; by < blocksDown; by++) {
    for (let bx = 0; bx < blocksAcross; bx++) {
      const x0 = bx * 8, y0 = by * 8;
      dcY = encodeBlock(out, luma, paddedWidth, x0, y0, tables.lumaScale, LUMA_DC_CODES, LUMA_AC_CODES, dcY);
      dcCb = encodeBlock(out, blueDiff, paddedWidth, x0, y0, tables.chromaScale, CHROMA_DC_CODES, CHROMA_AC_CODES, dcCb);
      dcCr = encodeBlock(out, redDiff, paddedWidth, x0, y0, tables.chromaScale, CHROMA_DC_CODES, CHROMA_AC_CODES, dcCr);
    }
  }
  out.flushBits();
  out.writeBytes([0xff, 0xd9]); // EOI
  return out.result();
}
