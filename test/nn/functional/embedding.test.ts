import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { F, Tensor, tensor, zeros } from '../../../src';
import { RUNS, checkGrad, seedArb, seeded, shapeArb } from '../../helpers';

/** int32 indices in [0, rows) of the given shape, with repeats likely (few rows). */
function indices(shape: number[], rows: number, seed: number): Tensor {
  const u = seeded(shape, seed, { range: [0, rows], requiresGrad: false });
  return tensor(Int32Array.from(u.data, Math.floor), { shape, dtype: 'int32' });
}

describe('F.embedding', () => {
  it('gradient in the weight matches finite differences (repeated indices, optional padding row)', () => {
    fc.assert(
      fc.property(
        shapeArb(0, 3, 3), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), seedArb, fc.boolean(),
        (shape, rows, dim, seed, usePadding) => {
          const idx = indices(shape, rows, seed);
          const weight = seeded([rows, dim], seed + 1);
          if (!usePadding) return checkGrad((w) => F.embedding(idx, w), [weight]);
          // The padding row's gradient is zero by definition, not by calculus: mask out the outputs that
          // read it, so that the true derivative is zero too and finite differences can check the rest.
          const paddingIdx = seed % rows;
          const keep = tensor(Array.from(idx.data, (i) => (i === paddingIdx ? 0 : 1)), { shape, dtype: 'float64' });
          return checkGrad((w) => F.embedding(idx, w, { paddingIdx }).mul(keep.unsqueeze(-1)), [weight]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('picks rows: output [...input.shape, dim]', () => {
    const weight = tensor([[0, 1], [10, 11], [20, 21]]);
    const out = F.embedding(tensor([[2, 0, 2]], { dtype: 'int32' }), weight);
    expect(out.shape).toEqual([1, 3, 2]);
    expect(out.toArray()).toEqual([[[20, 21], [0, 1], [20, 21]]]);
    expect(F.embedding(tensor(1, { dtype: 'int32' }), weight).toArray()).toEqual([10, 11]);
  });

  it('sums the gradients of repeated lookups and gives the padding row none', () => {
    const weight = seeded([3, 2], 1);
    const idx = tensor([1, 1, 2, 0, 1], { dtype: 'int32' });
    const upstream = seeded([5, 2], 2, { requiresGrad: false });
    F.embedding(idx, weight, { paddingIdx: -1 }).backward(upstream);
    const g = upstream.data;
    const grad = (weight.grad as Tensor).toArray() as number[][];
    expect(grad[0]).toEqual([g[6], g[7]]);
    expect(grad[1][0]).toBeCloseTo(g[0] + g[2] + g[8], 14);
    expect(grad[1][1]).toBeCloseTo(g[1] + g[3] + g[9], 14);
    expect(grad[2]).toEqual([0, 0]);
  });

  it('rejects float indices, out-of-range indices, a bad padding index and a weight that is not 2-D', () => {
    const w = zeros([4, 2]);
    expect(() => F.embedding(tensor([1]), w)).toThrow(/embedding: input must be an int32 tensor of indices; got float32/);
    expect(() => F.embedding(tensor([4], { dtype: 'int32' }), w)).toThrow(/embedding: index 4 is out of range for a weight of 4 rows \(expected 0 to 3\)/);
    expect(() => F.embedding(tensor([-1], { dtype: 'int32' }), w)).toThrow(/index -1 is out of range/);
    expect(() => F.embedding(tensor([0], { dtype: 'int32' }), w, { paddingIdx: 5 })).toThrow(/embedding: paddingIdx must be an integer in \[-4, 3\]; got 5/);
    expect(() => F.embedding(tensor([0], { dtype: 'int32' }), zeros([4]))).toThrow(/embedding: weight must be 2-D \[numEmbeddings, embeddingDim\]; got shape \[4\]/);
  });
});
