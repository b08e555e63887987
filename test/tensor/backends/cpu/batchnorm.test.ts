/**
 * The cpu backend's BatchNorm and residual add+ReLU kernels against the TypeScript reference, on
 * random [n, c, s] layouts (odd sizes, one channel, one value per run), training and eval, with and
 * without the fused ReLU, affine or not, on one thread and on two (channels split between them).
 *
 * The statistics and sums are float64 in both, so they agree to float64 rounding; the elementwise
 * outputs are float32 arithmetic on the cpu backend, so they agree to float32 rounding.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BatchNormBackwardArgs, BatchNormForwardArgs, ChannelLayout, batchNormBackward, batchNormForward,
} from '../../../../src/tensor/kernels/batchnorm';
import { addRelu } from '../../../../src/tensor/kernels/residual';
import { batchNormBackwardInMemory, batchNormForwardInMemory } from '../../../../src/tensor/backends/cpu/batchnorm';
import { addReluInMemory } from '../../../../src/tensor/backends/cpu/residual';
import { randomArray, seedArb } from '../../../helpers';
import { onCpuThreads } from './cpu-threads';
import { getNumThreads, setNumThreads, setParallelThreshold } from '../../../../src/tensor/backends/cpu';

const RUNS = 40;
/**
 * Elementwise outputs are float32 arithmetic with float32 coefficients, against float64 arithmetic:
 * each element may differ by a few float32 roundings of the terms it is made of (x · scale and shift
 * cancel when x is near the mean), so the bound is this many units of float32 rounding times their sum.
 */
const F32_ROUNDINGS = 6 * 2 ** -24;
/** Statistics and sums: float64 in both, summed in different orders. */
const F64_TOLERANCE = 1e-10;

const layoutArb: fc.Arbitrary<ChannelLayout> = fc.record({
  n: fc.integer({ min: 1, max: 4 }),
  c: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 7 })),
  s: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 11 }), fc.constantFrom(16, 25, 37, 100)),
});

interface Case {
  layout: ChannelLayout;
  seed: number;
  training: boolean;
  relu: boolean;
  affine: boolean;
  /** A per-channel offset of the input: means far from 0 test the statistics' precision. */
  offset: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  layout: layoutArb,
  seed: seedArb,
  training: fc.boolean(),
  relu: fc.boolean(),
  affine: fc.boolean(),
  offset: fc.constantFrom(0, 3, -20),
});

/** max |got - want| / max(1, max |want|), per-channel vectors compared as one. */
function scaledError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let diff = 0, scale = 1;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / scale;
}

/**
 * Expects |got - want| <= F32_ROUNDINGS · terms[i] at every element, `terms` the sum of the magnitudes
 * of what element i is computed from.
 */
function expectWithinRounding(got: ArrayLike<number>, want: ArrayLike<number>, terms: (i: number) => number, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const bound = F32_ROUNDINGS * (terms(i) + Math.abs(want[i])) + 1e-30;
    if (!(Math.abs(got[i] - want[i]) <= bound)) {
      expect.fail(`${what}: element ${i} is ${got[i]}, the reference ${want[i]} (bound ${bound})`);
    }
  }
}

/** The channel of element i of an [n, c, s] tensor. */
const channelOf = ({ c, s }: ChannelLayout, i: number) => Math.floor(i / s) % c;

/** A case's inputs and forward arguments (fresh output arrays holding garbage: kernels must overwrite). */
function forwardArgs(k: Case): BatchNormForwardArgs {
  const { n, c, s } = k.layout;
  const x = randomArray(n * c * s, k.seed);
  for (let i = 0; i < x.length; i++) x[i] += k.offset * (1 + (Math.floor(i / s) % c));
  const weight = k.affine ? randomArray(c, k.seed + 1).map((v) => 0.5 + Math.abs(v)) : null;
  const bias = k.affine ? randomArray(c, k.seed + 2) : null;
  // Eval normalises with given statistics; training overwrites them.
  const mean = Float64Array.from(randomArray(c, k.seed + 3), (v) => v + k.offset);
  const invStd = Float64Array.from(randomArray(c, k.seed + 4), (v) => 0.5 + Math.abs(v));
  return {
    ...k.layout, x, out: randomArray(n * c * s, k.seed + 5), mean, invStd,
    squares: k.training ? new Float64Array(c).fill(7) : null,
    weight, bias, eps: 1e-5, training: k.training, relu: k.relu,
  };
}

function copyForward(a: BatchNormForwardArgs): BatchNormForwardArgs {
  return {
    ...a, out: a.out.slice(), mean: a.mean.slice(), invStd: a.invStd.slice(), squares: a.squares ? a.squares.slice() : null,
  };
}

function expectForwardMatches(k: Case): BatchNormForwardArgs {
  const want = forwardArgs(k);
  const got = copyForward(want);
  batchNormForward(want);
  expect(batchNormForwardInMemory(got)).toBe(true);
  const what = JSON.stringify(k);
  expect(scaledError(got.mean, want.mean), `mean of ${what}`).toBeLessThanOrEqual(F64_TOLERANCE);
  expect(scaledError(got.invStd, want.invStd), `invStd of ${what}`).toBeLessThanOrEqual(F64_TOLERANCE);
  if (want.squares) expect(scaledError(got.squares!, want.squares), `squares of ${what}`).toBeLessThanOrEqual(F64_TOLERANCE);
  // out = x · scale + shift, scale = invStd · weight and shift = bias - mean · scale.
  expectWithinRounding(got.out, want.out, (i) => {
    const ch = channelOf(k.layout, i);
    const scale = want.invStd[ch] * (want.weight ? want.weight[ch] : 1);
    const shift = (want.bias ? want.bias[ch] : 0) - want.mean[ch] * scale;
    return Math.abs(want.x[i] * scale) + Math.abs(shift);
  }, `out of ${what}`);
  // With the ReLU, nothing negative (the bound above already holds the rest to the reference's).
  if (k.relu) expect(Array.from(got.out).every((v) => v >= 0)).toBe(true);
  return want;
}

describe.each([1, 2])('cpu BatchNorm kernels on %i thread(s)', (threads) => {
  onCpuThreads(threads);

  it('forward equals the reference: statistics, running-variance sums and output', () => {
    fc.assert(fc.property(caseArb, (k) => {
      expectForwardMatches(k);
    }), { numRuns: RUNS });
  });

  it('backward equals the reference: Σg, Σg·(x - mean) and the input gradient, masked by the ReLU', () => {
    fc.assert(fc.property(caseArb, fc.boolean(), fc.boolean(), (k, wantSums, wantGrad) => {
      const forward = expectForwardMatches(k);
      const { n, c, s } = k.layout;
      // Training's input gradient needs the sums; eval may skip them.
      const sums = wantSums || (k.training && wantGrad) || !wantGrad;
      const make = (): BatchNormBackwardArgs => ({
        ...k.layout, g: randomArray(n * c * s, k.seed + 6), x: forward.x, y: k.relu ? forward.out : null,
        mean: forward.mean, invStd: forward.invStd, weight: forward.weight, training: k.training,
        sums: sums ? { g: new Float64Array(c).fill(3), gx: new Float64Array(c).fill(3) } : null,
        gx: wantGrad ? randomArray(n * c * s, k.seed + 7) : null,
      });
      const want = make();
      const got = make();
      batchNormBackward(want);
      expect(batchNormBackwardInMemory(got)).toBe(true);
      const what = JSON.stringify({ ...k, sums, wantGrad });
      if (want.sums) {
        // Σg·(x - mean) cancels; its scale is Σ|g|·|x - mean|, about count · (1 + |offset|).
        const scale = n * s * (1 + Math.abs(k.offset));
        expect(scaledError(got.sums!.g, want.sums.g) / scale, `Σg of ${what}`).toBeLessThanOrEqual(F64_TOLERANCE);
        expect(scaledError(got.sums!.gx, want.sums.gx) / scale, `Σg·x of ${what}`).toBeLessThanOrEqual(F64_TOLERANCE);
      }
      if (want.gx) {
        // gx = a · (g - b - (x - mean) · k): a = invStd · weight; b, k from the sums in training, else 0.
        const count = n * s;
        expectWithinRounding(got.gx!, want.gx, (i) => {
          const ch = channelOf(k.layout, i);
          const a = Math.abs(want.invStd[ch] * (want.weight ? want.weight[ch] : 1));
          const b = k.training ? Math.abs(want.sums!.g[ch] / count) : 0;
          const slope = k.training ? Math.abs((want.sums!.gx[ch] * want.invStd[ch] ** 2) / count) : 0;
          return a * (Math.abs(want.g[i]) + b + (Math.abs(want.x[i]) + Math.abs(want.mean[ch])) * slope);
        }, `gx of ${what}`);
      }
    }), { numRuns: RUNS });
  });

  it('residual add+ReLU equals the reference bit for bit, NaN, -0 and infinities included', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), seedArb, (length, seed) => {
      const a = randomArray(length, seed);
      const b = randomArray(length, seed + 1);
      const specials = [NaN, -0, 0, Infinity, -Infinity];
      for (let i = 0; i < Math.min(length, 6); i++) a[(seed + 7 * i) % length] = specials[i % specials.length];
      const want = randomArray(length, seed + 2);
      const got = want.slice();
      addRelu({ a, b, out: want });
      expect(addReluInMemory({ a, b, out: got })).toBe(true);
      expect(Array.from(got).map(Object.is.bind(null, 0))).toEqual(Array.from(want).map(Object.is.bind(null, 0)));
      expect(Array.from(got)).toEqual(Array.from(want));
    }), { numRuns: RUNS });
  });
});

describe('cpu BatchNorm kernels, one thread against two', () => {
  it('give the same bits: each channel is summed whole by one thread', () => {
    const k: Case = { layout: { n: 3, c: 5, s: 37 }, seed: 4, training: true, relu: true, affine: true, offset: 3 };
    const one = forwardArgs(k);
    const two = copyForward(one);
    const before = getNumThreads();
    setParallelThreshold(0);
    try {
      setNumThreads(1);
      expect(batchNormForwardInMemory(one)).toBe(true);
      setNumThreads(2);
      expect(batchNormForwardInMemory(two)).toBe(true);
    } finally {
      setNumThreads(before);
      setParallelThreshold();
    }
    expect(Array.from(two.out)).toEqual(Array.from(one.out));
    expect(Array.from(two.mean)).toEqual(Array.from(one.mean));
    expect(Array.from(two.invStd)).toEqual(Array.from(one.invStd));
  });
});
