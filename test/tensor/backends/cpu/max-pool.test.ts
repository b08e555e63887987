/**
 * The cpu backend's max pooling against the TypeScript reference, bit for bit: the maxima (NaN equal
 * to NaN, -0 distinct from +0) and the indices picked. Random geometries (odd sizes, kernels 1-4,
 * strides 1-3, padding, dilation, ceil mode, one plane to many) over values full of ties, NaNs,
 * infinities and zeros of both signs, on one thread and on two (the parallel threshold at zero, so the
 * planes split even on small shapes). The WebAssembly path is called directly (`maxPool2dInMemory`),
 * since the registered kernel keeps small outputs on the TypeScript loop.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MaxPool2dArgs, PoolAxis, maxPool2d as referenceMaxPool2d } from '../../../../src/tensor/kernels/pooling';
import { MIN_ELEMENTS, maxPool2dInMemory } from '../../../../src/tensor/backends/cpu/max-pool';
import { cpuBackend } from '../../../../src/tensor/backends/cpu';
import { Generator } from '../../../../src';
import { RUNS, seedArb } from '../../../helpers';
import { onCpuThreads } from './cpu-threads';

/** PyTorch's output size, written out independently of the implementation. */
function pooledSize(size: number, k: number, s: number, p: number, d: number, ceilMode: boolean): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceilMode && (out - 1) * s >= size + p) out--;
  return out;
}

interface Case {
  planes: number;
  inH: number;
  inW: number;
  rows: PoolAxis;
  columns: PoolAxis;
  seed: number;
}

/** One dim: kernel 1-4, stride 1-3, padding up to half the kernel, dilation 1-3, an input that holds a window. */
function axisArb(): fc.Arbitrary<{ size: number; axis: Omit<PoolAxis, 'out'> }> {
  return fc.record({
    kernel: fc.integer({ min: 1, max: 4 }),
    stride: fc.integer({ min: 1, max: 3 }),
    paddingWish: fc.integer({ min: 0, max: 2 }),
    dilation: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 3 })),
    sizeWish: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 41 })),
  }).map(({ kernel, stride, paddingWish, dilation, sizeWish }) => {
    const padding = Math.min(paddingWish, Math.floor(kernel / 2));
    return { size: Math.max(sizeWish, dilation * (kernel - 1) + 1 - 2 * padding), axis: { kernel, stride, padding, dilation } };
  });
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  planes: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 5, max: 37 })),
  height: axisArb(),
  width: axisArb(),
  ceilMode: fc.boolean(),
  seed: seedArb,
}).map(({ planes, height, width, ceilMode, seed }) => {
  const withOut = ({ size, axis }: { size: number; axis: Omit<PoolAxis, 'out'> }): PoolAxis =>
    ({ ...axis, out: pooledSize(size, axis.kernel, axis.stride, axis.padding, axis.dilation, ceilMode) });
  return { planes, inH: height.size, inW: width.size, rows: withOut(height), columns: withOut(width), seed };
});

const SPECIALS = [NaN, -Infinity, Infinity, 0, -0];

/**
 * Small integers (so windows hold ties) and zeros of both signs (a ReLU's output), with about one
 * value in six special (NaN, the infinities) so that windows see NaNs first, last and in between.
 */
function inputOf(k: Case): Float32Array {
  const x = new Float32Array(k.planes * k.inH * k.inW);
  new Generator(k.seed).fillNormal(x);
  const specialEvery = 4 + (k.seed % 5);
  return x.map((v, i) => {
    if (i % specialEvery === k.seed % specialEvery) return SPECIALS[(i + k.seed) % SPECIALS.length];
    const rounded = Math.round(2 * v);
    return rounded <= 0 ? (i % 2 === 0 ? 0 : -0) : rounded;
  });
}

/** Arguments whose outputs hold garbage: a kernel must write every element. */
function argsOf(k: Case, x: Float32Array): MaxPool2dArgs {
  const count = k.planes * k.rows.out * k.columns.out;
  return {
    planes: k.planes, inH: k.inH, inW: k.inW, x, rows: k.rows, columns: k.columns,
    out: new Float32Array(count).fill(7), indices: new Int32Array(count).fill(7),
  };
}

function expectSame(got: MaxPool2dArgs, want: MaxPool2dArgs, what: string): void {
  for (let i = 0; i < want.out.length; i++) {
    const same = Object.is(got.out[i], want.out[i]) || (Number.isNaN(got.out[i]) && Number.isNaN(want.out[i]));
    if (!same || got.indices[i] !== want.indices[i]) {
      expect.fail(`${what}: output ${i} is ${got.out[i]} at ${got.indices[i]}; the reference ${want.out[i]} at ${want.indices[i]}`);
    }
  }
}

/** Runs a case in the reference and in WebAssembly, and compares. */
function expectMatches(k: Case): MaxPool2dArgs {
  const x = inputOf(k);
  const want = argsOf(k, x);
  const got = argsOf(k, x);
  referenceMaxPool2d(want);
  expect(maxPool2dInMemory(got)).toBe(true);
  expectSame(got, want, JSON.stringify(k));
  return want;
}

describe.each([1, 2])('cpu max pooling on %i thread(s)', (threads) => {
  onCpuThreads(threads);

  it('equals the reference bit for bit: maxima and indices, with ties, NaNs, infinities and signed zeros', () => {
    fc.assert(fc.property(caseArb.filter((k) => k.rows.out >= 1 && k.columns.out >= 1), (k) => {
      expectMatches(k);
    }), { numRuns: 4 * RUNS });
  });

  it('picks the first maximum of a tie and the last NaN, in row-major order', () => {
    // One 3x3 window (stride 3) per output: ties everywhere, then NaNs placed in some windows.
    const axis: PoolAxis = { kernel: 3, stride: 3, padding: 0, dilation: 1, out: 4 };
    const k: Case = { planes: 3, inH: 12, inW: 12, rows: axis, columns: axis, seed: 1 };
    const x = new Float32Array(3 * 144).fill(5);
    x[1] = NaN;
    x[14] = NaN; // the same window as x[1], later in row-major order
    x[3 + 2 * 12] = NaN; // a window's last element
    const want = argsOf(k, x);
    const got = argsOf(k, x);
    referenceMaxPool2d(want);
    expect(maxPool2dInMemory(got)).toBe(true);
    expectSame(got, want, 'ties and NaNs');
    expect([got.indices[0], got.indices[1], got.indices[2]]).toEqual([14, 3 + 2 * 12, 6]);
  });

  it('gives -Infinity and index -1 for a window with no input element, and the first element when all are -Infinity', () => {
    // Dilation 2 and padding 1 over one row: the window's taps fall at -1 and 1, both outside.
    const empty: PoolAxis = { kernel: 3, stride: 3, padding: 1, dilation: 2, out: 1 };
    const columns: PoolAxis = { kernel: 2, stride: 1, padding: 0, dilation: 1, out: 5 };
    const k: Case = { planes: 2, inH: 1, inW: 6, rows: empty, columns, seed: 2 };
    const want = expectMatches(k);
    expect(Array.from(want.indices)).toEqual(new Array(10).fill(-1));
    expect(Array.from(want.out)).toEqual(new Array(10).fill(-Infinity));

    const axis: PoolAxis = { kernel: 3, stride: 2, padding: 1, dilation: 1, out: 5 };
    const x = new Float32Array(2 * 81).fill(-Infinity);
    const all = { planes: 2, inH: 9, inW: 9, rows: axis, columns: axis, seed: 3 };
    const wantAll = argsOf(all, x);
    const gotAll = argsOf(all, x);
    referenceMaxPool2d(wantAll);
    expect(maxPool2dInMemory(gotAll)).toBe(true);
    expectSame(gotAll, wantAll, 'all -Infinity');
    expect(gotAll.indices[0]).toBe(0);
    expect(gotAll.indices[1]).toBe(1); // output column 1's window starts at input column 1
  });
});

describe('the registered cpu max pooling', () => {
  it('runs WebAssembly from MIN_ELEMENTS outputs and equals the reference: the main job stem, 8 samples', () => {
    const axis: PoolAxis = { kernel: 3, stride: 2, padding: 1, dilation: 1, out: 10 };
    const k: Case = { planes: 8 * 16, inH: 20, inW: 20, rows: axis, columns: axis, seed: 4 };
    expect(k.planes * 100).toBeGreaterThanOrEqual(MIN_ELEMENTS);
    const x = inputOf(k);
    const want = argsOf(k, x);
    const got = argsOf(k, x);
    referenceMaxPool2d(want);
    cpuBackend.kernels.maxPool2d!(got);
    expectSame(got, want, 'stem');
  });
});
