/**
 * Safetensors, Hugging Face's file format for tensors, read and written as the reference implementation
 * (the Rust crate behind `safetensors.torch.save_file`) does, byte for byte:
 *
 *   [8 bytes: N, u64 little-endian] [N bytes: JSON header, padded with spaces to a multiple of 8] [data]
 *
 * The header maps each tensor name to `{ "dtype", "shape", "data_offsets": [begin, end] }`, byte offsets
 * into the data part, plus an optional `"__metadata__"` object of string to string. The tensors tile the
 * data part exactly: no gap, no overlap, nothing after the last one. Data is little-endian, row-major.
 *
 * The writer orders tensors as the reference does (widest dtype first, then by name), so every tensor's
 * data starts at a multiple of its element size; the reader accepts any order and copies each tensor into
 * a fresh typed array, so it never depends on alignment.
 */
import fs from 'fs';
import { Tensor } from '../tensor/tensor';
import { formatShape, numel } from '../tensor/shape';
import type { TypedArray } from '../tensor/dtype';
import { describeKind } from '../tensor/plain-values';
import type { StateDict } from './state-dict';
import { writeFileAtomic } from './atomic-files';

/** The element types this reader understands: the first four are also written. */
export type SafetensorsDType = 'F64' | 'F32' | 'I64' | 'I32' | 'BF16' | 'F16';
export type SafetensorsMetadata = Record<string, string>;

export interface SafetensorsContent {
  tensors: StateDict;
  /** The `__metadata__` strings; empty when the file has none. */
  metadata: SafetensorsMetadata;
}

/** One tensor's entry in the header. */
export interface SafetensorsEntry {
  dtype: SafetensorsDType;
  shape: number[];
  /** [begin, end) in bytes, relative to the start of the data part. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  /** Entries in the order of their data in the file. */
  entries: Record<string, SafetensorsEntry>;
  metadata: SafetensorsMetadata;
}

export interface EncodeOptions {
  /**
   * Int32 tensors are written as I32 unless listed here (or `true`: all of them), which are written as
   * I64, the dtype PyTorch uses for integers such as BatchNorm's num_batches_tracked.
   */
  int64?: boolean | readonly string[];
}

interface DTypeInfo {
  bytes: number;
  /** Rank in the reference implementation's dtype order, which sorts by alignment. */
  rank: number;
}

const DTYPE_INFO: Record<SafetensorsDType, DTypeInfo> = {
  F16: { bytes: 2, rank: 0 },
  BF16: { bytes: 2, rank: 1 },
  I32: { bytes: 4, rank: 2 },
  F32: { bytes: 4, rank: 3 },
  F64: { bytes: 8, rank: 4 },
  I64: { bytes: 8, rank: 5 },
};
const SUPPORTED = Object.keys(DTYPE_INFO).join(', ');

const METADATA_KEY = '__metadata__';
/** The reference reader refuses larger headers; so does this one (a lying length could ask for GBs). */
const MAX_HEADER_BYTES = 100_000_000;
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

// ---------------------------------------------------------------- encoding

function storageDType(name: string, t: Tensor, options: EncodeOptions): SafetensorsDType {
  const asInt64 = options.int64 === true || (Array.isArray(options.int64) && options.int64.includes(name));
  switch (t.dtype) {
    case 'float32':
      return 'F32';
    case 'float64':
      return 'F64';
    case 'int32':
      return asInt64 ? 'I64' : 'I32';
  }
}

/** The little-endian bytes of a tensor's elements. */
function tensorBytes(t: Tensor, dtype: SafetensorsDType): Uint8Array {
  const data = t.data;
  if (dtype === 'I64') {
    // Sign-extend each int32 into two little-endian words.
    const out = new Uint8Array(data.length * 8);
    const view = new DataView(out.buffer);
    for (let i = 0; i < data.length; i++) {
      view.setInt32(8 * i, data[i], true);
      view.setInt32(8 * i + 4, data[i] < 0 ? -1 : 0, true);
    }
    return out;
  }
  if (HOST_IS_LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (dtype === 'F32') view.setFloat32(4 * i, data[i], true);
    else if (dtype === 'F64') view.setFloat64(8 * i, data[i], true);
    else view.setInt32(4 * i, data[i], true);
  }
  return out;
}

/** Byte order of UTF-8, which is code point order: how the reference sorts names (JS `<` does not). */
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The JSON of an object with its keys in the given order. Built by hand because a JS object moves
 * integer-like keys ("0", "12") to the front, which would reorder the header.
 */
function jsonObject(pairs: [string, string][]): string {
  return `{${pairs.map(([key, valueJson]) => `${JSON.stringify(key)}:${valueJson}`).join(',')}}`;
}

function checkMetadata(metadata: unknown, where: string): SafetensorsMetadata {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new Error(`${where}: ${METADATA_KEY} must be an object of string values; got ${describeKind(metadata)}`);
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new Error(`${where}: ${METADATA_KEY} value for key ${JSON.stringify(key)} is ${describeKind(value)}; ` +
        'safetensors metadata maps strings to strings');
    }
  }
  return metadata as SafetensorsMetadata;
}

/**
 * Serialises tensors, and optionally metadata, into the bytes of a safetensors file. Tensors are laid
 * out as the reference writer lays them out (widest dtype first, then by name); metadata keys keep their
 * order (the reference keeps them in a hash map, so any order is as valid).
 */
export function encodeSafetensors(
  tensors: StateDict,
  metadata?: SafetensorsMetadata,
  options: EncodeOptions = {},
): Uint8Array {
  const op = 'encodeSafetensors';
  const items = Object.entries(tensors).map(([name, t]) => {
    if (!(t instanceof Tensor)) throw new Error(`${op}: entry ${JSON.stringify(name)} is ${describeKind(t)}, not a Tensor`);
    if (name === METADATA_KEY) throw new Error(`${op}: ${METADATA_KEY} is reserved for metadata; rename that tensor`);
    return { name, t, dtype: storageDType(name, t, options) };
  });
  if (Array.isArray(options.int64)) {
    for (const name of options.int64) {
      if (!Object.prototype.hasOwnProperty.call(tensors, name) || tensors[name].dtype !== 'int32') {
        throw new Error(`${op}: int64 lists ${JSON.stringify(name)}, which is not an int32 tensor of the dict`);
      }
    }
  }
  items.sort((a, b) => DTYPE_INFO[b.dtype].rank - DTYPE_INFO[a.dtype].rank || compareNames(a.name, b.name));

  const pairs: [string, string][] = [];
  if (metadata !== undefined) {
    const checked = checkMetadata(metadata, op);
    pairs.push([METADATA_KEY, jsonObject(Object.entries(checked).map(([k, v]) => [k, JSON.stringify(v)]))]);
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const { name, t, dtype } of items) {
    const bytes = tensorBytes(t, dtype);
    const entry = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    pairs.push([name, JSON.stringify(entry)]);
    chunks.push(bytes);
    offset += bytes.length;
  }

  let header = Buffer.from(jsonObject(pairs), 'utf8');
  // Spaces up to a multiple of 8 bytes, so the data part starts 8-aligned (as the reference pads).
  const padding = (8 - (header.length % 8)) % 8;
  header = Buffer.concat([header, Buffer.alloc(padding, 0x20)]);

  const out = new Uint8Array(8 + header.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  let at = 8 + header.length;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

// ---------------------------------------------------------------- decoding

/** Reads the header length; checks it against the file size. Returns N. */
function readHeaderLength(prefix: Uint8Array, fileBytes: number, where: string): number {
  if (fileBytes < 8) {
    throw new Error(`${where}: file is truncated: ${fileBytes} bytes, fewer than the 8 bytes of the header length`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(fileBytes - 8)) {
    throw new Error(`${where}: header length ${n} goes beyond the end of the file (${fileBytes} bytes); ` +
      'the file is truncated or not a safetensors file');
  }
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new Error(`${where}: header length ${n} is larger than the ${MAX_HEADER_BYTES} bytes allowed`);
  }
  return Number(n);
}

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Checks one tensor's entry: known dtype, valid shape, and offsets spanning dtype size x elements. */
function parseEntry(name: string, raw: unknown, where: string): SafetensorsEntry {
  const at = `${where}: tensor ${JSON.stringify(name)}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${at}: header entry is ${describeKind(raw)}; expected { dtype, shape, data_offsets }`);
  }
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string' || !Object.prototype.hasOwnProperty.call(DTYPE_INFO, dtype)) {
    throw new Error(`${at}: unsupported dtype ${JSON.stringify(dtype)}; supported dtypes are ${SUPPORTED}`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    throw new Error(`${at}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger) || offsets[0] > offsets[1]) {
    throw new Error(`${at}: data_offsets ${JSON.stringify(offsets)} is not a pair [begin, end] of integers with ` +
      '0 <= begin <= end');
  }
  const info = DTYPE_INFO[dtype as SafetensorsDType];
  const expected = numel(shape) * info.bytes;
  const span = offsets[1] - offsets[0];
  if (span !== expected) {
    throw new Error(`${at}: data_offsets [${offsets[0]}, ${offsets[1]}] span ${span} bytes, but dtype ${dtype} ` +
      `with shape ${formatShape(shape)} needs ${expected} bytes`);
  }
  return { dtype: dtype as SafetensorsDType, shape: [...shape], dataOffsets: [offsets[0], offsets[1]] };
}

/**
 * Parses and validates a header against the size of the data part: every entry well-formed, and the
 * entries, in offset order, tiling [0, dataBytes) exactly.
 */
function parseHeader(headerBytes: Uint8Array, dataBytes: number, where: string): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new Error(`${where}: header is not valid UTF-8`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`${where}: header is ${describeKind(json)}; expected a JSON object of tensor entries`);
  }

  let metadata: SafetensorsMetadata = {};
  const found: [string, SafetensorsEntry][] = [];
  for (const [name, raw] of Object.entries(json)) {
    if (name === METADATA_KEY) metadata = { ...checkMetadata(raw, where) };
    else found.push([name, parseEntry(name, raw, where)]);
  }

  found.sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let expectedBegin = 0;
  let previous = '';
  for (const [name, { dataOffsets: [begin, end] }] of found) {
    const at = `${where}: tensor ${JSON.stringify(name)}`;
    if (end > dataBytes) {
      throw new Error(`${at}: data_offsets [${begin}, ${end}] reach beyond the ${dataBytes}-byte data part; ` +
        'the file is truncated or its header is wrong');
    }
    if (begin < expectedBegin) {
      throw new Error(`${at}: data_offsets [${begin}, ${end}] overlap tensor ${JSON.stringify(previous)}, ` +
        `which ends at ${expectedBegin}`);
    }
    if (begin > expectedBegin) {
      throw new Error(`${at}: data_offsets [${begin}, ${end}] leave a gap of ${begin - expectedBegin} bytes ` +
        `after byte ${expectedBegin}; tensors must tile the data part`);
    }
    expectedBegin = end;
    previous = name;
  }
  if (expectedBegin !== dataBytes) {
    throw new Error(`${where}: ${dataBytes - expectedBegin} bytes after the last tensor's data ` +
      `(the header accounts for ${expectedBegin} of ${dataBytes} bytes)`);
  }
  return { entries: Object.fromEntries(found), metadata };
}

/** A fresh typed array from little-endian bytes: copied, so no alignment is assumed. */
function copyLittleEndian<T extends Float32Array | Float64Array | Int32Array>(
  bytes: Uint8Array,
  ArrayType: { new (length: number): T; readonly BYTES_PER_ELEMENT: number },
  read: (view: DataView, byteOffset: number) => number,
): T {
  const size = ArrayType.BYTES_PER_ELEMENT;
  const out = new ArrayType(bytes.length / size);
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = read(view, i * size);
  }
  return out;
}

/** IEEE half precision to a number (exact: every half is a float32). */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function decodeElements(bytes: Uint8Array, entry: SafetensorsEntry, name: string, where: string): TypedArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (entry.dtype) {
    case 'F32':
      return copyLittleEndian(bytes, Float32Array, (v, o) => v.getFloat32(o, true));
    case 'F64':
      return copyLittleEndian(bytes, Float64Array, (v, o) => v.getFloat64(o, true));
    case 'I32':
      return copyLittleEndian(bytes, Int32Array, (v, o) => v.getInt32(o, true));
    case 'I64': {
      // Tensors here hold int32; every value must fit (counters and labels do).
      const out = new Int32Array(bytes.length / 8);
      for (let i = 0; i < out.length; i++) {
        const low = view.getUint32(8 * i, true);
        const high = view.getInt32(8 * i + 4, true);
        const fits = (high === 0 && low <= 0x7fffffff) || (high === -1 && low >= 0x80000000);
        if (!fits) {
          throw new Error(`${where}: tensor ${JSON.stringify(name)} (I64) holds ${view.getBigInt64(8 * i, true)} ` +
            `at element ${i}, outside the int32 range that tensors here can hold`);
        }
        out[i] = low | 0;
      }
      return out;
    }
    case 'F16': {
      const out = new Float32Array(bytes.length / 2);
      for (let i = 0; i < out.length; i++) out[i] = halfToNumber(view.getUint16(2 * i, true));
      return out;
    }
    case 'BF16': {
      // A bfloat16 is the top half of a float32's bits (both views use the host's byte order).
      const out = new Float32Array(bytes.length / 2);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < out.length; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
  }
}

/**
 * Parses the bytes of a safetensors file. F32, F64 and I32 keep their dtype; I64 becomes int32 (an
 * error names the tensor if a value does not fit); F16 and BF16 become float32. `source` (a file name)
 * starts every error message.
 */
export function decodeSafetensors(bytes: Uint8Array, source = 'decodeSafetensors'): SafetensorsContent {
  const n = readHeaderLength(bytes, bytes.length, source);
  const dataStart = 8 + n;
  const header = parseHeader(bytes.subarray(8, dataStart), bytes.length - dataStart, source);
  const tensors = Object.entries(header.entries).map(([name, entry]): [string, Tensor] => {
    const [begin, end] = entry.dataOffsets;
    const data = decodeElements(bytes.subarray(dataStart + begin, dataStart + end), entry, name, source);
    return [name, new Tensor(data, entry.shape)];
  });
  // fromEntries, not assignment: a tensor named "__proto__" must stay a plain key.
  return { tensors: Object.fromEntries(tensors), metadata: header.metadata };
}

// ---------------------------------------------------------------- files

function fileLabel(file: string): string {
  return `safetensors file ${JSON.stringify(file)}`;
}

/** Writes a safetensors file atomically (see writeFileAtomic). */
export function saveSafetensors(
  file: string,
  tensors: StateDict,
  metadata?: SafetensorsMetadata,
  options: EncodeOptions = {},
): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata, options));
}

/** Reads a whole safetensors file. */
export function loadSafetensors(file: string): SafetensorsContent {
  return decodeSafetensors(fs.readFileSync(file), fileLabel(file));
}

/** Reads and validates only the header of a safetensors file: names, dtypes, shapes and metadata. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const where = fileLabel(file);
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const prefix = new Uint8Array(8);
    fs.readSync(fd, prefix, 0, 8, 0);
    const n = readHeaderLength(prefix, size, where);
    const header = new Uint8Array(n);
    fs.readSync(fd, header, 0, n, 8);
    return parseHeader(header, size - 8 - n, where);
  } finally {
    fs.closeSync(fd);
  }
}
