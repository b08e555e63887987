/**
 * word2vec files: binary and text round trips through writeWord2vec, gensim's reading rules
 * (newlines before words, first of duplicates, limit), vocabulary filtering, streaming in chunks smaller
 * than a record, and errors that name the file and the word or line for truncated and garbled files.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Generator } from '../../../src';
import { retrieval } from '../../../src/ssan';
import { formatFloat32 } from '../../../src/ssan/retrieval/word2vec';
import { errorOf } from '../../helpers';

const { readWord2vec, writeWord2vec, WordVectorTable } = retrieval;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'word2vec-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const file = (name: string) => path.join(dir, name);

function randomEntries(words: string[], dim: number, seed: number): [string, Float32Array][] {
  const g = new Generator(seed);
  return words.map((w) => {
    const v = new Float32Array(dim);
    g.fillNormal(v);
    return [w, v];
  });
}

const WORDS = ['the', 'Dog', 'dog', "don't", 'café', '東京', 'snake_case', 'x'];

function expectSameVectors(got: retrieval.WordVectors, want: [string, ArrayLike<number>][]): void {
  expect(got.size).toBe(want.length);
  expect([...got.words()]).toEqual(want.map(([w]) => w));
  for (const [w, v] of want) expect(Array.from(got.get(w) ?? []), w).toEqual(Array.from(Float32Array.from(v)));
}

/** A binary record built by hand: the word, a space, the float32 values, and optionally a newline. */
function binaryRecord(word: string, values: number[], newline: boolean): Buffer {
  const floats = Buffer.alloc(4 * values.length);
  values.forEach((v, k) => floats.writeFloatLE(v, 4 * k));
  return Buffer.concat([Buffer.from(`${word} `, 'utf8'), floats, Buffer.from(newline ? '\n' : '')]);
}

describe('word2vec round trips', () => {
  for (const binary of [true, false]) {
    const kind = binary ? 'binary' : 'text';
    it(`${kind}: writeWord2vec then readWord2vec gives the same words, order and float32 values`, () => {
      const entries = randomEntries(WORDS, 7, 1);
      const f = file(`round-trip.${binary ? 'bin' : 'txt'}`);
      writeWord2vec(f, entries);
      const got = readWord2vec(f);
      expect(got.dim).toBe(7);
      expectSameVectors(got, entries);
      // The format follows the extension unless given.
      const other = file(`round-trip-${kind}.vectors`);
      writeWord2vec(other, got, { binary });
      expectSameVectors(readWord2vec(other, { binary }), entries);
    });

    it(`${kind}: special values (±0, ±inf, nan, extremes) survive`, () => {
      const values = [0, -0, Infinity, -Infinity, NaN, 3.4028234663852886e38, 1.401298464324817e-45, 0.1];
      const f = file(`special.${binary ? 'bin' : 'txt'}`);
      writeWord2vec(f, [['w', values]]);
      const got = Array.from(readWord2vec(f).get('w') ?? []);
      expect(got.map((v) => Object.is(v, -0) ? '-0' : String(v))).toEqual(values.map((v) => Object.is(v, -0) ? '-0' : String(Math.fround(v))));
    });
  }

  it('text values are the shortest decimals that read back to the same float32', () => {
    expect(formatFloat32(0.1)).toBe('0.1');
    expect(formatFloat32(1 / 3)).toBe('0.33333334');
    expect(formatFloat32(-2.5e-8)).toBe('-2.5e-8');
    const f = file('plain.txt');
    writeWord2vec(f, [['a', [0.1, -1, 1e20]]]);
    expect(fs.readFileSync(f, 'utf8')).toBe('1 3\na 0.1 -1 100000000000000000000\n');
  });

  it('writes an empty table with its dim, and leaves no file when an entry is bad', () => {
    const f = file('empty.bin');
    writeWord2vec(f, new WordVectorTable(4));
    const got = readWord2vec(f);
    expect([got.size, got.dim]).toEqual([0, 4]);
    const bad = file('bad.bin');
    expect(() => writeWord2vec(bad, [['two words', [1]]])).toThrow(/bad\.bin: word 1 is "two words"; words must be non-empty and without whitespace/);
    expect(() => writeWord2vec(bad, [['a', [1]], ['b', [1, 2]]])).toThrow(/the vector of "b" has 2 values; expected 1/);
    expect(() => writeWord2vec(bad, [])).toThrow(/cannot tell the dimension/);
    expect(fs.existsSync(bad)).toBe(false);
    expect(fs.readdirSync(dir).filter((n) => n.includes('partial'))).toEqual([]);
  });
});

describe("readWord2vec follows gensim's reading rules", () => {
  it('binary records with or without the newline after the vector, and newlines before a word', () => {
    const f = file('newlines.bin');
    fs.writeFileSync(f, Buffer.concat([
      Buffer.from('3 2\n'),
      binaryRecord('a', [1, 2], false),
      binaryRecord('b', [3, 4], true),
      Buffer.from('\n\n'),
      binaryRecord('c', [5, 6], false),
    ]));
    expectSameVectors(readWord2vec(f), [['a', [1, 2]], ['b', [3, 4]], ['c', [5, 6]]]);
  });

  it('a duplicate word keeps its first vector; bytes after the counted words are ignored', () => {
    const f = file('duplicates.bin');
    writeWord2vec(f, [['a', [1]], ['b', [2]], ['a', [3]]]);
    fs.appendFileSync(f, 'trailing junk');
    expectSameVectors(readWord2vec(f), [['a', [1]], ['b', [2]]]);
    const t = file('duplicates.txt');
    fs.writeFileSync(t, '3 1\na 1\nb 2\na 3  \r\n');
    expectSameVectors(readWord2vec(t), [['a', [1]], ['b', [2]]]);
  });

  it('a text file whose last line has no newline', () => {
    const t = file('no-final-newline.txt');
    fs.writeFileSync(t, '2 2\nx 1 2\ny 3 4');
    expectSameVectors(readWord2vec(t), [['x', [1, 2]], ['y', [3, 4]]]);
  });

  it('vocabulary keeps only its words (case-sensitive); limit reads only the first words', () => {
    const entries = randomEntries(WORDS, 3, 2);
    for (const ext of ['bin', 'txt']) {
      const f = file(`vocab.${ext}`);
      writeWord2vec(f, entries);
      const got = readWord2vec(f, { vocabulary: ['dog', 'café', 'missing', 'DOG'] });
      expectSameVectors(got, entries.filter(([w]) => w === 'dog' || w === 'café'));
      expectSameVectors(readWord2vec(f, { limit: 2 }), entries.slice(0, 2));
      expectSameVectors(readWord2vec(f, { limit: 3, vocabulary: new Set(['café', 'Dog']) }), [entries[1]]);
      expect(readWord2vec(f, { limit: 0 }).size).toBe(0);
    }
    expect(() => readWord2vec(file('vocab.bin'), { limit: -1 })).toThrow(/limit must be a non-negative integer; got -1/);
  });

  it('stops reading once every vocabulary word is found (the rest of the file is never looked at)', () => {
    const f = file('found-early.bin');
    writeWord2vec(f, [['a', [1]], ['b', [2]], ['c', [3]]]);
    const bytes = fs.readFileSync(f);
    bytes.fill(0xff, bytes.length - 7); // garble the last record
    fs.writeFileSync(f, bytes);
    expectSameVectors(readWord2vec(f, { vocabulary: ['b', 'a'] }), [['a', [1]], ['b', [2]]]);
    expect(() => readWord2vec(f)).toThrow(/word 3 of 3/);
  });
});

describe('readWord2vec streams the file in chunks', () => {
  const words = Array.from({ length: 3000 }, (_, i) => `w${i}_${'é'.repeat(i % 4)}`);
  const entries = randomEntries(words, 16, 3);

  for (const ext of ['bin', 'txt']) {
    it(`${ext}: a file many chunks long, with chunks smaller than one record, reads whole with bounded reads`, () => {
      const f = file(`large.${ext}`);
      writeWord2vec(f, entries);
      const size = fs.statSync(f).size;
      const readSync = vi.spyOn(fs, 'readSync');
      const readFileSync = vi.spyOn(fs, 'readFileSync');
      for (const chunkSize of [37, 4096]) {
        readSync.mockClear();
        expect(size).toBeGreaterThan(20 * chunkSize);
        expectSameVectors(readWord2vec(f, { chunkSize }), entries);
        const asked = readSync.mock.calls.map((c) => (c as unknown[])[3] as number);
        expect(asked.length).toBeGreaterThan(20);
        // Each read fills a window of two chunks, grown only as far as one record or line needs.
        const longest = ext === 'bin' ? 16 * 4 + 32 : 16 * 16 + 32;
        expect(Math.max(...asked)).toBeLessThanOrEqual(Math.max(2 * chunkSize, 2 * longest));
      }
      expect(readFileSync).not.toHaveBeenCalled();
    });
  }
});

describe('readWord2vec errors name the file and the word or line', () => {
  const entries = randomEntries(['alpha', 'beta', 'gamma', 'delta'], 5, 4);

  it('missing, empty, or without a header', () => {
    expect(() => readWord2vec(file('absent.bin'))).toThrow(/readWord2vec: cannot open .*absent\.bin/);
    const empty = file('empty-file.bin');
    fs.writeFileSync(empty, '');
    expect(errorOf(() => readWord2vec(empty))).toMatch(/empty-file\.bin line 1: the file is empty/);
    const noHeader = file('no-header.txt');
    fs.writeFileSync(noHeader, 'hello world 1 2\nmore\n');
    expect(errorOf(() => readWord2vec(noHeader))).toMatch(/no-header\.txt line 1: expected a header "<word count> <dimension>".*"hello world 1 2"/);
    const binaryJunk = file('junk.bin');
    fs.writeFileSync(binaryJunk, Buffer.alloc(5000, 0x41));
    expect(errorOf(() => readWord2vec(binaryJunk))).toMatch(/junk\.bin line 1: no header line within its first 1024 bytes/);
  });

  it('binary truncated inside a vector, inside a word, or shorter than its count', () => {
    const f = file('full.bin');
    writeWord2vec(f, entries);
    const bytes = fs.readFileSync(f);
    const thirdWord = bytes.indexOf('gamma ');

    const inVector = file('cut-vector.bin');
    fs.writeFileSync(inVector, bytes.subarray(0, thirdWord + 'gamma '.length + 7));
    expect(errorOf(() => readWord2vec(inVector))).toMatch(
      /cut-vector\.bin: word 3 of 4 \(at byte \d+\): the file ends inside the vector of "gamma" \(7 of 20 bytes\); it is truncated/,
    );

    const inWord = file('cut-word.bin');
    fs.writeFileSync(inWord, bytes.subarray(0, thirdWord + 3));
    expect(errorOf(() => readWord2vec(inWord))).toMatch(/cut-word\.bin: word 3 of 4 \(at byte \d+\): the file ends before the space after the word/);

    const countTooLarge = file('count.bin');
    fs.writeFileSync(countTooLarge, Buffer.concat([Buffer.from('5 5\n'), bytes.subarray(bytes.indexOf('\n') + 1)]));
    expect(errorOf(() => readWord2vec(countTooLarge))).toMatch(/count\.bin: word 5 of 5 .*truncated, or its header's count is too large/);
  });

  it('binary garbled: a word that is not UTF-8, or no space in sight', () => {
    const f = file('garbled.bin');
    fs.writeFileSync(f, Buffer.concat([Buffer.from('2 1\n'), binaryRecord('ok', [1], true), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(' '), Buffer.alloc(4)]));
    expect(errorOf(() => readWord2vec(f))).toMatch(/garbled\.bin: word 2 of 2 \(at byte \d+\): the word is not valid UTF-8 \(bytes c328ff\); the file is garbled/);
    const noSpace = file('no-space.bin');
    fs.writeFileSync(noSpace, Buffer.concat([Buffer.from('1 1\n'), Buffer.alloc(70000, 0x61)]));
    expect(errorOf(() => readWord2vec(noSpace, { chunkSize: 1024 }))).toMatch(/no-space\.bin: word 1 of 1 \(at byte 4\): no space within 65536 bytes; the file is garbled, or not in the binary format/);
  });

  it('text: wrong field count, a bad number, truncation, a binary file read as text', () => {
    const f = file('bad-fields.txt');
    fs.writeFileSync(f, '3 2\na 1 2\nb 1 2 3\nc 1 2\n');
    expect(errorOf(() => readWord2vec(f))).toMatch(/bad-fields\.txt line 3: expected a word and 2 numbers separated by single spaces; got 3 fields/);
    const g = file('bad-number.txt');
    fs.writeFileSync(g, '2 2\na 1 2\nb 1 0x1f\n');
    expect(errorOf(() => readWord2vec(g))).toMatch(/bad-number\.txt line 3: value 2 of "b" is not a number: "0x1f"/);
    const h = file('short.txt');
    fs.writeFileSync(h, '4 2\na 1 2\nb 1 2\n');
    expect(errorOf(() => readWord2vec(h))).toMatch(/short\.txt line 4: the file ends after 2 of the 4 words its header announces; it is truncated/);
    const bin = file('really-binary.bin');
    writeWord2vec(bin, entries);
    expect(errorOf(() => readWord2vec(bin, { binary: false }))).toMatch(/really-binary\.bin line 2: /);
  });
});
