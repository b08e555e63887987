import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, tensor } from '../../src';
import { SGD } from '../../src/optim';
import { RUNS, maxAbsDiff, seedArb, seeded, shapeArb } from '../helpers';

interface SGDCase {
  shape: number[];
  seed: number;
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  steps: number;
}

const caseArb: fc.Arbitrary<SGDCase> = fc
  .record({
    shape: shapeArb(1, 3, 4),
    seed: seedArb,
    lr: fc.double({ min: 1e-3, max: 0.5, noNaN: true }),
    momentum: fc.constantFrom(0, 0.5, 0.9),
    dampening: fc.constantFrom(0, 0.1, 0.5),
    weightDecay: fc.constantFrom(0, 1e-3, 0.1),
    nesterov: fc.boolean(),
    maximize: fc.boolean(),
    steps: fc.integer({ min: 1, max: 5 }),
  })
  // Nesterov is only defined with momentum and no dampening.
  .map((c) => (c.nesterov ? { ...c, momentum: c.momentum || 0.9, dampening: 0 } : c));

function gradFor(shape: number[], seed: number, step: number): Tensor {
  return seeded(shape, seed * 31 + step + 1, { requiresGrad: false });
}

/**
 * SGD as the PyTorch documentation writes it, on plain number arrays: the velocity starts as the first
 * (decayed) gradient, then v ← μ v + (1 − τ) g; the step uses g + μ v (Nesterov) or v.
 */
function referenceSGD(c: SGDCase): number[] {
  let p = Array.from(seeded(c.shape, c.seed).data);
  let v: number[] | null = null;
  for (let step = 0; step < c.steps; step++) {
    const raw = Array.from(gradFor(c.shape, c.seed, step).data);
    const g = raw.map((gi, i) => (c.maximize ? -gi : gi) + c.weightDecay * p[i]);
    let direction = g;
    if (c.momentum !== 0) {
      const prev: number[] | null = v;
      const vel: number[] = prev === null ? [...g] : prev.map((vi, i) => c.momentum * vi + (1 - c.dampening) * g[i]);
      v = vel;
      direction = c.nesterov ? g.map((gi, i) => gi + c.momentum * vel[i]) : vel;
    }
    p = p.map((pi, i) => pi - c.lr * direction[i]);
  }
  return p;
}

function runSGD(c: SGDCase, dtype: 'float32' | 'float64' = 'float64'): Tensor {
  const p = seeded(c.shape, c.seed, { dtype });
  const opt = new SGD([p], c);
  for (let step = 0; step < c.steps; step++) {
    p.grad = gradFor(c.shape, c.seed, step);
    opt.step();
  }
  return p;
}

describe('SGD', () => {
  it('matches the textbook algorithm (momentum, dampening, Nesterov, weight decay, maximize) in float64', () => {
    fc.assert(
      fc.property(caseArb, (c) => maxAbsDiff(runSGD(c).data, referenceSGD(c)) < 1e-12),
      { numRuns: RUNS },
    );
  });

  it('updates float32 parameters and keeps float32 buffers, close to the float64 result', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const p = runSGD(c, 'float32');
        expect(p.dtype).toBe('float32');
        return maxAbsDiff(p.data, referenceSGD(c)) < 1e-4;
      }),
      { numRuns: 20 },
    );
    const p = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
    p.grad = tensor([1, 1], { dtype: 'float32' });
    opt.step();
    expect(opt.state.get(p)!.momentumBuffer!.dtype).toBe('float32');
  });

  it('starts the momentum buffer at the gradient itself, without dampening', () => {
    const p = tensor([0, 0], { dtype: 'float64', requiresGrad: true });
    const opt = new SGD([p], { lr: 1, momentum: 0.9, dampening: 0.5 });
    p.grad = tensor([2, -4], { dtype: 'float64' });
    opt.step();
    expect(Array.from(opt.state.get(p)!.momentumBuffer!.data)).toEqual([2, -4]);
    expect(Array.from(p.data)).toEqual([-2, 4]);
    opt.step();
    // 0.9 · 2 + 0.5 · 2 = 2.8
    expect(opt.state.get(p)!.momentumBuffer!.data[0]).toBeCloseTo(2.8, 14);
  });

  it('keeps no state without momentum', () => {
    const p = seeded([3], 1);
    const opt = new SGD([p], { lr: 0.1 });
    p.grad = seeded([3], 2, { requiresGrad: false });
    opt.step();
    expect(opt.state.size).toBe(0);
  });

  it('rejects Nesterov without momentum or with dampening, and negative hyperparameters', () => {
    const p = seeded([2], 1);
    expect(() => new SGD([p], { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum needs momentum > 0 and dampening 0/);
    expect(() => new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(/dampening 0/);
    expect(() => new SGD([p], { lr: -1 })).toThrow(/SGD: the defaults: lr must be a finite number >= 0; got -1/);
    expect(() => new SGD([p], { lr: 0.1, momentum: -0.5 })).toThrow(/momentum/);
    expect(() => new SGD([{ params: [p], nesterov: true }], { lr: 0.1 })).toThrow(/SGD: parameter group 0: Nesterov/);
  });
});
