/**
 * Word vectors in the word2vec file formats, read the way gensim's load_word2vec_format reads them
 * (HowTo100M loads GoogleNews-vectors-negative300.bin with it):
 *
 * - both formats start with a header line "<word count> <dimension>";
 * - binary: per word, its UTF-8 bytes up to a space, then dim float32 little-endian values, usually
 *   followed by a newline; newline bytes inside the word bytes are skipped, as gensim skips them;
 * - text: per line, "word v1 ... vd" separated by single spaces; trailing whitespace is ignored;
 * - a word that appears twice keeps its first vector; bytes after the last counted word are ignored.
 *
 * The file is streamed in chunks: GoogleNews is 3.6 GB and only the few thousand words of a dataset's
 * captions are wanted, so `vocabulary` keeps just those and reading stops once all of them are found.
 */
import fs from 'fs';
import { lineError } from '../data/text-file';
import { ChunkedReader } from './chunked-reader';
import { WordVectorTable, WordVectors } from './word-vectors';

export interface ReadWord2vecOptions {
  /** Binary (GoogleNews) or text format; default: binary when the file name ends in ".bin". */
  binary?: boolean;
  /** Keep only these words (exact, case-sensitive); default: keep every word. */
  vocabulary?: Iterable<string>;
  /** Read only the first `limit` words of the file, as gensim's limit (default: all of them). */
  limit?: number;
  /** Bytes per read (default 4 MiB); the reader holds about two of them. */
  chunkSize?: number;
}

export interface WriteWord2vecOptions {
  /** Binary or text format; default: binary when the file name ends in ".bin". */
  binary?: boolean;
  /** The dimension, needed only to write an empty list of entries. */
  dim?: number;
}

const CALLER = 'readWord2vec';
const DEFAULT_CHUNK_SIZE = 4 << 20;
// The header, a word and a line are searched for no further than this, so that a garbled file fails
// quickly instead of being pulled into memory whole looking for a space or a newline.
const MAX_HEADER_BYTES = 1024;
const MAX_WORD_BYTES = 1 << 16;
const MAX_LINE_BYTES = 1 << 24;
const SPACE = 0x20;
const NEWLINE = 0x0a;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Where reading is and what to keep, shared by the two format readers. */
interface ReadState {
  file: string;
  reader: ChunkedReader;
  /** The header's word count and the number of words to read (fewer with a limit). */
  count: number;
  toRead: number;
  table: WordVectorTable;
  vocabulary: ReadonlySet<string> | null;
}

/** Reads a word2vec file (see the file comment for the format and options). */
export function readWord2vec(file: string, opts: ReadWord2vecOptions = {}): WordVectors {
  const binary = opts.binary ?? file.endsWith('.bin');
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const limit = opts.limit ?? Infinity;
  if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 0))) {
    throw new Error(`${CALLER}: limit must be a non-negative integer; got ${opts.limit}`);
  }
  const vocabulary = opts.vocabulary === undefined ? null : new Set(opts.vocabulary);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new Error(`${CALLER}: cannot open ${file} (${(err as Error).message})`);
  }
  try {
    const reader = new ChunkedReader(fd, chunkSize);
    const { count, dim } = readHeader(reader, file);
    const state: ReadState = { file, reader, count, toRead: Math.min(count, limit), table: new WordVectorTable(dim), vocabulary };
    if (binary) readBinaryWords(state);
    else readTextWords(state);
    return state.table;
  } finally {
    fs.closeSync(fd);
  }
}

function readHeader(reader: ChunkedReader, file: string): { count: number; dim: number } {
  const end = reader.indexOf(NEWLINE, MAX_HEADER_BYTES);
  if (end === -1) {
    const what = reader.ended && reader.available === 0
      ? 'the file is empty'
      : `no header line within its first ${Math.min(reader.available, MAX_HEADER_BYTES)} bytes`;
    throw lineError(CALLER, file, 1, `${what}; expected a header "<word count> <dimension>"`);
  }
  const header = reader.peek(end).toString('latin1').trim();
  const fields = header.split(/\s+/);
  if (fields.length !== 2 || !fields.every((f) => /^\d+$/.test(f)) || Number(fields[1]) === 0) {
    throw lineError(CALLER, file, 1, `expected a header "<word count> <dimension>" (dimension > 0); got ${JSON.stringify(header)}`);
  }
  reader.advance(end + 1);
  return { count: Number(fields[0]), dim: Number(fields[1]) };
}

/** Whether to store `word`: wanted, and not already read (a duplicate keeps its first vector). */
function keeps(state: ReadState, word: string): boolean {
  return (state.vocabulary === null || state.vocabulary.has(word)) && !state.table.has(word);
}

/** With a vocabulary, every one of its words has been found: the rest of the file cannot add any. */
function foundAll(state: ReadState): boolean {
  return state.vocabulary !== null && state.table.size === state.vocabulary.size;
}

function readBinaryWords(state: ReadState): void {
  const { file, reader, count, table } = state;
  const vectorBytes = 4 * table.dim;
  const values = new Float32Array(table.dim);
  for (let i = 0; i < state.toRead && !foundAll(state); i++) {
    const start = reader.position;
    const where = () => `${CALLER}: ${file}: word ${i + 1} of ${count} (at byte ${start})`;
    const space = reader.indexOf(SPACE, MAX_WORD_BYTES);
    if (space === -1) {
      throw new Error(
        reader.ended && reader.available < MAX_WORD_BYTES
          ? `${where()}: the file ends before the space after the word; it is truncated, or its header's count is too large`
          : `${where()}: no space within ${MAX_WORD_BYTES} bytes; the file is garbled, or not in the binary format`,
      );
    }
    const word = decodeBinaryWord(reader.peek(space), where);
    reader.advance(space + 1);
    const got = reader.ensure(vectorBytes);
    if (got < vectorBytes) {
      throw new Error(`${where()}: the file ends inside the vector of ${JSON.stringify(word)} (${got} of ${vectorBytes} bytes); it is truncated`);
    }
    if (keeps(state, word)) {
      const bytes = reader.peek(vectorBytes);
      const view = new DataView(bytes.buffer, bytes.byteOffset, vectorBytes);
      for (let k = 0; k < values.length; k++) values[k] = view.getFloat32(4 * k, true);
      table.add(word, values);
    }
    reader.advance(vectorBytes);
  }
}

/** The word from its bytes, without newline bytes (the end of the previous vector's line). */
function decodeBinaryWord(bytes: Buffer, where: () => string): string {
  let ascii = true;
  let newlines = false;
  for (let k = 0; k < bytes.length; k++) {
    if (bytes[k] >= 0x80) ascii = false;
    else if (bytes[k] === NEWLINE) newlines = true;
  }
  const kept = newlines ? Buffer.from(bytes.filter((b) => b !== NEWLINE)) : bytes;
  if (ascii) return kept.toString('latin1');
  try {
    return utf8.decode(kept);
  } catch {
    const hex = kept.subarray(0, 16).toString('hex');
    throw new Error(`${where()}: the word is not valid UTF-8 (bytes ${hex}${kept.length > 16 ? '...' : ''}); the file is garbled, or not in the binary format`);
  }
}

function readTextWords(state: ReadState): void {
  const { file, reader, count, table } = state;
  const values = new Float32Array(table.dim);
  for (let i = 0; i < state.toRead && !foundAll(state); i++) {
    const line = i + 2; // the header is line 1
    const newline = reader.indexOf(NEWLINE, MAX_LINE_BYTES);
    let length = newline;
    if (newline === -1) {
      if (!reader.ended || reader.available >= MAX_LINE_BYTES) {
        throw lineError(CALLER, file, line, `no line end within ${MAX_LINE_BYTES} bytes; the file is garbled, or not in the text format`);
      }
      if (reader.available === 0) {
        throw lineError(CALLER, file, line, `the file ends after ${i} of the ${count} words its header announces; it is truncated`);
      }
      length = reader.available; // a last line without a newline
    }
    let text: string;
    try {
      text = utf8.decode(reader.peek(length));
    } catch {
      throw lineError(CALLER, file, line, 'not valid UTF-8; the file is garbled, or not in the text format');
    }
    reader.advance(newline === -1 ? length : length + 1);
    const fields = text.trimEnd().split(' ');
    if (fields.length !== table.dim + 1) {
      throw lineError(
        CALLER, file, line,
        `expected a word and ${table.dim} numbers separated by single spaces; got ${fields.length - 1} fields after the word`,
      );
    }
    const word = fields[0];
    // Only the words kept have their numbers parsed: checking 3 million lines of 300 would cost minutes.
    if (!keeps(state, word)) continue;
    for (let k = 0; k < values.length; k++) {
      const v = parseNumber(fields[k + 1]);
      if (v === null) throw lineError(CALLER, file, line, `value ${k + 1} of ${JSON.stringify(word)} is not a number: ${JSON.stringify(fields[k + 1])}`);
      values[k] = v;
    }
    table.add(word, values);
  }
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/** A decimal as Python's float() reads one (including inf and nan), or null; Number() would take "" and hex. */
function parseNumber(field: string): number | null {
  if (DECIMAL.test(field)) return Number(field);
  const special = SPECIAL.exec(field);
  if (special === null) return null;
  if (special[2].toLowerCase() === 'nan') return NaN;
  return special[1] === '-' ? -Infinity : Infinity;
}

/**
 * Writes word vectors in the word2vec format (the file is complete or absent: it is written to a
 * temporary name and renamed). Binary entries end with a newline, as the original word2vec tool writes
 * them; text values are the shortest decimals that read back to the same float32.
 */
export function writeWord2vec(
  file: string,
  vectors: WordVectors | Iterable<readonly [string, ArrayLike<number>]>,
  opts: WriteWord2vecOptions = {},
): void {
  const binary = opts.binary ?? file.endsWith('.bin');
  const entries = isWordVectors(vectors)
    ? [...vectors.words()].map((w) => [w, vectors.get(w) as Float32Array] as const)
    : [...vectors];
  const dim = isWordVectors(vectors) ? vectors.dim : opts.dim ?? entries[0]?.[1].length;
  if (dim === undefined || !Number.isInteger(dim) || dim <= 0) {
    throw new Error(`writeWord2vec: ${file}: cannot tell the dimension (no entries); pass a positive dim`);
  }
  entries.forEach(([word, values], i) => {
    if (typeof word !== 'string' || word === '' || /\s/.test(word)) {
      throw new Error(`writeWord2vec: ${file}: word ${i + 1} is ${JSON.stringify(word)}; words must be non-empty and without whitespace`);
    }
    if (values.length !== dim) {
      throw new Error(`writeWord2vec: ${file}: the vector of ${JSON.stringify(word)} has ${values.length} values; expected ${dim}`);
    }
  });
  const temporary = `${file}.partial-${process.pid}`;
  const fd = fs.openSync(temporary, 'w');
  try {
    const out = new BufferedWriter(fd);
    out.write(Buffer.from(`${entries.length} ${dim}\n`, 'latin1'));
    for (const [word, values] of entries) {
      if (binary) {
        const record = Buffer.alloc(4 * dim + 1);
        for (let k = 0; k < dim; k++) record.writeFloatLE(values[k], 4 * k);
        record[4 * dim] = NEWLINE;
        out.write(Buffer.from(`${word} `, 'utf8'));
        out.write(record);
      } else {
        out.write(Buffer.from(`${word} ${Array.from(values, formatFloat32).join(' ')}\n`, 'utf8'));
      }
    }
    out.flush();
    fs.closeSync(fd);
    fs.renameSync(temporary, file);
  } catch (err) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
    fs.rmSync(temporary, { force: true });
    throw err;
  }
}

function isWordVectors(v: unknown): v is WordVectors {
  return typeof (v as WordVectors).get === 'function' && typeof (v as WordVectors).words === 'function';
}

/** The shortest decimal that reads back (as float32) to the same float32; inf and nan as Python writes them. */
export function formatFloat32(value: number): string {
  const f = Math.fround(value);
  if (Number.isNaN(f)) return 'nan';
  if (!Number.isFinite(f)) return f > 0 ? 'inf' : '-inf';
  if (Object.is(f, -0)) return '-0';
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return String(candidate);
  }
  return String(Number(f.toPrecision(9))); // 9 significant digits always identify a float32
}

/** Collects small writes into 1 MiB writeSync calls. */
class BufferedWriter {
  private readonly buffer = Buffer.alloc(1 << 20);
  private used = 0;

  constructor(private readonly fd: number) {}

  write(bytes: Buffer): void {
    if (this.used + bytes.length > this.buffer.length) this.flush();
    if (bytes.length > this.buffer.length) writeAll(this.fd, bytes);
    else {
      bytes.copy(this.buffer, this.used);
      this.used += bytes.length;
    }
  }

  flush(): void {
    writeAll(this.fd, this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}
