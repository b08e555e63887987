import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { F, bmm, matmul, tensor } from '../../../src';
import { RUNS, checkGrad, seedArb, seeded, maxAbsDiff } from '../../helpers';

/** Two matmul operand shapes, 1-D to 4-D, with broadcast-compatible batch dims. */
const matmulShapesArb = fc
  .record({
    m: fc.integer({ min: 1, max: 4 }),
    k: fc.integer({ min: 1, max: 4 }),
    n: fc.integer({ min: 1, max: 4 }),
    batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    onesA: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
    onesB: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
    dropA: fc.integer({ min: 0, max: 2 }),
    dropB: fc.integer({ min: 0, max: 2 }),
    vectorA: fc.boolean(),
    vectorB: fc.boolean(),
  })
  .map((r) => {
    const batchA = r.batch.map((d, i) => (r.onesA[i] ? 1 : d)).slice(r.dropA);
    const batchB = r.batch.map((d, i) => (r.onesB[i] ? 1 : d)).slice(r.dropB);
    const a = r.vectorA ? [r.k] : [...batchA, r.m, r.k];
    const b = r.vectorB ? [r.k] : [...batchB, r.k, r.n];
    return [a, b];
  });

/** matmul written as broadcast multiply and sum, the definition torch.matmul follows. */
function referenceMatmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, p) => s + v * b[p][j], 0)));
}

describe('matmul, bmm, linear', () => {
  it('matmul: gradient matches finite differences, 1-D operands and broadcast batches included', () => {
    fc.assert(
      fc.property(matmulShapesArb, seedArb, ([sa, sb], seed) => checkGrad((a, b) => matmul(a, b), [seeded(sa, seed), seeded(sb, seed + 1)])),
      { numRuns: RUNS },
    );
  });

  it('bmm and linear: gradients match finite differences', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), seedArb, (b, i, o, withBias, seed) => {
        const x = seeded([b, 2, i], seed);
        const w = seeded([o, i], seed + 1);
        const bias = withBias ? seeded([o], seed + 2) : null;
        return (
          checkGrad((p, q) => bmm(p, q), [x, seeded([b, i, o], seed + 3)]) &&
          checkGrad((p, q, r) => F.linear(p, q, r ?? null), bias ? [x, w, bias] : [x, w])
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('matches the definition, and torch.matmul shape rules', () => {
    const a = seeded([3, 4], 1, { requiresGrad: false });
    const b = seeded([4, 2], 2, { requiresGrad: false });
    const ref = referenceMatmul(a.toArray() as number[][], b.toArray() as number[][]);
    expect(maxAbsDiff(matmul(a, b).data, ref.flat())).toBeLessThan(1e-12);
    expect(matmul(seeded([4], 1), seeded([4], 2)).shape).toEqual([]);
    expect(matmul(seeded([4], 1), seeded([2, 4, 3], 2)).shape).toEqual([2, 3]);
    expect(matmul(seeded([2, 3, 4], 1), seeded([4], 2)).shape).toEqual([2, 3]);
    expect(matmul(seeded([2, 1, 3, 4], 1), seeded([5, 4, 2], 2)).shape).toEqual([2, 5, 3, 2]);
    expect(F.linear(tensor([[1, 2]]), tensor([[1, 0], [0, 1], [1, 1]]), tensor([0, 0, 10])).toArray()).toEqual([[1, 2, 13]]);
  });

  it('names the op and shapes on mismatched operands', () => {
    expect(() => matmul(seeded([2, 3], 1), seeded([4, 5], 2))).toThrow(
      /matmul: shapes \[2, 3\] and \[4, 5\] cannot be multiplied \(inner sizes 3 and 4\)/,
    );
    expect(() => matmul(seeded([2, 2, 3], 1), seeded([3, 3, 1], 2))).toThrow(/matmul: the batch dims of \[2, 2, 3\] and \[3, 3, 1\] \(\[2\] and \[3\]\) cannot be broadcast/);
    expect(() => bmm(seeded([2, 2, 3], 1), seeded([3, 3, 1], 2))).toThrow(/bmm: expected \[B, m, k\] and \[B, k, n\]/);
    expect(() => F.linear(seeded([2, 3], 1), seeded([4, 2], 2))).toThrow(/linear: input \[2, 3\] and weight \[4, 2\] do not fit/);
  });
});
