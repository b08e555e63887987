import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { F, Tensor, tensor } from '../../../src';
import { RUNS, checkGrad, maxAbsDiff, seedArb, seeded, shapeArb } from '../../helpers';

/** A shape of rank 0..4 and a dim valid for it, negative half of the time. */
const shapeAndDimArb = shapeArb(0, 4).chain((shape) => {
  const r = Math.max(shape.length, 1);
  return fc.tuple(fc.constant(shape), fc.integer({ min: -r, max: r - 1 }));
});

/** Softmax written out with tensor methods, as an independent reference (fine for moderate values). */
function naiveSoftmax(x: Tensor, dim: number): Tensor {
  const e = x.exp();
  return e.div(e.sum(dim, true));
}

describe('softmax and logSoftmax', () => {
  for (const op of ['softmax', 'logSoftmax'] as const) {
    it(`${op}: gradient matches finite differences on random shapes and dims`, () => {
      fc.assert(
        fc.property(shapeAndDimArb, seedArb, ([shape, dim], seed) => {
          const x = seeded(shape, seed, { range: [-3, 3] });
          return checkGrad((t) => F[op](t, dim), [x]);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('matches exp(x) / sum(exp(x)) computed with tensor methods, and its log', () => {
    fc.assert(
      fc.property(shapeAndDimArb, seedArb, ([shape, dim], seed) => {
        const x = seeded(shape, seed, { requiresGrad: false });
        const expected = naiveSoftmax(x, dim);
        expect(maxAbsDiff(F.softmax(x, dim).data, expected.data)).toBeLessThan(1e-12);
        expect(maxAbsDiff(F.logSoftmax(x, dim).data, expected.log().data)).toBeLessThan(1e-12);
      }),
      { numRuns: RUNS },
    );
  });

  it('gives slices that sum to 1, and exp(logSoftmax) equal to softmax', () => {
    fc.assert(
      fc.property(shapeAndDimArb, seedArb, ([shape, dim], seed) => {
        const x = seeded(shape, seed, { requiresGrad: false });
        const p = F.softmax(x, dim);
        const sums = p.sum(dim);
        for (const s of sums.data) expect(s).toBeCloseTo(1, 12);
        expect(maxAbsDiff(F.logSoftmax(x, dim).exp().data, p.data)).toBeLessThan(1e-12);
      }),
      { numRuns: RUNS },
    );
  });

  it('computes small cases by hand', () => {
    // softmax([0, ln 3]) = [1/4, 3/4]
    const p = F.softmax(tensor([0, Math.log(3)], { dtype: 'float64' }), 0);
    expect(p.data[0]).toBeCloseTo(0.25, 14);
    expect(p.data[1]).toBeCloseTo(0.75, 14);
    // Along dim 0 of a 2x2: each column on its own.
    const q = F.softmax(tensor([[1, 5], [1, 5 + Math.log(4)]], { dtype: 'float64' }), 0);
    expect(q.data[0]).toBeCloseTo(0.5, 14);
    expect(q.data[2]).toBeCloseTo(0.5, 14);
    expect(q.data[1]).toBeCloseTo(0.2, 14);
    expect(q.data[3]).toBeCloseTo(0.8, 14);
    const l = F.logSoftmax(tensor([1, 1, 1, 1], { dtype: 'float64' }), -1);
    for (const v of l.data) expect(v).toBeCloseTo(-Math.log(4), 14);
    // A 0-d tensor is one slice of one element.
    expect(F.softmax(tensor(2.5), 0).item()).toBe(1);
    expect(F.logSoftmax(tensor(2.5), -1).item()).toBe(0);
  });

  it('does not overflow on large logits', () => {
    const x = tensor([[1000, 1001, 1002], [-1000, -1000, 0]], { dtype: 'float64' });
    const p = F.softmax(x, 1);
    const l = F.logSoftmax(x, 1);
    for (const v of [...p.data, ...l.data]) expect(Number.isFinite(v)).toBe(true);
    const z = Math.exp(-2) + Math.exp(-1) + 1;
    expect(p.data[2]).toBeCloseTo(1 / z, 14);
    expect(l.data[0]).toBeCloseTo(-2 - Math.log(z), 12);
    // exp(-1000) underflows to 0 in the probabilities; the log stays exact.
    expect(p.data[3]).toBe(0);
    expect(l.data[3]).toBeCloseTo(-1000, 10);
    // float32 too: exp(1000) would be Infinity without the max subtracted.
    const p32 = F.softmax(tensor([1000, 1000]), 0);
    expect(Array.from(p32.data)).toEqual([0.5, 0.5]);
  });

  it('backward of a softmax slice that is summed is zero (the sum is always 1)', () => {
    const x = seeded([3, 4], 7);
    F.softmax(x, 1).sum().backward();
    expect(maxAbsDiff(x.grad!.data, new Float64Array(12))).toBeLessThan(1e-15);
  });

  it('keeps the dtype and shape', () => {
    const x = tensor([[1, 2], [3, 4]]);
    expect(F.softmax(x, 0).dtype).toBe('float32');
    expect(F.logSoftmax(x.double(), 1).dtype).toBe('float64');
    expect(F.softmax(x, 1).shape).toEqual([2, 2]);
  });

  it('names the op for an out-of-range dim or an int tensor', () => {
    const x = tensor([[1, 2], [3, 4]]);
    expect(() => F.softmax(x, 2)).toThrow(/softmax: dim 2 is out of range for a tensor of rank 2/);
    expect(() => F.logSoftmax(x, -3)).toThrow(/logSoftmax: dim -3 is out of range/);
    expect(() => F.softmax(tensor([1, 2], { dtype: 'int32' }), 0)).toThrow(/softmax: input must be a floating-point tensor; got int32/);
  });
});
