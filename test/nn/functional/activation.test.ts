import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { F, manualSeed, ones, tensor } from '../../../src';
import { RUNS, checkGrad, seedArb, seeded, shapeArb } from '../../helpers';

describe('dropout', () => {
  it('gradient matches finite differences (the mask fixed by reseeding)', () => {
    fc.assert(
      fc.property(shapeArb(1, 3), seedArb, fc.double({ min: 0, max: 0.9, noNaN: true }), (shape, seed, p) =>
        checkGrad((x) => {
          manualSeed(seed); // every evaluation draws the same mask
          return F.dropout(x, p, true);
        }, [seeded(shape, seed)]),
      ),
      { numRuns: RUNS },
    );
  });

  it('zeroes about p of the elements and scales the rest by 1/(1-p)', () => {
    manualSeed(3);
    const y = F.dropout(ones([10_000]), 0.3, true);
    const values = Array.from(y.data);
    const zeros = values.filter((v) => v === 0).length / values.length;
    expect(Math.abs(zeros - 0.3)).toBeLessThan(0.02);
    expect(values.filter((v) => v !== 0).every((v) => Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
  });

  it('is the identity in eval mode and zero at p = 1', () => {
    const x = tensor([1, 2, 3]);
    expect(F.dropout(x, 0.5, false)).toBe(x);
    expect(F.dropout(x, 1, true).toArray()).toEqual([0, 0, 0]);
  });

  it('rejects p outside [0, 1]', () => {
    expect(() => F.dropout(tensor([1]), 1.5, true)).toThrow(/dropout: p must be in \[0, 1\]; got 1.5/);
  });
});
