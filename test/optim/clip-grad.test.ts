import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, tensor } from '../../src';
import { clipGradNorm } from '../../src/optim';
import { RUNS, seedArb, seeded, shapeArb } from '../helpers';

/** Parameters of the given shapes with gradients scaled by `scale` (so some cases clip and some do not). */
function withGrads(shapes: number[][], seed: number, scale: number): Tensor[] {
  return shapes.map((s, i) => {
    const p = seeded(s, seed + i);
    p.grad = seeded(s, seed + 100 + i, { requiresGrad: false }).mul(scale);
    return p;
  });
}

function allGrads(params: Tensor[]): number[] {
  return params.flatMap((p) => Array.from(p.grad!.data));
}

/** The p-norm of all gradient values as one vector, written out directly. */
function vectorNorm(values: number[], p: number): number {
  if (p === Infinity) return values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return values.reduce((s, v) => s + Math.abs(v) ** p, 0) ** (1 / p);
}

const caseArb = fc.record({
  shapes: fc.array(shapeArb(1, 3, 4), { minLength: 1, maxLength: 4 }),
  seed: seedArb,
  scale: fc.constantFrom(0.01, 0.3, 1, 5),
  maxNorm: fc.double({ min: 0.05, max: 5, noNaN: true }),
  normType: fc.constantFrom(1, 2, 3, Infinity),
});

describe('clipGradNorm', () => {
  it('returns the norm of all gradients as one vector, and caps it at maxNorm keeping the direction', () => {
    fc.assert(
      fc.property(caseArb, ({ shapes, seed, scale, maxNorm, normType }) => {
        const params = withGrads(shapes, seed, scale);
        const before = allGrads(params);
        const expected = vectorNorm(before, normType);
        const total = clipGradNorm(params, maxNorm, normType);
        expect(total).toBeCloseTo(expected, 10);
        const after = allGrads(params);
        const factor = maxNorm / (total + 1e-6);
        if (factor < 1) {
          after.forEach((g, i) => expect(g).toBeCloseTo(before[i] * factor, 12));
          expect(vectorNorm(after, normType)).toBeLessThanOrEqual(maxNorm * (1 + 1e-12));
        } else {
          expect(after).toEqual(before);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('ignores parameters without a gradient, and returns 0 when none has one', () => {
    const [a, b] = withGrads([[3], [2, 2]], 1, 1);
    b.grad = null;
    expect(clipGradNorm([a, b], 100)).toBeCloseTo(vectorNorm(Array.from(a.grad!.data), 2), 12);
    a.grad = null;
    expect(clipGradNorm([a, b], 1)).toBe(0);
    const single = withGrads([[4]], 2, 1)[0];
    expect(clipGradNorm(single, 1e9)).toBeCloseTo(vectorNorm(Array.from(single.grad!.data), 2), 12);
  });

  it('returns a NaN or infinite total and leaves the gradients as they were', () => {
    for (const bad of [Number.NaN, Infinity]) {
      const [a, b] = withGrads([[3], [2]], 3, 1);
      b.grad!.data[1] = bad;
      const before = allGrads([a, b]);
      const total = clipGradNorm([a, b], 0.1);
      expect(Number.isFinite(total)).toBe(false);
      expect(allGrads([a, b])).toEqual(before);
      expect(() => clipGradNorm([a, b], 0.1, 2, { errorIfNonfinite: true })).toThrow(/clipGradNorm: the total 2-norm of the gradients is (NaN|Infinity)/);
    }
  });

  it('rejects a negative maxNorm and a normType that is not positive', () => {
    const p = tensor([1], { requiresGrad: true });
    expect(() => clipGradNorm([p], -1)).toThrow(/maxNorm must be a number >= 0; got -1/);
    expect(() => clipGradNorm([p], 1, 0)).toThrow(/normType must be > 0/);
  });
});
