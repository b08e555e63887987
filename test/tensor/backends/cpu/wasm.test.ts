/**
 * The WebAssembly assembler of the cpu backend: LEB128 and the module builder, checked by decoding
 * independently and by running what it builds.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { signedLeb128, unsignedLeb128, float32Bytes } from '../../../../src/tensor/backends/cpu/wasm/encoding';
import { ModuleBuilder } from '../../../../src/tensor/backends/cpu/wasm/module-builder';
import {
  call, f32, f32x4, forLoop, get, i32, ifThen, increment, minS, set, v128, whileAtLeast,
} from '../../../../src/tensor/backends/cpu/wasm/instructions';
import { requireWasm } from '../../../../src/tensor/backends/cpu/wasm/api';
import { cpuFeatures } from '../../../../src/tensor/backends/cpu/features';
import { RUNS } from '../../../helpers';

/** Reads LEB128 back, the textbook way (7 bits per byte, sign-extended from bit 6 of the last byte). */
function decodeLeb128(bytes: number[], signed: boolean): number {
  let value = 0;
  let shift = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    const last = (byte & 0x80) === 0;
    expect(last).toBe(i === bytes.length - 1);
    if (last && signed && (byte & 0x40) !== 0) value -= 2 ** shift;
  }
  return value;
}

describe('LEB128', () => {
  it('round-trips every unsigned 32-bit value in the fewest bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (value) => {
        const bytes = unsignedLeb128(value);
        expect(decodeLeb128(bytes, false)).toBe(value);
        expect(bytes.length).toBe(Math.max(1, Math.ceil(Math.log2(value + 1) / 7)));
      }),
      { numRuns: RUNS },
    );
  });

  it('round-trips every signed 32-bit value', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (value) => {
        expect(decodeLeb128(signedLeb128(value), true)).toBe(value);
      }),
      { numRuns: RUNS },
    );
  });

  it('matches the examples of the DWARF specification', () => {
    expect(unsignedLeb128(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(signedLeb128(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(signedLeb128(63)).toEqual([0x3f]);
    expect(signedLeb128(64)).toEqual([0xc0, 0x00]);
    expect(signedLeb128(-64)).toEqual([0x40]);
  });

  it('rejects values out of range, naming the encoder', () => {
    expect(() => unsignedLeb128(-1)).toThrow(/unsignedLeb128.*-1/);
    expect(() => unsignedLeb128(2 ** 32)).toThrow(/unsignedLeb128/);
    expect(() => signedLeb128(2 ** 31)).toThrow(/signedLeb128/);
    expect(() => signedLeb128(0.5)).toThrow(/signedLeb128/);
  });

  it('writes f32 constants little-endian', () => {
    expect(float32Bytes(1)).toEqual([0x00, 0x00, 0x80, 0x3f]);
  });
});

/** Builds, compiles and instantiates a module over a fresh (unshared) memory. */
function instantiate(build: (module: ModuleBuilder) => void) {
  const wasm = requireWasm();
  const module = new ModuleBuilder({ initialPages: 1, maximumPages: 1, shared: false });
  build(module);
  const bytes = module.bytes();
  expect(wasm.validate(bytes)).toBe(true);
  const memory = new wasm.Memory({ initial: 1, maximum: 1 });
  const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
  return { exports: instance.exports as Record<string, (...args: number[]) => number>, memory };
}

describe('module builder', () => {
  it('runs loops, branches, calls and select as written', () => {
    const { exports } = instantiate((module) => {
      // sumStep(n, step) = 0 + step + 2 step + ... below n, via forLoop; clamp(x) = min(x, 10).
      const sumStep = module.func('sumStep', { n: 'i32', step: 'i32' }, ({ params: { n, step }, local }) => {
        const i = local('i32'), total = local('i32');
        return [forLoop(i, i32.const(0), get(n), get(step), increment(total, get(i))), get(total)];
      }, { exported: true, results: ['i32'] });
      module.func('clampedSum', { n: 'i32', step: 'i32' }, ({ params: { n, step }, local }) => {
        const x = local('i32');
        return [set(x, call(sumStep, get(n), get(step))), minS(get(x), i32.const(10))];
      }, { exported: true, results: ['i32'] });
      module.func('sign', { x: 'i32' }, ({ params: { x }, local }) => {
        const out = local('i32');
        return [ifThen(i32.ltS(get(x), i32.const(0)), [set(out, i32.const(-1))], [set(out, i32.const(1))]), get(out)];
      }, { exported: true, results: ['i32'] });
    });
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 200 }), fc.integer({ min: 1, max: 7 }), (n, step) => {
        let expected = 0;
        for (let i = 0; i < n; i += step) expected += i;
        expect(exports.sumStep(n, step)).toBe(expected);
        expect(exports.clampedSum(n, step)).toBe(Math.min(expected, 10));
        expect(exports.sign(n)).toBe(n < 0 ? -1 : 1);
      }),
      { numRuns: RUNS },
    );
  });

  it('moves f32 and f32x4 values through memory', () => {
    const { exports, memory } = instantiate((module) => {
      // out[i] = a[i] * b[i] + c[i] for count floats, 4 at a time then one at a time.
      module.func('mulAdd', { a: 'i32', b: 'i32', c: 'i32', out: 'i32', count: 'i32' }, ({ params: p }) => [
        whileAtLeast(p.count, 4,
          v128.store(get(p.out), f32x4.add(f32x4.mul(v128.load(get(p.a)), v128.load(get(p.b))), v128.load(get(p.c)))),
          ...[p.a, p.b, p.c, p.out].map((x) => increment(x, i32.const(16)))),
        whileAtLeast(p.count, 1,
          f32.store(get(p.out), f32.add(f32.mul(f32.load(get(p.a)), f32.load(get(p.b))), f32.load(get(p.c)))),
          ...[p.a, p.b, p.c, p.out].map((x) => increment(x, i32.const(4)))),
      ], { exported: true });
      // splat(x) fills 4 lanes at out with x, read as one f32 and broadcast.
      module.func('splat', { x: 'i32', out: 'i32' }, ({ params: { x, out } }) => [
        v128.store(get(out), v128.load32Splat(get(x))),
        v128.store(get(out), f32x4.splat(f32.load(get(x))), 16),
      ], { exported: true });
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (count, seed) => {
        const heap = new Float32Array(memory.buffer);
        for (let i = 0; i < 100; i++) heap[i] = Math.fround(Math.sin(seed + i) * 10);
        exports.mulAdd(0, 100, 200, 300, count);
        for (let i = 0; i < count; i++) {
          expect(heap[75 + i]).toBe(Math.fround(Math.fround(heap[i] * heap[25 + i]) + heap[50 + i]));
        }
        exports.splat(0, 320);
        expect([...heap.subarray(80, 88)]).toEqual(new Array(8).fill(heap[0]));
      }),
      { numRuns: RUNS },
    );
  });

  it('uses relaxed-SIMD FMA only where the engine validates it', () => {
    const features = cpuFeatures();
    expect(features.simd).toBe(true);
    if (!features.relaxedSimd) return;
    const { exports, memory } = instantiate((module) => {
      module.func('madd', { out: 'i32' }, ({ params: { out } }) => [
        v128.store(get(out), f32x4.relaxedMadd(v128.load(get(out), 16), v128.load(get(out), 32), v128.load(get(out), 48))),
      ], { exported: true });
    });
    const heap = new Float32Array(memory.buffer);
    heap.set([1, 2, 3, 4, 5, 6, 7, 8, 0.5, 0.25, -1, 2], 4);
    exports.madd(0);
    expect([...heap.subarray(0, 4)]).toEqual([5.5, 12.25, 20, 34]);
  });

  it('refuses a call with the wrong number of arguments', () => {
    const module = new ModuleBuilder({ initialPages: 1, maximumPages: 1, shared: false });
    const two = module.func('two', { a: 'i32', b: 'i32' }, () => []);
    expect(() => call(two, i32.const(1))).toThrow(/call to two passes 1 arguments; it takes 2/);
  });
});
