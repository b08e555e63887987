/**
 * The cpu backend's elementwise kernels (binary arithmetic with broadcasting, ReLU forward and
 * backward, gradient accumulation) against the TypeScript reference, on one thread and on two (the
 * parallel threshold at zero so small shapes split too): random shapes with odd sizes and size-1
 * dims, the broadcast patterns of a network (per-channel, per-sample, scalar) and special values.
 * The WebAssembly paths are called directly (`…InMemory`), since the registered kernels keep small
 * arrays on the TypeScript loops; float32 arithmetic is correctly rounded either way, so results match
 * bit for bit.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { binary as referenceBinary, BinaryOp } from '../../../../src/tensor/kernels/binary';
import {
  addInto as referenceAddInto, relu as referenceRelu, reluBackward as referenceReluBackward,
} from '../../../../src/tensor/kernels/elementwise';
import { broadcastShapes, numel } from '../../../../src/tensor/shape';
import {
  MIN_ELEMENTS, addIntoInMemory, binaryInMemory, planBinary, reluBackwardInMemory, reluInMemory,
} from '../../../../src/tensor/backends/cpu/elementwise';
import { cpuBackend } from '../../../../src/tensor/backends/cpu';
import { broadcastPairArb, randomArray, seedArb, RUNS } from '../../../helpers';
import { onCpuThreads } from './cpu-threads';

const OPS: BinaryOp[] = ['add', 'sub', 'mul', 'div'];
const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 3.4e38];

/**
 * Equal element by element, NaN equal to NaN (payloads aside) and +0 distinct from -0 unless
 * `signOfZero` is false (ReLU's backward: the reference's branch-free loop turns a -0 gradient into +0).
 */
function expectSame(got: Float32Array, want: Float32Array, signOfZero = true): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const same = signOfZero ? Object.is(got[i], want[i]) : got[i] === want[i];
    if (!same && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
      throw new Error(`element ${i}: got ${got[i]}, want ${want[i]}`);
    }
  }
}

/** A random array where about one value in eight is special (NaN, infinities, zeros of both signs, subnormals). */
function withSpecials(length: number, seed: number): Float32Array {
  const out = randomArray(length, seed);
  for (let i = seed % 8; i < length; i += 8) out[i] = SPECIALS[(i + seed) % SPECIALS.length];
  return out;
}

function runBinary(op: BinaryOp, aShape: number[], bShape: number[], seed: number, specials = false): void {
  const outShape = broadcastShapes(aShape, bShape, op);
  const make = specials ? withSpecials : randomArray;
  const a = make(numel(aShape), seed);
  const b = make(numel(bShape), seed + 1);
  const want = new Float32Array(numel(outShape));
  const got = new Float32Array(numel(outShape));
  referenceBinary({ op, a, aShape, b, bShape, outShape, out: want });
  const ran = binaryInMemory({ op, a, aShape, b, bShape, outShape, out: got });
  if (!ran) {
    // Only patterns of more than three merged dims may decline; the registered kernel then runs the reference.
    expect(planBinary(aShape, bShape, outShape)).toBeNull();
    cpuBackend.kernels.binary!({ op, a, aShape, b, bShape, outShape, out: got });
  }
  expectSame(got, want);
}

describe('planBinary', () => {
  it('merges a per-channel vector against NCHW into (N, C, H·W)', () => {
    expect(planBinary([64, 16, 10, 10], [16, 1, 1], [64, 16, 10, 10])).toEqual({ dims: [64, 16, 100], a: [1600, 100, 1], b: [0, 1, 0] });
  });

  it('merges equal shapes and a scalar into one run', () => {
    expect(planBinary([8, 3, 5], [8, 3, 5], [8, 3, 5])).toEqual({ dims: [1, 1, 120], a: [0, 0, 1], b: [0, 0, 1] });
    expect(planBinary([8, 3, 5], [], [8, 3, 5])).toEqual({ dims: [1, 1, 120], a: [0, 0, 1], b: [0, 0, 0] });
  });

  it('declines a pattern of more than three merged dims', () => {
    expect(planBinary([2, 1, 3, 1], [1, 4, 1, 5], [2, 4, 3, 5])).toBeNull();
  });
});

describe.each([1, 2])('cpu elementwise kernels on %i thread(s)', (threads) => {
  onCpuThreads(threads);

  it('binary ops match the reference on random broadcast shapes', () => {
    fc.assert(
      fc.property(broadcastPairArb(4), fc.constantFrom(...OPS), seedArb, fc.boolean(), ([aShape, bShape], op, seed, swap) => {
        runBinary(op, swap ? bShape : aShape, swap ? aShape : bShape, seed);
      }),
      { numRuns: RUNS },
    );
  });

  it('binary ops match on odd sizes, size 1, and the patterns of a network', () => {
    const dimArb = fc.integer({ min: 1, max: 13 });
    fc.assert(
      fc.property(dimArb, dimArb, dimArb, dimArb, fc.constantFrom(...OPS), seedArb, (n, c, h, w, op, seed) => {
        const x = [n, c, h, w];
        runBinary(op, x, x, seed, true); // same shape, NaN and infinities included
        runBinary(op, x, [c, 1, 1], seed); // a per-channel vector (bias, BatchNorm's affine)
        runBinary(op, [1, c, 1, 1], x, seed); // the same on the left
        runBinary(op, x, [n, c, 1, 1], seed); // per sample and channel (attention, squeeze-excite)
        runBinary(op, x, [], seed); // a scalar
        runBinary(op, [], x, seed);
        runBinary(op, x, [1, c, h, w], seed); // one sample against a batch
        runBinary(op, x, [w], seed); // along the last dim
      }),
      { numRuns: 20 },
    );
  });

  it('relu and its backward match the reference, special values included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), seedArb, (length, seed) => {
        const x = withSpecials(length, seed);
        const g = withSpecials(length, seed + 1);
        const [want, got] = [new Float32Array(length), new Float32Array(length)];
        referenceRelu({ x, y: want });
        expect(reluInMemory({ x, y: got })).toBe(true);
        expectSame(got, want);
        const [wantDx, gotDx] = [new Float32Array(length), new Float32Array(length)];
        referenceReluBackward({ x, g, dx: wantDx });
        expect(reluBackwardInMemory({ x, g, dx: gotDx })).toBe(true);
        expectSame(gotDx, wantDx, false);
      }),
      { numRuns: RUNS },
    );
  });

  it('addInto matches the reference', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), seedArb, (length, seed) => {
        const source = withSpecials(length, seed);
        const want = randomArray(length, seed + 1);
        const got = want.slice();
        referenceAddInto({ target: want, source });
        expect(addIntoInMemory({ target: got, source })).toBe(true);
        expectSame(got, want);
      }),
      { numRuns: RUNS },
    );
  });

  it('the registered kernels match on arrays above the WebAssembly threshold', () => {
    const shape = [3, 5, 37, 31];
    expect(numel(shape)).toBeGreaterThan(MIN_ELEMENTS);
    for (const op of OPS) {
      const a = randomArray(numel(shape), 1), b = randomArray(5, 2);
      const [want, got] = [new Float32Array(numel(shape)), new Float32Array(numel(shape))];
      referenceBinary({ op, a, aShape: shape, b, bShape: [5, 1, 1], outShape: shape, out: want });
      cpuBackend.kernels.binary!({ op, a, aShape: shape, b, bShape: [5, 1, 1], outShape: shape, out: got });
      expectSame(got, want);
    }
    const x = withSpecials(numel(shape), 3), g = randomArray(numel(shape), 4);
    const [want, got] = [new Float32Array(x.length), new Float32Array(x.length)];
    referenceReluBackward({ x, g, dx: want });
    cpuBackend.kernels.reluBackward!({ x, g, dx: got });
    expectSame(got, want, false);
  });

  it('leaves pow, float64 and int32 to the reference', () => {
    const a = new Float64Array([1, 2, 3]);
    expect(binaryInMemory({ op: 'add', a, aShape: [3], b: a, bShape: [3], outShape: [3], out: new Float64Array(3) })).toBe(false);
    const f = new Float32Array([1, 2, 3]);
    expect(binaryInMemory({ op: 'pow', a: f, aShape: [3], b: f, bShape: [3], outShape: [3], out: new Float32Array(3) })).toBe(false);
    expect(binaryInMemory({ op: 'add', a: new Int32Array(3), aShape: [3], b: f, bShape: [3], outShape: [3], out: new Float32Array(3) })).toBe(false);
  });
});
