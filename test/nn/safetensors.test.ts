/**
 * Safetensors: round trips, byte-exact agreement with a file written by Python following the reference
 * layout (scripts/make-safetensors-fixtures.py), F16/BF16 reading, every kind of bad file, atomic saves,
 * nn.save / nn.load, and a torchvision ResNet converted by scripts/convert-torchvision.py.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Generator, Tensor } from '../../src';
import type { DType } from '../../src';
import {
  decodeSafetensors, encodeSafetensors, loadSafetensors, readSafetensorsHeader, saveSafetensors,
} from '../../src/nn/safetensors';
import type { SafetensorsMetadata } from '../../src/nn/safetensors';
import { load, save } from '../../src/nn/serialization';
import type { StateDict } from '../../src/nn/state-dict';
import { resnet } from '../../src/nn/models/resnet';
import type { ResNetDepth } from '../../src/nn/models/resnet';
import { RUNS, seedArb } from '../helpers';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'safetensors');
const ELEMENT_BYTES: Record<string, number> = { F64: 8, I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2 };

/** The raw bytes of a tensor's elements, for bit-exact comparison (NaN payloads and -0 included). */
function bytesOf(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** A tensor filled with random bits: every float pattern (NaN, infinities, subnormals) can occur. */
function randomBitsTensor(dtype: DType, shape: number[], seed: number): Tensor {
  const g = new Generator(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'float32' ? new Float32Array(size) : dtype === 'float64' ? new Float64Array(size) : new Int32Array(size);
  const bytes = new Uint8Array(data.buffer);
  for (let i = 0; i < bytes.length; i++) bytes[i] = g.randint(256);
  return new Tensor(data, shape);
}

/** The header JSON of encoded bytes, read independently of the decoder. */
function headerOf(bytes: Uint8Array): { length: number; json: Record<string, { dtype: string; data_offsets: [number, number] }> } {
  const length = Number(Buffer.from(bytes).readBigUInt64LE(0));
  return { length, json: JSON.parse(Buffer.from(bytes.subarray(8, 8 + length)).toString('utf8')) };
}

/** A file from a header (an object, raw text or raw bytes) and data; `claimedLength` lies about the header size. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), claimedLength?: number): Uint8Array {
  const text = header instanceof Uint8Array ? Buffer.from(header)
    : Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(claimedLength ?? text.length));
  return new Uint8Array(Buffer.concat([prefix, text, data]));
}

function expectSameTensors(actual: StateDict, expected: StateDict): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, t] of Object.entries(expected)) {
    const got = actual[name];
    expect(got.dtype, name).toBe(t.dtype);
    expect(got.shape, name).toEqual(t.shape);
    expect(Buffer.from(bytesOf(got)).equals(Buffer.from(bytesOf(t))), `${name} bytes`).toBe(true);
  }
}

// ---------------------------------------------------------------- round trip

describe('encodeSafetensors / decodeSafetensors', () => {
  const nameArb = fc.string({ unit: 'binary', maxLength: 8 }).filter((n) => n !== '__metadata__');
  const entryArb = fc.record({
    dtype: fc.constantFrom<DType>('float32', 'float64', 'int32'),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    seed: seedArb,
  });
  const dictArb = fc.uniqueArray(fc.tuple(nameArb, entryArb), { selector: ([name]) => name, maxLength: 6 });
  const metadataArb = fc.option(
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 12 }), { maxKeys: 3 }),
    { nil: undefined },
  );

  it('decodes what it encodes, bit for bit, with the metadata, for any names, shapes and dtypes', () => {
    fc.assert(
      fc.property(dictArb, metadataArb, fc.boolean(), (entries, metadata, int64) => {
        const tensors: StateDict = Object.fromEntries(
          entries.map(([name, { dtype, shape, seed }]) => [name, randomBitsTensor(dtype, shape, seed)]),
        );
        const bytes = encodeSafetensors(tensors, metadata, { int64 });
        const decoded = decodeSafetensors(bytes);
        expectSameTensors(decoded.tensors, tensors);
        expect(decoded.metadata).toEqual(metadata ?? {});

        // The reference layout: header padded to 8 bytes, every tensor aligned to its element size,
        // int32 tensors stored as I64 only when asked.
        const { length, json } = headerOf(bytes);
        expect(length % 8).toBe(0);
        for (const [name, t] of Object.entries(tensors)) {
          const { dtype, data_offsets: [begin] } = json[name];
          expect(begin % ELEMENT_BYTES[dtype]).toBe(0);
          if (t.dtype === 'int32') expect(dtype).toBe(int64 ? 'I64' : 'I32');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('decodes from a buffer at any byte offset (it never assumes alignment)', () => {
    const tensors = { a: randomBitsTensor('float64', [3], 1), b: randomBitsTensor('float32', [2, 2], 2) };
    const bytes = encodeSafetensors(tensors);
    for (const shift of [1, 3, 5]) {
      const host = new Uint8Array(bytes.length + shift);
      host.set(bytes, shift);
      expectSameTensors(decodeSafetensors(host.subarray(shift)).tensors, tensors);
    }
  });

  it('writes int32 as I64 for the names listed, sign-extended, and reads them back as int32', () => {
    const tensors = { small: new Tensor(Int32Array.from([-2147483648, -1, 0, 2147483647]), [4]), other: new Tensor(Int32Array.of(5), [1]) };
    const bytes = encodeSafetensors(tensors, undefined, { int64: ['small'] });
    const { length, json } = headerOf(bytes);
    expect(json.small.dtype).toBe('I64');
    expect(json.other.dtype).toBe('I32');
    const [begin] = json.small.data_offsets;
    const stored = Buffer.from(bytes).subarray(8 + length + begin);
    expect([0, 1, 2, 3].map((i) => stored.readBigInt64LE(8 * i))).toEqual([-2147483648n, -1n, 0n, 2147483647n]);
    expectSameTensors(decodeSafetensors(bytes).tensors, tensors);
  });

  it('refuses what it cannot write', () => {
    const t = new Tensor(Float32Array.of(1), [1]);
    expect(() => encodeSafetensors({ a: 3 as unknown as Tensor })).toThrow(/entry "a" is a number, not a Tensor/);
    expect(() => encodeSafetensors({ __metadata__: t })).toThrow(/__metadata__ is reserved/);
    expect(() => encodeSafetensors({ a: t }, { k: 1 as unknown as string })).toThrow(/value for key "k" is a number/);
    expect(() => encodeSafetensors({ a: t }, undefined, { int64: ['a'] })).toThrow(/int64 lists "a", which is not an int32 tensor/);
  });
});

// ---------------------------------------------------------------- fixtures written by Python

interface ReferenceFixture {
  metadata: SafetensorsMetadata;
  tensors: { name: string; dtype: string; shape: number[]; values: number[] }[];
}

describe('agreement with files written by Python', () => {
  const reference = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'reference.json'), 'utf8')) as ReferenceFixture;
  const referenceBytes = new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'reference.safetensors')));
  const dtypes: Record<string, DType> = { F32: 'float32', F64: 'float64', I32: 'int32', I64: 'int32' };

  function referenceTensors(): StateDict {
    return Object.fromEntries(reference.tensors.map(({ name, dtype, shape, values }) => {
      const data = dtypes[dtype] === 'float32' ? Float32Array.from(values) : dtypes[dtype] === 'float64' ? Float64Array.from(values) : Int32Array.from(values);
      return [name, new Tensor(data, shape)];
    }));
  }

  it('encodes the reference tensors into exactly the bytes of the Python-written file', () => {
    const int64 = reference.tensors.filter((t) => t.dtype === 'I64').map((t) => t.name);
    const ours = Buffer.from(encodeSafetensors(referenceTensors(), reference.metadata, { int64 }));
    const theirs = Buffer.from(referenceBytes);
    const firstDifference = ours.findIndex((b, i) => b !== theirs[i]);
    expect({ length: ours.length, firstDifference }).toEqual({ length: theirs.length, firstDifference: -1 });
  });

  it('decodes the Python-written file into the same values, dtypes and metadata', () => {
    const { tensors, metadata } = decodeSafetensors(referenceBytes);
    expect(metadata).toEqual(reference.metadata);
    for (const { name, dtype, shape, values } of reference.tensors) {
      expect(tensors[name].dtype, name).toBe(dtypes[dtype]);
      expect(tensors[name].shape, name).toEqual(shape);
      // Object.is tells -0 from 0.
      const same = Array.from(tensors[name].data).every((v, i) => Object.is(v, values[i]));
      expect(same, `${name}: ${Array.from(tensors[name].data)} vs ${values}`).toBe(true);
    }
  });

  it('reads F16 and BF16 into the float32 values PyTorch converts them to', () => {
    const half = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'half.json'), 'utf8')) as {
      tensors: { name: string; shape: number[]; float32Bits: number[] }[];
    };
    const { tensors } = decodeSafetensors(new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'half.safetensors'))));
    for (const { name, shape, float32Bits } of half.tensors) {
      const t = tensors[name];
      expect(t.dtype).toBe('float32');
      expect(t.shape).toEqual(shape);
      expect(Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)), name).toEqual(float32Bits);
    }
  });
});

// ---------------------------------------------------------------- bad files

describe('bad files', () => {
  const f32 = (offsets: [number, number], shape = [2]) => ({ dtype: 'F32', shape, data_offsets: offsets });
  const data = (n: number) => new Uint8Array(n);
  const valid = encodeSafetensors({ a: new Tensor(Float32Array.of(1, 2), [2]), b: new Tensor(Float64Array.of(3), [1]) });

  const cases: [string, Uint8Array, RegExp][] = [
    ['shorter than the length prefix', valid.subarray(0, 5), /truncated: 5 bytes, fewer than the 8 bytes/],
    ['cut inside the header', valid.subarray(0, 20), /header length \d+ goes beyond the end of the file \(20 bytes\)/],
    ['cut inside the data', valid.subarray(0, valid.length - 3), /reach beyond the \d+-byte data part; the file is truncated/],
    ['a header length larger than the file', rawFile({}, data(0), 1000), /header length 1000 goes beyond the end of the file/],
    ['a header length past 2^53', rawFile({}, data(0), Number.MAX_SAFE_INTEGER), /goes beyond the end of the file/],
    ['invalid UTF-8 in the header', rawFile(Uint8Array.of(0x7b, 0xff, 0x7d)), /header is not valid UTF-8/],
    ['a header that is not JSON', rawFile('{"a": {"dtype": '), /header is not valid JSON/],
    ['a header that is a list', rawFile('[1, 2]'), /header is an array; expected a JSON object/],
    ['an entry that is not an object', rawFile({ a: 3 }), /tensor "a": header entry is a number/],
    ['an unknown dtype', rawFile({ a: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, data(16)),
      /tensor "a": unsupported dtype "F128"; supported dtypes are F16, BF16, I32, F32, F64, I64/],
    ['a dtype of the format that is not supported here', rawFile({ a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } }, data(1)),
      /unsupported dtype "U8"; supported dtypes are/],
    ['a negative size in a shape', rawFile({ a: f32([0, 8], [-2]) }, data(8)), /shape \[-2\] is not a list of non-negative integers/],
    ['offsets that are not a pair', rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0] } }, data(8)), /data_offsets \[0\] is not a pair/],
    ['offsets backwards', rawFile({ a: f32([8, 0]) }, data(8)), /data_offsets \[8,0\] is not a pair/],
    ['offsets that do not match dtype x shape', rawFile({ a: f32([0, 12]) }, data(12)),
      /tensor "a": data_offsets \[0, 12\] span 12 bytes, but dtype F32 with shape \[2\] needs 8 bytes/],
    ['overlapping tensors', rawFile({ a: f32([0, 8]), b: f32([4, 12]) }, data(12)), /tensor "b": .* overlap tensor "a", which ends at 8/],
    ['a gap between tensors', rawFile({ a: f32([0, 8]), b: f32([12, 20]) }, data(20)), /tensor "b": .* leave a gap of 4 bytes after byte 8/],
    ['a gap before the first tensor', rawFile({ a: f32([4, 12]) }, data(12)), /leave a gap of 4 bytes after byte 0/],
    ['offsets past the data', rawFile({ a: f32([0, 8]), b: f32([8, 16]) }, data(12)), /tensor "b": data_offsets \[8, 16\] reach beyond the 12-byte data part/],
    ['bytes after the last tensor', rawFile({ a: f32([0, 8]) }, data(10)), /2 bytes after the last tensor's data/],
    ['metadata that is not an object', rawFile({ __metadata__: 'x' }), /__metadata__ must be an object of string values; got a string/],
    ['a non-string metadata value', rawFile({ __metadata__: { epoch: 3 } }), /__metadata__ value for key "epoch" is a number; safetensors metadata maps strings to strings/],
    ['an I64 value outside int32', rawFile({ big: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } },
      new Uint8Array(new BigInt64Array([1n, 2n ** 40n]).buffer)), /tensor "big" \(I64\) holds 1099511627776 at element 1, outside the int32 range/],
  ];

  it.each(cases)('rejects %s with a clear error', (_, bytes, message) => {
    expect(() => decodeSafetensors(bytes)).toThrow(message);
  });

  it('names the file in the errors of loadSafetensors and readSafetensorsHeader', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safetensors-'));
    try {
      const file = path.join(dir, 'broken.safetensors');
      fs.writeFileSync(file, rawFile({ a: f32([0, 8]) }, data(4)));
      expect(() => loadSafetensors(file)).toThrow(/safetensors file ".*broken\.safetensors": tensor "a": .* reach beyond/);
      expect(() => readSafetensorsHeader(file)).toThrow(/broken\.safetensors.*reach beyond the 4-byte data part/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------- files

describe('files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safetensors-'));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const tensors = (): StateDict => ({
    'fc.weight': randomBitsTensor('float32', [3, 2], 5),
    'bn.num_batches_tracked': new Tensor(Int32Array.of(7), []),
  });

  it('saves and loads, and reads the header alone', () => {
    const file = path.join(dir, 'model.safetensors');
    saveSafetensors(file, tensors(), { source: 'test' });
    const { tensors: loaded, metadata } = loadSafetensors(file);
    expectSameTensors(loaded, tensors());
    expect(metadata).toEqual({ source: 'test' });
    const header = readSafetensorsHeader(file);
    expect(header.metadata).toEqual({ source: 'test' });
    expect(header.entries['fc.weight']).toMatchObject({ dtype: 'F32', shape: [3, 2] });
    expect(header.entries['bn.num_batches_tracked']).toMatchObject({ dtype: 'I32', shape: [] });
  });

  it('keeps the old file, and leaves no temporary file, when a write fails half-way', () => {
    const file = path.join(dir, 'model.safetensors');
    fs.writeFileSync(file, 'the previous checkpoint');
    const realWrite = fs.writeSync;
    // A disk that fills up after a few bytes.
    vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, buffer: Uint8Array, offset: number) => {
      realWrite(fd, buffer, offset, 10);
      throw new Error('ENOSPC: no space left on device');
    }) as unknown as typeof fs.writeSync);
    expect(() => saveSafetensors(file, tensors())).toThrow(/could not write ".*model\.safetensors" \(ENOSPC.*previous file there is unchanged/);
    expect(fs.readFileSync(file, 'utf8')).toBe('the previous checkpoint');
    expect(fs.readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it('nn.save takes a module or a state dict; nn.load gives the state dict back', () => {
    const module = { stateDict: tensors };
    const fromModule = path.join(dir, 'module.safetensors');
    save(module, fromModule, { metadata: { arch: 'tiny' } });
    expectSameTensors(load(fromModule), tensors());
    expect(loadSafetensors(fromModule).metadata).toEqual({ arch: 'tiny' });

    const fromDict = path.join(dir, 'dict.safetensors');
    save(tensors(), fromDict, { int64: ['bn.num_batches_tracked'] });
    expect(readSafetensorsHeader(fromDict).entries['bn.num_batches_tracked'].dtype).toBe('I64');
    expectSameTensors(load(fromDict), tensors());

    expect(() => save({ w: [1, 2] } as unknown as StateDict, fromDict)).toThrow(/nn.save: state dict entry "w" is not a Tensor/);
  });
});

// ---------------------------------------------------------------- a converted torchvision ResNet

interface TinyResNetFixture {
  config: { depth: ResNetDepth; width: number; numClasses: number };
  shapes: Record<string, number[]>;
  values: Record<string, { shape: number[]; values: number[] }>;
  input: { shape: number[] };
  logits: { shape: number[]; values: number[] };
}

describe('a torchvision ResNet converted by scripts/convert-torchvision.py', () => {
  const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'tiny-resnet18.json'), 'utf8')) as TinyResNetFixture;
  const file = path.join(FIXTURES, 'tiny-resnet18.safetensors');

  function loadedModel() {
    const model = resnet(expected.config);
    model.loadStateDict(load(file), { strict: true });
    return model;
  }

  it('stores num_batches_tracked as I64, as PyTorch has it', () => {
    expect(readSafetensorsHeader(file).entries['bn1.num_batches_tracked'].dtype).toBe('I64');
  });

  it('loads strictly into resnet() with torchvision names, order and shapes, every value in place', () => {
    const state = loadedModel().stateDict();
    expect(Object.keys(state)).toEqual(Object.keys(expected.shapes));
    for (const [name, shape] of Object.entries(expected.shapes)) expect(state[name].shape, name).toEqual(shape);
    for (const [name, { values }] of Object.entries(expected.values)) {
      // float32 values written by Python as doubles are exact; int64 counters become int32.
      expect(Array.from(state[name].data), name).toEqual(values.map((v) => (state[name].dtype === 'float32' ? Math.fround(v) : v)));
    }
  });

  it("gives PyTorch's eval-mode logits", () => {
    const model = loadedModel();
    model.eval();
    const size = expected.input.shape.reduce((a, b) => a * b, 1);
    // The input both sides compute exactly (see fixture_input in the script).
    const x = new Tensor(Float32Array.from({ length: size }, (_, i) => ((i * 37) % 101) / 50 - 1), expected.input.shape);
    const logits = model.forward(x);
    expect(logits.shape).toEqual(expected.logits.shape);
    const scale = Math.max(...expected.logits.values.map(Math.abs));
    Array.from(logits.data).forEach((v, i) => expect(Math.abs(v - expected.logits.values[i])).toBeLessThan(1e-4 * scale));
  });
});
