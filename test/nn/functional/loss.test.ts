import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { F, Generator, Tensor, tensor } from '../../../src';
import { RUNS, checkGrad, maxAbsDiff, seedArb, seeded, shapeArb } from '../../helpers';

type Reduction = 'mean' | 'sum' | 'none';
const IGNORE = -100;

interface Case {
  logits: Tensor;
  target: Tensor;
  weight: Tensor | null;
  smoothing: number;
  reduction: Reduction;
}

/** Logits (N, C, *extra) or unbatched (C), targets with about a fifth of them ignoreIndex. */
const caseArb = fc
  .record({
    n: fc.integer({ min: 1, max: 4 }),
    c: fc.integer({ min: 1, max: 5 }),
    extra: shapeArb(0, 2, 3),
    unbatched: fc.boolean(),
    seed: seedArb,
    smoothing: fc.double({ min: 0, max: 0.5, noNaN: true }),
    reduction: fc.constantFrom<Reduction>('mean', 'sum', 'none'),
    weighted: fc.boolean(),
  })
  .map(({ n, c, extra, unbatched, seed, smoothing, reduction, weighted }): Case => {
    const shape = unbatched ? [c] : [n, c, ...extra];
    const targetShape = unbatched ? [] : [n, ...extra];
    const g = new Generator(seed + 7);
    const count = targetShape.reduce((a, b) => a * b, 1);
    const ids = Int32Array.from({ length: count }, () => (g.random() < 0.2 ? IGNORE : Math.floor(g.random() * c)));
    // Keep at least one element counted, so that 'mean' has a non-zero divisor.
    if (ids.every((t) => t === IGNORE)) ids[0] = 0;
    return {
      logits: seeded(shape, seed, { range: [-3, 3] }),
      target: tensor(ids, { shape: targetShape, dtype: 'int32' }),
      weight: weighted ? seeded([c], seed + 1, { range: [0.2, 2], requiresGrad: false }) : null,
      smoothing,
      reduction,
    };
  });

function run(k: Case, logits = k.logits): Tensor {
  return F.crossEntropy(logits, k.target, { labelSmoothing: k.smoothing, reduction: k.reduction, weight: k.weight });
}

/**
 * PyTorch's definition, spelled out element by element from logSoftmax:
 * loss_i = (1 - ε) (-w[t] logp[t]) + ε Σ_c (-w[c] logp[c]) / C; 'mean' divides by Σ w[t] (non-ignored).
 */
function reference(k: Case): number[] {
  const classDim = k.logits.ndim === 1 ? 0 : 1;
  const logp = F.logSoftmax(k.logits.detach(), classDim);
  const C = k.logits.shape[classDim];
  const inner = k.logits.shape.slice(2).reduce((a, b) => a * b, 1);
  const w = (c: number) => (k.weight ? k.weight.data[c] : 1);
  const losses: number[] = [];
  let total = 0;
  k.target.data.forEach((t, i) => {
    if (t === IGNORE) {
      losses.push(0);
      return;
    }
    const at = (c: number) => logp.data[Math.floor(i / inner) * C * inner + c * inner + (i % inner)];
    let smooth = 0;
    for (let c = 0; c < C; c++) smooth -= w(c) * at(c);
    losses.push((1 - k.smoothing) * -w(t) * at(t) + (k.smoothing * smooth) / C);
    total += w(t);
  });
  const sum = losses.reduce((a, b) => a + b, 0);
  if (k.reduction === 'none') return losses;
  return [k.reduction === 'sum' ? sum : sum / total];
}

describe('crossEntropy', () => {
  it('gradient matches finite differences: any shape, smoothing, reduction, ignoreIndex, weights', () => {
    fc.assert(
      fc.property(caseArb, (k) => checkGrad((z) => run(k, z), [k.logits])),
      { numRuns: RUNS * 2 },
    );
  });

  it('matches the definition computed from logSoftmax with explicit sums', () => {
    fc.assert(
      fc.property(caseArb, (k) => {
        const out = run(k);
        expect(out.shape).toEqual(k.reduction === 'none' ? k.target.shape : []);
        expect(maxAbsDiff(out.data, reference(k))).toBeLessThan(1e-12);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('computes small cases by hand', () => {
    const z = tensor([[0, Math.log(3)]], { dtype: 'float64' }); // p = [1/4, 3/4]
    const t0 = tensor([0], { dtype: 'int32' });
    expect(F.crossEntropy(z, t0).item()).toBeCloseTo(Math.log(4), 14);
    // Smoothing 0.1 over 2 classes: 0.9 (-log p0) + 0.1 (-(log p0 + log p1) / 2).
    const smoothed = 0.9 * Math.log(4) + (0.1 * (Math.log(4) + Math.log(4 / 3))) / 2;
    expect(F.crossEntropy(z, t0, { labelSmoothing: 0.1 }).item()).toBeCloseTo(smoothed, 14);
    // Unbatched: (C) logits and a 0-d target.
    const u = F.crossEntropy(tensor([0, Math.log(3)], { dtype: 'float64' }), tensor(1, { dtype: 'int32' }), { reduction: 'none' });
    expect(u.shape).toEqual([]);
    expect(u.item()).toBeCloseTo(Math.log(4 / 3), 14);
  });

  it('weighted mean divides by the weights of the targets, ignored elements left out', () => {
    const z = tensor([[0, Math.log(3)], [0, 0], [5, 1]], { dtype: 'float64' });
    const t = tensor([0, 1, IGNORE], { dtype: 'int32' });
    const weight = tensor([2, 0.5], { dtype: 'float64' });
    const nll = [2 * Math.log(4), 0.5 * Math.log(2)];
    expect(F.crossEntropy(z, t, { weight }).item()).toBeCloseTo((nll[0] + nll[1]) / 2.5, 14);
    expect(F.crossEntropy(z, t, { weight, reduction: 'sum' }).item()).toBeCloseTo(nll[0] + nll[1], 14);
    const none = F.crossEntropy(z, t, { weight, reduction: 'none' });
    expect(maxAbsDiff(none.data, [...nll, 0])).toBeLessThan(1e-14);
    // Smoothing uses every class's weight: row 1 gets ε Σ_c w_c (-log ½) / C on top.
    const eps = 0.2;
    const row0 = (1 - eps) * nll[0] + (eps * (2 * Math.log(4) + 0.5 * Math.log(4 / 3))) / 2;
    const row1 = (1 - eps) * nll[1] + (eps * (2.5 * Math.log(2))) / 2;
    expect(F.crossEntropy(z, t, { weight, labelSmoothing: eps }).item()).toBeCloseTo((row0 + row1) / 2.5, 14);
  });

  it('ignoreIndex may be a class index, and every element ignored gives NaN for mean (as PyTorch)', () => {
    const z = tensor([[1, 2, 3], [3, 2, 1]], { dtype: 'float64', requiresGrad: true });
    const t = tensor([1, 2], { dtype: 'int32' });
    const lp = F.logSoftmax(z.detach(), 1);
    expect(F.crossEntropy(z, t, { ignoreIndex: 1 }).item()).toBeCloseTo(-lp.data[5], 14);
    const allIgnored = F.crossEntropy(z, tensor([IGNORE, IGNORE], { dtype: 'int32' }));
    expect(allIgnored.item()).toBeNaN();
    allIgnored.backward();
    expect(Array.from(z.grad!.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('backward is (softmax - smoothed one-hot) / N for mean without weights', () => {
    const z = seeded([3, 4], 5);
    const t = tensor([3, 0, 2], { dtype: 'int32' });
    F.crossEntropy(z, t, { labelSmoothing: 0.2 }).backward();
    const p = F.softmax(z.detach(), 1);
    const expected = Array.from(p.data, (v, j) => {
      const row = Math.floor(j / 4), col = j % 4;
      const q = (col === t.data[row] ? 0.8 : 0) + 0.2 / 4;
      return (v - q) / 3;
    });
    expect(maxAbsDiff(z.grad!.data, expected)).toBeLessThan(1e-14);
  });

  it('handles large logits without overflow, in float32 too', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const z = tensor([[1000, 0, -1000], [1000, 1000, 1000]], { dtype, requiresGrad: true });
      const loss = F.crossEntropy(z, tensor([0, 2], { dtype: 'int32' }), { reduction: 'none' });
      expect(loss.data[0]).toBeCloseTo(0, 6);
      expect(loss.data[1]).toBeCloseTo(Math.log(3), 6);
      loss.sum().backward();
      for (const v of z.grad!.data) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('keeps the logits dtype', () => {
    const loss = F.crossEntropy(tensor([[1, 2]]), tensor([1], { dtype: 'int32' }));
    expect(loss.dtype).toBe('float32');
  });

  describe('errors name crossEntropy and the argument', () => {
    const z = tensor([[1, 2, 3], [4, 5, 6]]);

    it('float target', () => {
      expect(() => F.crossEntropy(z, tensor([0, 1]))).toThrow(
        /crossEntropy: target must be an int32 tensor of class indices; got float32/,
      );
      expect(() => F.crossEntropy(z, tensor([0, 1], { dtype: 'float64' }))).toThrow(/crossEntropy: .*got float64/);
    });

    it('class index out of range', () => {
      expect(() => F.crossEntropy(z, tensor([0, 3], { dtype: 'int32' }))).toThrow(
        /crossEntropy: target value 3 .*out of range for 3 classes/,
      );
      expect(() => F.crossEntropy(z, tensor([-1, 0], { dtype: 'int32' }))).toThrow(/crossEntropy: target value -1 /);
      // -100 is fine as the default ignoreIndex, but not once another one is chosen.
      expect(() => F.crossEntropy(z, tensor([IGNORE, 0], { dtype: 'int32' }), { ignoreIndex: 1 })).toThrow(
        /crossEntropy: target value -100 /,
      );
    });

    it('shape mismatch names both shapes', () => {
      expect(() => F.crossEntropy(z, tensor([0, 1, 2], { dtype: 'int32' }))).toThrow(
        /crossEntropy: target shape \[3\] does not match input \[2, 3\]; expected target \[2\]/,
      );
      expect(() => F.crossEntropy(tensor([1, 2, 3]), tensor([0], { dtype: 'int32' }))).toThrow(
        /crossEntropy: target shape \[1\] does not match input \[3\]; expected target \[\]/,
      );
    });

    it('bad options', () => {
      const t = tensor([0, 1], { dtype: 'int32' });
      expect(() => F.crossEntropy(z, t, { labelSmoothing: 1.5 })).toThrow(/crossEntropy: labelSmoothing must be between 0 and 1; got 1.5/);
      expect(() => F.crossEntropy(z, t, { reduction: 'avg' as Reduction })).toThrow(/crossEntropy: reduction must be/);
      expect(() => F.crossEntropy(z, t, { weight: tensor([1, 1]) })).toThrow(/crossEntropy: weight has shape \[2\]; expected \[3\]/);
    });
  });
});
