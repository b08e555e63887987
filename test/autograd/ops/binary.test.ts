import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor } from '../../../src';
import { RUNS, broadcastPairArb, checkGrad, seedArb, seeded } from '../../helpers';

describe('broadcasting binary ops', () => {
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    it(`${op}: gradient matches finite differences on broadcast-compatible shapes`, () => {
      fc.assert(
        fc.property(broadcastPairArb(), seedArb, ([sa, sb], seed) => {
          const a = seeded(sa, seed);
          // Divisors kept away from 0, where the quotient's derivative blows up.
          const b = op === 'div' ? seeded(sb, seed + 1, { range: [0.5, 2] }) : seeded(sb, seed + 1);
          return checkGrad((x, y) => x[op](y), [a, b]);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('pow: gradient in base and exponent (positive bases)', () => {
    fc.assert(
      fc.property(broadcastPairArb(3), seedArb, ([sa, sb], seed) => {
        const a = seeded(sa, seed, { range: [0.5, 2] });
        const b = seeded(sb, seed + 1, { range: [-2, 2] });
        return checkGrad((x, y) => x.pow(y), [a, b]);
      }),
      { numRuns: RUNS },
    );
  });

  it('computes the broadcast values and shape', () => {
    const a = tensor([[1], [2]]);
    const b = tensor([10, 20, 30]);
    const c = a.mul(b).add(1);
    expect(c.shape).toEqual([2, 3]);
    expect(c.toArray()).toEqual([[11, 21, 31], [21, 41, 61]]);
    expect(tensor([1, 2]).sub(3).toArray()).toEqual([-2, -1]);
    expect(tensor([2, 3]).pow(2).toArray()).toEqual([4, 9]);
  });

  it('accepts numbers on either side and promotes dtypes as PyTorch', () => {
    const i = tensor([1, 2, 3], { dtype: 'int32' });
    expect(i.add(1).dtype).toBe('int32');
    expect(i.add(0.5).dtype).toBe('float32');
    expect(i.div(2).dtype).toBe('float32');
    expect(i.div(2).toArray()).toEqual([0.5, 1, 1.5]);
    expect(tensor([1], { dtype: 'float64' }).add(tensor([1])).dtype).toBe('float64');
  });

  it('undoes broadcasting in backward by summing', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const b = tensor([1, 1, 1], { requiresGrad: true });
    a.mul(b).sum().backward();
    expect(b.grad!.toArray()).toEqual([5, 7, 9]);
    expect(a.grad!.toArray()).toEqual([[1, 1, 1], [1, 1, 1]]);
  });

  it('names the op and both shapes when shapes do not broadcast', () => {
    expect(() => tensor([[1, 2, 3]]).add(tensor([1, 2]))).toThrow(/add: shapes \[1, 3\] and \[2\] cannot be broadcast/);
  });
});
