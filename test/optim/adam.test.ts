import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, tensor } from '../../src';
import { Adam, AdamW } from '../../src/optim';
import { RUNS, seedArb, seeded, shapeArb } from '../helpers';

interface AdamCase {
  shape: number[];
  seed: number;
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  steps: number;
}

const caseArb: fc.Arbitrary<AdamCase> = fc.record({
  shape: shapeArb(1, 3, 4),
  seed: seedArb,
  lr: fc.double({ min: 1e-4, max: 0.1, noNaN: true }),
  betas: fc.tuple(fc.constantFrom(0, 0.8, 0.9), fc.constantFrom(0.9, 0.99, 0.999)),
  eps: fc.constantFrom(1e-8, 1e-3),
  weightDecay: fc.constantFrom(0, 1e-2, 0.1),
  amsgrad: fc.boolean(),
  maximize: fc.boolean(),
  steps: fc.integer({ min: 1, max: 6 }),
});

function gradFor(shape: number[], seed: number, step: number): Tensor {
  return seeded(shape, seed * 17 + step + 3, { requiresGrad: false });
}

/**
 * Adam / AdamW as the papers write them, with the bias-corrected moments m̂ = m / (1 − β1^t) and
 * v̂ = v / (1 − β2^t) formed explicitly: p ← p − lr · m̂ / (√v̂ + eps). The library folds the corrections
 * into a step size, so the two agree to rounding only.
 */
function reference(c: AdamCase, decoupled: boolean): number[] {
  let p = Array.from(seeded(c.shape, c.seed).data);
  let m = p.map(() => 0);
  let v = p.map(() => 0);
  let vMax = p.map(() => 0);
  const [b1, b2] = c.betas;
  for (let t = 1; t <= c.steps; t++) {
    const raw = Array.from(gradFor(c.shape, c.seed, t - 1).data).map((g) => (c.maximize ? -g : g));
    const g = decoupled ? raw : raw.map((gi, i) => gi + c.weightDecay * p[i]);
    if (decoupled) p = p.map((pi) => pi - c.lr * c.weightDecay * pi);
    m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]);
    v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i] ** 2);
    vMax = vMax.map((x, i) => Math.max(x, v[i]));
    const second = c.amsgrad ? vMax : v;
    p = p.map((pi, i) => {
      const mHat = m[i] / (1 - b1 ** t);
      const vHat = second[i] / (1 - b2 ** t);
      return pi - (c.lr * mHat) / (Math.sqrt(vHat) + c.eps);
    });
  }
  return p;
}

function run(c: AdamCase, decoupled: boolean): Tensor {
  const p = seeded(c.shape, c.seed);
  const opt = decoupled ? new AdamW([p], c) : new Adam([p], c);
  for (let t = 0; t < c.steps; t++) {
    p.grad = gradFor(c.shape, c.seed, t);
    opt.step();
  }
  return p;
}

function relClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): boolean {
  for (let i = 0; i < b.length; i++) if (!(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])))) return false;
  return a.length === b.length;
}

describe('Adam', () => {
  it('matches the paper formulas with coupled weight decay, AMSGrad and maximize', () => {
    fc.assert(fc.property(caseArb, (c) => relClose(run(c, false).data, reference(c, false), 1e-10)), { numRuns: RUNS });
  });

  it('counts steps per parameter and keeps both moments (and the maximum for AMSGrad) in its state', () => {
    const p = seeded([2, 3], 1);
    const q = seeded([4], 2);
    const opt = new Adam([p, q], { amsgrad: true });
    p.grad = seeded([2, 3], 3, { requiresGrad: false });
    opt.step();
    opt.step();
    q.grad = seeded([4], 4, { requiresGrad: false });
    opt.step();
    expect(opt.state.get(p)!.step).toBe(3);
    expect(opt.state.get(q)!.step).toBe(1);
    expect(Object.keys(opt.state.get(q)!).sort()).toEqual(['expAvg', 'expAvgSq', 'maxExpAvgSq', 'step']);
    expect(opt.state.get(q)!.expAvg.shape).toEqual([4]);
  });

  it('moves each coordinate by about lr on the first step, whatever the gradient scale', () => {
    const p = tensor([0, 0, 0], { dtype: 'float64', requiresGrad: true });
    const opt = new Adam([p], { lr: 0.01 });
    p.grad = tensor([1e-3, -5, 200], { dtype: 'float64' });
    opt.step();
    for (const x of p.data) expect(Math.abs(x)).toBeCloseTo(0.01, 6);
    expect(Math.sign(p.data[0])).toBe(-1);
    expect(Math.sign(p.data[1])).toBe(1);
  });

  it('rejects betas outside [0, 1) and negative eps', () => {
    const p = seeded([2], 1);
    expect(() => new Adam([p], { betas: [1, 0.999] })).toThrow(/Adam: the defaults: betas\[0\] must be a finite number in \[0, 1\); got 1/);
    expect(() => new Adam([p], { betas: [0.9, -0.1] })).toThrow(/betas\[1\]/);
    expect(() => new Adam([p], { eps: -1 })).toThrow(/eps/);
  });
});

describe('AdamW', () => {
  it('matches the paper formulas with decoupled weight decay', () => {
    fc.assert(fc.property(caseArb, (c) => relClose(run(c, true).data, reference(c, true), 1e-10)), { numRuns: RUNS });
  });

  it('defaults to weightDecay 1e-2 (Adam to 0), and decays the weights even where the gradient is zero', () => {
    const p = tensor([1, -2], { dtype: 'float64', requiresGrad: true });
    const w = new AdamW([p], { lr: 0.1 });
    expect(w.defaults.weightDecay).toBe(1e-2);
    expect(new Adam([seeded([1], 1)]).defaults.weightDecay).toBe(0);
    p.grad = tensor([0, 0], { dtype: 'float64' });
    w.step();
    expect(p.data[0]).toBeCloseTo(1 * (1 - 0.1 * 1e-2), 15);
    expect(p.data[1]).toBeCloseTo(-2 * (1 - 0.1 * 1e-2), 15);
  });

  it('differs from Adam with the same weight decay (decoupled versus coupled)', () => {
    const c: AdamCase = {
      shape: [5], seed: 9, lr: 0.05, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.1, amsgrad: false, maximize: false, steps: 3,
    };
    expect(relClose(run(c, true).data, run(c, false).data, 1e-6)).toBe(false);
  });
});
