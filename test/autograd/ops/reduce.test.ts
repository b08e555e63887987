import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor } from '../../../src';
import { RUNS, checkGrad, seedArb, seeded, shapeArb } from '../../helpers';

/** A shape with a random subset of its dims (as a list, a single number or undefined for all). */
const reductionArb = shapeArb(1, 4).chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    dims: fc.oneof(
      fc.constant(undefined),
      fc.integer({ min: -shape.length, max: shape.length - 1 }),
      fc.subarray(shape.map((_, i) => i), { minLength: 1 }),
    ),
    keepdim: fc.boolean(),
    seed: seedArb,
  }),
);

describe('reductions', () => {
  for (const op of ['sum', 'mean', 'max', 'min'] as const) {
    it(`${op}: gradient matches finite differences over random dims, keepdim or not`, () => {
      fc.assert(
        fc.property(reductionArb, ({ shape, dims, keepdim, seed }) => {
          const x = seeded(shape, seed); // continuous values: no ties for max / min
          return checkGrad((t) => t[op](dims, keepdim), [x]);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('var: gradient matches finite differences, with and without correction', () => {
    fc.assert(
      fc.property(reductionArb, fc.constantFrom(0, 1), ({ shape, dims, keepdim, seed }, correction) => {
        const x = seeded(shape, seed);
        const count = dims === undefined ? x.numel() : [dims].flat().reduce((n, d) => n * shape.at(d)!, 1);
        if (count - correction <= 0) return true; // the variance is undefined there, as in PyTorch
        return checkGrad((t) => t.var(dims, keepdim, correction), [x]);
      }),
      { numRuns: RUNS },
    );
  });

  it('computes values and shapes as PyTorch', () => {
    const x = tensor([[1, 5, 3], [4, 2, 6]]);
    expect(x.sum().toArray()).toBe(21);
    expect(x.sum(0).toArray()).toEqual([5, 7, 9]);
    expect(x.sum(1, true).shape).toEqual([2, 1]);
    expect(x.mean([0, 1]).item()).toBe(3.5);
    expect(x.max(1).toArray()).toEqual([5, 6]);
    expect(x.min(0).toArray()).toEqual([1, 2, 3]);
    expect(x.argmax(1).toArray()).toEqual([1, 2]);
    expect(x.argmax().item()).toBe(5);
    expect(x.argmin(0, true).toArray()).toEqual([[0, 1, 0]]);
    expect(x.argmax(1).dtype).toBe('int32');
    expect(x.var(1).data[0]).toBeCloseTo(4, 6); // unbiased: values 1, 5, 3
    expect(x.var(1, false, 0).data[0]).toBeCloseTo(8 / 3, 6);
  });

  it('max shares the gradient evenly among tied maxima (torch.amax)', () => {
    const x = tensor([1, 3, 3], { requiresGrad: true });
    x.max().backward();
    expect(x.grad!.toArray()).toEqual([0, 0.5, 0.5]);
  });

  it('max propagates NaN', () => {
    expect(Number.isNaN(tensor([1, NaN, 3]).max().item())).toBe(true);
    expect(tensor([1, NaN, 3]).argmax().item()).toBe(1);
  });

  it('names the op and the rank for an out-of-range dim', () => {
    expect(() => tensor([[1, 2]]).sum(2)).toThrow(/sum: dim 2 is out of range for a tensor of rank 2/);
    expect(() => tensor([[1, 2]]).argmax(-3)).toThrow(/argmax: dim -3 is out of range/);
    expect(() => tensor([[1, 2]]).mean([0, 0])).toThrow(/mean: dim \[0,0\] repeats a dimension/);
  });
});
