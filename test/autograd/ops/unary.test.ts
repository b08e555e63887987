import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor, Tensor } from '../../../src';
import { RUNS, checkGrad, seedArb, seeded, shapeArb } from '../../helpers';

/** Values kept where each function is smooth: log and sqrt need x > 0, abs / relu / clamp need x away from kinks. */
const cases: { op: string; f: (x: Tensor) => Tensor; range?: [number, number]; awayFrom?: number[] }[] = [
  { op: 'neg', f: (x) => x.neg() },
  { op: 'exp', f: (x) => x.exp() },
  { op: 'log', f: (x) => x.log(), range: [0.2, 3] },
  { op: 'sqrt', f: (x) => x.sqrt(), range: [0.2, 3] },
  { op: 'abs', f: (x) => x.abs(), awayFrom: [0] },
  { op: 'relu', f: (x) => x.relu(), awayFrom: [0] },
  { op: 'sigmoid', f: (x) => x.sigmoid() },
  { op: 'tanh', f: (x) => x.tanh() },
  { op: 'clamp', f: (x) => x.clamp(-0.5, 0.7), awayFrom: [-0.5, 0.7] },
  { op: 'clamp (min only)', f: (x) => x.clamp(0.1), awayFrom: [0.1] },
  { op: 'pow (scalar exponent)', f: (x) => x.pow(3) },
  { op: 'clone', f: (x) => x.clone().mul(2) },
];

describe('elementwise functions of one tensor', () => {
  for (const { op, f, range, awayFrom } of cases) {
    it(`${op}: gradient matches finite differences`, () => {
      fc.assert(
        fc.property(shapeArb(0, 4), seedArb, (shape, seed) => {
          const x = seeded(shape, seed, { range });
          // Finite differences straddling a kink would disagree with any one-sided derivative.
          if (awayFrom && Array.from(x.data).some((v) => awayFrom.some((k) => Math.abs(v - k) < 1e-3))) return true;
          return checkGrad(f, [x]);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('relu keeps NaN and huge values, as torch.relu, in both float dtypes', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const big = dtype === 'float64' ? 1.5e308 : 3e38;
      const x = tensor([NaN, -Infinity, -1e-30, 1e-30, big, Infinity], { dtype, requiresGrad: true });
      const y = x.relu();
      expect(y.toArray()).toEqual([NaN, 0, 0, dtype === 'float64' ? 1e-30 : Math.fround(1e-30), dtype === 'float64' ? big : Math.fround(big), Infinity]);
      y.sum().backward();
      expect(x.grad!.toArray()).toEqual([0, 0, 0, 1, 1, 1]);
    }
    // An infinite incoming gradient stops at x <= 0, as PyTorch's select (not inf * 0 = NaN).
    const x = tensor([-1, 0, 2], { requiresGrad: true });
    x.relu().backward(tensor([Infinity, -Infinity, Infinity]));
    expect(x.grad!.toArray()).toEqual([0, 0, Infinity]);
  });

  it('computes the values', () => {
    const x = tensor([-2, -0.5, 0, 1.5]);
    expect(x.relu().toArray()).toEqual([0, 0, 0, 1.5]);
    expect(x.abs().toArray()).toEqual([2, 0.5, 0, 1.5]);
    expect(x.clamp(-1, 1).toArray()).toEqual([-1, -0.5, 0, 1]);
    expect(x.neg().toArray()).toEqual([2, 0.5, -0, -1.5]);
    const s = x.sigmoid().data;
    expect(s[2]).toBeCloseTo(0.5, 7);
    expect(x.exp().data[3]).toBeCloseTo(Math.exp(1.5), 5);
    expect(tensor([4, 9]).sqrt().toArray()).toEqual([2, 3]);
  });

  it('clamp passes the gradient at the bounds themselves, as PyTorch', () => {
    const x = tensor([-1, 0, 1, 2], { requiresGrad: true });
    x.clamp(0, 1).sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 1, 1, 0]);
  });

  it('to() casts and sends the gradient back in the input dtype', () => {
    const x = tensor([1.5, -2], { dtype: 'float64', requiresGrad: true });
    const y = x.to('float32');
    expect(y.dtype).toBe('float32');
    y.mul(tensor([3, 4])).sum().backward();
    expect(x.grad!.dtype).toBe('float64');
    expect(x.grad!.toArray()).toEqual([3, 4]);
    expect(() => x.to('int32')).toThrow(/to: cannot cast a tensor that requires grad to int32/);
  });

  it('integer inputs give float results for exp, log, sqrt, sigmoid and tanh', () => {
    const i = tensor([1, 4], { dtype: 'int32' });
    expect(i.sqrt().dtype).toBe('float32');
    expect(i.neg().dtype).toBe('int32');
  });

  it('clamp without bounds is an error', () => {
    expect(() => tensor([1]).clamp()).toThrow(/clamp: give at least one of min and max/);
  });
});
