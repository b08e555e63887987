import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { F, Tensor, tensor } from '../../../src';
import { RUNS, checkGrad, maxAbsDiff, seedArb, seeded, shapeArb } from '../../helpers';

/** (N, C, *) shapes of rank 2..5, with more than one value per channel so that training is allowed. */
const inputShapeArb = shapeArb(2, 5, 3).map((s) => {
  const perChannel = s[0] * s.slice(2).reduce((a, b) => a * b, 1);
  return perChannel > 1 ? s : [2, ...s.slice(1)];
});

/** The dims batch norm reduces over: all but the channel dim. */
function statDims(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
}

/** A (C) vector shaped to broadcast against (N, C, *). */
function perChannel(v: Tensor, rank: number): Tensor {
  return v.reshape([1, v.shape[0], ...new Array<number>(rank - 2).fill(1)]);
}

/** Batch norm written with tensor methods, from the given mean and (biased) variance of shape (C). */
function reference(x: Tensor, mean: Tensor, variance: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  let y = x.sub(perChannel(mean, x.ndim)).div(perChannel(variance.add(eps).sqrt(), x.ndim));
  if (weight) y = y.mul(perChannel(weight, x.ndim));
  if (bias) y = y.add(perChannel(bias, x.ndim));
  return y;
}

function channelVector(c: number, seed: number, range: [number, number], requiresGrad = false): Tensor {
  return seeded([c], seed, { range, requiresGrad });
}

describe('batchNorm', () => {
  for (const training of [true, false]) {
    const mode = training ? 'training' : 'eval';
    it(`${mode}: gradient in x, weight and bias matches finite differences (ranks 2..5, affine or not)`, () => {
      fc.assert(
        fc.property(inputShapeArb, seedArb, fc.boolean(), fc.boolean(), (shape, seed, useWeight, useBias) => {
          const c = shape[1];
          const x = seeded(shape, seed);
          const w = useWeight ? channelVector(c, seed + 1, [0.5, 2], true) : null;
          const b = useBias ? channelVector(c, seed + 2, [-1, 1], true) : null;
          // Fresh running stats per call: training updates them, which must not change the output.
          const rm = channelVector(c, seed + 3, [-1, 1]);
          const rv = channelVector(c, seed + 4, [0.5, 2]);
          const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
          return checkGrad((xi, ...rest) => {
            const wi = w ? rest[0] : null;
            const bi = b ? rest[w ? 1 : 0] : null;
            return F.batchNorm(xi, rm, rv, wi, bi, { training });
          }, inputs);
        }),
        { numRuns: RUNS },
      );
    });
  }

  for (const training of [true, false]) {
    const mode = training ? 'training' : 'eval';
    it(`${mode}, fused ReLU: gradient in x, weight and bias matches finite differences`, () => {
      fc.assert(
        fc.property(inputShapeArb, seedArb, fc.boolean(), (shape, seed, affine) => {
          const c = shape[1];
          const x = seeded(shape, seed);
          const w = affine ? channelVector(c, seed + 1, [0.5, 2], true) : null;
          const b = affine ? channelVector(c, seed + 2, [-1, 1], true) : null;
          const rm = channelVector(c, seed + 3, [-1, 1]);
          const rv = channelVector(c, seed + 4, [0.5, 2]);
          const inputs = [x, ...(w && b ? [w, b] : [])];
          return checkGrad((xi, wi, bi) => F.batchNorm(xi, rm, rv, wi ?? null, bi ?? null, { training, relu: true }), inputs);
        }),
        { numRuns: RUNS },
      );
    });

    it(`${mode}, fused ReLU: forward and backward equal relu(batchNorm(...)) composed`, () => {
      fc.assert(
        fc.property(inputShapeArb, seedArb, (shape, seed) => {
          const c = shape[1];
          const run = (fused: boolean) => {
            const x = seeded(shape, seed);
            const w = channelVector(c, seed + 1, [0.5, 2], true);
            const b = channelVector(c, seed + 2, [-1, 1], true);
            const rm = channelVector(c, seed + 3, [-1, 1]);
            const rv = channelVector(c, seed + 4, [0.5, 2]);
            const y = fused
              ? F.batchNorm(x, rm, rv, w, b, { training, relu: true })
              : F.relu(F.batchNorm(x, rm, rv, w, b, { training }));
            y.mul(seeded(shape, seed + 5, { requiresGrad: false })).sum().backward();
            return [y, x.grad!, w.grad!, b.grad!, rm, rv].map((t) => Array.from(t.data));
          };
          const [fused, composed] = [run(true), run(false)];
          fused.forEach((values, i) => expect(maxAbsDiff(values, composed[i])).toBeLessThan(1e-12));
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('fused ReLU: relu must be a boolean', () => {
    const x = tensor([[1, 2], [3, 4]]);
    expect(() => F.batchNorm(x, null, null, null, null, { training: true, relu: 1 as unknown as boolean })).toThrow(
      /batchNorm: relu must be a boolean; got 1/,
    );
  });

  it('training: gradient with only weight or only bias requiring grad', () => {
    const x = seeded([4, 3, 2], 11, { requiresGrad: false });
    const w = channelVector(3, 12, [0.5, 2], true);
    const b = channelVector(3, 13, [-1, 1], false);
    expect(checkGrad((wi) => F.batchNorm(x, null, null, wi, b, { training: true }), [w])).toBe(true);
    const w2 = channelVector(3, 14, [0.5, 2], false);
    const b2 = channelVector(3, 15, [-1, 1], true);
    expect(checkGrad((bi) => F.batchNorm(x, null, null, w2, bi, { training: true }), [b2])).toBe(true);
  });

  it('training: matches (x - mean) / sqrt(var + eps) * w + b with the batch statistics', () => {
    fc.assert(
      fc.property(inputShapeArb, seedArb, fc.boolean(), (shape, seed, affine) => {
        const c = shape[1];
        const x = seeded(shape, seed, { requiresGrad: false });
        const w = affine ? channelVector(c, seed + 1, [0.5, 2]) : null;
        const b = affine ? channelVector(c, seed + 2, [-1, 1]) : null;
        const dims = statDims(shape.length);
        const expected = reference(x, x.mean(dims), x.var(dims, false, 0), w, b, 1e-5);
        const y = F.batchNorm(x, null, null, w, b, { training: true });
        expect(y.shape).toEqual(shape);
        expect(maxAbsDiff(y.data, expected.data)).toBeLessThan(1e-10);
      }),
      { numRuns: RUNS },
    );
  });

  it('eval: matches the same formula with the running statistics', () => {
    fc.assert(
      fc.property(inputShapeArb, seedArb, fc.double({ min: 1e-5, max: 0.5, noNaN: true }), (shape, seed, eps) => {
        const c = shape[1];
        const x = seeded(shape, seed, { requiresGrad: false });
        const rm = channelVector(c, seed + 1, [-1, 1]);
        const rv = channelVector(c, seed + 2, [0.5, 2]);
        const w = channelVector(c, seed + 3, [0.5, 2]);
        const b = channelVector(c, seed + 4, [-1, 1]);
        const before = [Array.from(rm.data), Array.from(rv.data)];
        const y = F.batchNorm(x, rm, rv, w, b, { eps });
        expect(maxAbsDiff(y.data, reference(x, rm, rv, w, b, eps).data)).toBeLessThan(1e-10);
        // Eval never touches the running statistics.
        expect([Array.from(rm.data), Array.from(rv.data)]).toEqual(before);
      }),
      { numRuns: RUNS },
    );
  });

  it('computes a small case by hand', () => {
    // One channel holding 1, 2, 3, 4: mean 2.5, biased variance 1.25.
    const x = tensor([[1, 3], [2, 4]], { dtype: 'float64' }).reshape([2, 1, 2]);
    const y = F.batchNorm(x, null, null, tensor([2], { dtype: 'float64' }), tensor([1], { dtype: 'float64' }), {
      training: true,
      eps: 0,
    });
    const s = Math.sqrt(1.25);
    const expected = [1, 3, 2, 4].map((v) => (2 * (v - 2.5)) / s + 1);
    expect(maxAbsDiff(y.data, expected)).toBeLessThan(1e-14);
  });

  it('updates the running statistics in place, unbiased variance, over one and two steps', () => {
    for (const momentum of [0.1, 0.35]) {
      const rm = tensor([0.5, -1], { dtype: 'float64' });
      const rv = tensor([2, 0.5], { dtype: 'float64' });
      let expMean = [0.5, -1];
      let expVar = [2, 0.5];
      for (let step = 0; step < 2; step++) {
        const x = seeded([3, 2, 4], 100 + step, { requiresGrad: false });
        const dims = [0, 2];
        const batchMean = Array.from(x.mean(dims).data);
        const batchVar = Array.from(x.var(dims).data); // unbiased (correction 1), as PyTorch tracks
        expMean = expMean.map((r, c) => (1 - momentum) * r + momentum * batchMean[c]);
        expVar = expVar.map((r, c) => (1 - momentum) * r + momentum * batchVar[c]);
        F.batchNorm(x, rm, rv, null, null, { training: true, momentum });
        expect(maxAbsDiff(rm.data, expMean)).toBeLessThan(1e-14);
        expect(maxAbsDiff(rv.data, expVar)).toBeLessThan(1e-14);
      }
    }
  });

  it('hand-checks one running-statistics step: (N, C) input, default momentum 0.1', () => {
    // Channel 0 holds 1, 3 (mean 2, unbiased var 2); channel 1 holds 0, 0 (mean 0, var 0).
    const rm = tensor([0, 0], { dtype: 'float64' });
    const rv = tensor([1, 1], { dtype: 'float64' });
    F.batchNorm(tensor([[1, 0], [3, 0]], { dtype: 'float64' }), rm, rv, null, null, { training: true });
    expect(maxAbsDiff(rm.data, [0.2, 0])).toBeLessThan(1e-15);
    expect(maxAbsDiff(rv.data, [0.9 + 0.2, 0.9])).toBeLessThan(1e-15);
  });

  it('updates running statistics in training even without grad, and works with only one of them', () => {
    const rm = tensor([0, 0], { dtype: 'float64' });
    const x = tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    F.batchNorm(x, rm, null, null, null, { training: true, momentum: 1 });
    expect(Array.from(rm.data)).toEqual([2, 3]);
  });

  it('training gradient: the output is invariant to shifting x, so summing it gives a zero gradient', () => {
    const x = seeded([4, 3, 5], 3);
    F.batchNorm(x, null, null, null, null, { training: true }).sum().backward();
    expect(maxAbsDiff(x.grad!.data, new Float64Array(60))).toBeLessThan(1e-12);
  });

  it('keeps float32', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const y = F.batchNorm(x, null, null, null, null, { training: true });
    expect(y.dtype).toBe('float32');
    expect(Array.from(y.data).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([-1, -1, 1, 1]);
  });

  describe('errors name batchNorm and the shapes', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    const three = () => tensor([0, 0, 0]);

    it('training with one value per channel', () => {
      expect(() => F.batchNorm(tensor([[1, 2, 3]]), null, null, null, null, { training: true })).toThrow(
        /batchNorm: expected more than 1 value per channel when training; got input of shape \[1, 3\]/,
      );
      expect(() => F.batchNorm(tensor([[[1], [2]]]), null, null, null, null, { training: true })).toThrow(
        /batchNorm: .*more than 1 value per channel.*\[1, 2, 1\]/,
      );
    });

    it('running statistics, weight or bias not of shape (C)', () => {
      expect(() => F.batchNorm(x, tensor([0, 0]), three(), null, null)).toThrow(
        /batchNorm: runningMean has shape \[2\] but input \[2, 3\] has 3 channels; expected \[3\]/,
      );
      expect(() => F.batchNorm(x, three(), tensor([[1, 1, 1]]), null, null)).toThrow(/batchNorm: runningVar has shape \[1, 3\]/);
      expect(() => F.batchNorm(x, null, null, tensor([1, 1, 1, 1]), null, { training: true })).toThrow(
        /batchNorm: weight has shape \[4\]/,
      );
      expect(() => F.batchNorm(x, null, null, null, tensor([1]), { training: true })).toThrow(/batchNorm: bias has shape \[1\]/);
    });

    it('eval without running statistics', () => {
      expect(() => F.batchNorm(x, null, null, null, null)).toThrow(/batchNorm: .*eval mode.*runningMean and runningVar are null/);
      expect(() => F.batchNorm(x, three(), null, null, null, { training: false })).toThrow(/batchNorm: .*runningVar is null/);
    });

    it('input of rank below 2', () => {
      expect(() => F.batchNorm(tensor([1, 2, 3]), three(), three(), null, null)).toThrow(/batchNorm: input \[3\] should have shape \(N, C, \*\)/);
    });
  });
});

describe('addRelu', () => {
  it('gradient in both inputs matches finite differences', () => {
    fc.assert(
      fc.property(shapeArb(1, 4, 4), seedArb, (shape, seed) =>
        checkGrad((a, b) => F.addRelu(a, b), [seeded(shape, seed), seeded(shape, seed + 1)])),
      { numRuns: RUNS },
    );
  });

  it('equals relu(a + b), forward and backward, also when both inputs are one tensor', () => {
    fc.assert(
      fc.property(shapeArb(1, 4, 5), seedArb, fc.constantFrom('float32', 'float64') as fc.Arbitrary<'float32' | 'float64'>, (shape, seed, dtype) => {
        const run = (fused: boolean) => {
          const a = seeded(shape, seed, { dtype });
          const b = seeded(shape, seed + 1, { dtype });
          const y = fused ? F.addRelu(a, b) : F.relu(a.add(b));
          const z = fused ? F.addRelu(a, a) : F.relu(a.add(a));
          y.add(z).mul(seeded(shape, seed + 2, { dtype, requiresGrad: false })).sum().backward();
          return [y, z, a.grad!, b.grad!].map((t) => Array.from(t.data));
        };
        const [fused, composed] = [run(true), run(false)];
        fused.forEach((values, i) => expect(values).toEqual(composed[i]));
      }),
      { numRuns: RUNS },
    );
  });

  it('names the op, the shapes and the dtypes when they differ', () => {
    expect(() => F.addRelu(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(
      /addRelu: a \(\[2\], float32\) and b \(\[3\], float32\) must have the same shape and dtype/,
    );
    expect(() => F.addRelu(tensor([1, 2]), tensor([1, 2], { dtype: 'float64' }))).toThrow(/addRelu: .*float64/);
    expect(() => F.addRelu(tensor([1, 2], { dtype: 'int32' }), tensor([1, 2], { dtype: 'int32' }))).toThrow(/addRelu: a must be a floating-point tensor/);
  });
});
