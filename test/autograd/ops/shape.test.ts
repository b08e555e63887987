import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor, arange, cat, stack, Tensor } from '../../../src';
import { RUNS, checkGrad, seedArb, seeded, shapeArb } from '../../helpers';

/** A shape and a valid dim of it. */
const shapeDimArb = shapeArb(1, 4).chain((shape) =>
  fc.record({ shape: fc.constant(shape), dim: fc.integer({ min: -shape.length, max: shape.length - 1 }), seed: seedArb }),
);

function prop<T>(arb: fc.Arbitrary<T>, check: (v: T) => boolean): void {
  fc.assert(fc.property(arb, check), { numRuns: RUNS });
}

describe('shape ops: gradients', () => {
  it('reshape / view / flatten', () => {
    prop(shapeArb(0, 4).chain((s) => fc.tuple(fc.constant(s), seedArb)), ([shape, seed]) =>
      checkGrad((x) => x.reshape([-1]).view([1, x.numel()]).flatten().mul(x.flatten()), [seeded(shape, seed)]),
    );
  });

  it('permute and transpose', () => {
    prop(
      shapeArb(1, 4).chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length }), seedArb)),
      ([shape, order, seed]) => checkGrad((x) => x.permute(order).transpose(0, -1), [seeded(shape, seed)]),
    );
  });

  it('squeeze and unsqueeze', () => {
    prop(shapeDimArb, ({ shape, dim, seed }) =>
      checkGrad((x) => x.unsqueeze(dim).squeeze().mul(2), [seeded(shape, seed)]),
    );
  });

  it('expand, including new leading dims', () => {
    prop(
      fc.record({ shape: shapeArb(1, 3, 3), ones: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), lead: fc.integer({ min: 0, max: 2 }), seed: seedArb }),
      ({ shape, ones, lead, seed }) => {
        const small = shape.map((d, i) => (ones[i] ? 1 : d));
        const big = [...Array(lead).fill(2), ...shape.map((d, i) => (ones[i] ? d + 1 : d))];
        return checkGrad((x) => x.expand(big), [seeded(small, seed)]);
      },
    );
  });

  it('slice with random bounds and steps', () => {
    prop(
      shapeDimArb.chain((r) =>
        fc.record({ r: fc.constant(r), start: fc.integer({ min: -5, max: 5 }), end: fc.integer({ min: -5, max: 6 }), step: fc.integer({ min: 1, max: 3 }) }),
      ),
      ({ r, start, end, step }) => checkGrad((x) => x.slice(r.dim, start, end, step), [seeded(r.shape, r.seed)]),
    );
  });

  it('cat, stack and chunk', () => {
    prop(
      shapeDimArb.chain((r) => fc.record({ r: fc.constant(r), extra: fc.integer({ min: 1, max: 3 }), chunks: fc.integer({ min: 1, max: 4 }) })),
      ({ r, extra, chunks }) => {
        const d = r.dim < 0 ? r.dim + r.shape.length : r.dim;
        const other = r.shape.map((s, i) => (i === d ? extra : s));
        const a = seeded(r.shape, r.seed);
        const b = seeded(other, r.seed + 1);
        const c = seeded(r.shape, r.seed + 2);
        return (
          checkGrad((x, y) => cat([x, y], r.dim), [a, b]) &&
          checkGrad((x, y) => stack([x, y], r.dim), [a, c]) &&
          checkGrad((x) => x.chunk(chunks, r.dim), [a])
        );
      },
    );
  });

  it('pad, with positive and negative (cropping) amounts and a fill value', () => {
    prop(
      shapeArb(1, 3, 4).chain((s) =>
        fc.record({
          shape: fc.constant(s),
          padding: fc.array(fc.integer({ min: -1, max: 2 }), { minLength: 2 * s.length, maxLength: 2 * s.length }),
          seed: seedArb,
        }),
      ),
      ({ shape, padding, seed }) => {
        const sizes = shape.map((s, d) => s + padding[2 * (shape.length - 1 - d)] + padding[2 * (shape.length - 1 - d) + 1]);
        if (sizes.some((s) => s < 0)) return true;
        return checkGrad((x) => x.pad(padding, 0.5), [seeded(shape, seed)]);
      },
    );
  });
});

describe('shape ops: values and errors', () => {
  const x = arange(6).reshape([2, 3]);

  it('reshape shares storage; -1 is inferred', () => {
    const y = x.reshape([3, -1]);
    expect(y.shape).toEqual([3, 2]);
    expect(y.data).toBe(x.data);
  });

  it('permute, transpose, slice, cat, stack, chunk, pad, expand, squeeze give PyTorch values', () => {
    expect(x.transpose(0, 1).toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(x.slice(1, 1).toArray()).toEqual([[1, 2], [4, 5]]);
    expect(x.slice(1, 0, 3, 2).toArray()).toEqual([[0, 2], [3, 5]]);
    expect(x.slice(1, -2, -1).toArray()).toEqual([[1], [4]]);
    expect(cat([x, x], 0).shape).toEqual([4, 3]);
    expect(x.cat([x], 1).toArray()).toEqual([[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]]);
    expect(stack([x, x], 1).shape).toEqual([2, 2, 3]);
    expect(arange(5).chunk(2).map((c: Tensor) => c.toArray())).toEqual([[0, 1, 2], [3, 4]]);
    expect(arange(6).chunk(4).length).toBe(3); // sizes 2, 2, 2, as torch.chunk
    expect(tensor([[1, 2]]).pad([1, 0, 0, 1], 9).toArray()).toEqual([[9, 1, 2], [9, 9, 9]]);
    expect(tensor([1, 2, 3]).pad([-1, -1]).toArray()).toEqual([2]);
    expect(tensor([[1], [2]]).expand([2, 3]).toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(tensor([[[1], [2]]]).squeeze().shape).toEqual([2]);
    expect(tensor([[[1], [2]]]).squeeze(1).shape).toEqual([1, 2, 1]);
    expect(x.unsqueeze(-1).shape).toEqual([2, 3, 1]);
    expect(x.flatten().shape).toEqual([6]);
  });

  it('names the op and the shapes on bad input', () => {
    expect(() => x.reshape([4, 2])).toThrow(/reshape: shape \[4, 2\] is invalid for a tensor of shape \[2, 3\]/);
    expect(() => x.permute([0, 0])).toThrow(/permute: dims \[0,0\] must list each of the 2 dims/);
    expect(() => x.expand([3, 3])).toThrow(/expand: cannot expand shape \[2, 3\] to \[3, 3\]/);
    expect(() => cat([x, tensor([1, 2])], 0)).toThrow(/cat: tensor 1 has shape \[2\]/);
    expect(() => stack([x, x.reshape([3, 2])])).toThrow(/stack: tensor 1 has shape \[3, 2\]/);
    expect(() => x.slice(2)).toThrow(/slice: dim 2 is out of range/);
    expect(() => x.transpose(0, 5)).toThrow(/transpose: dim 5 is out of range/);
    expect(() => x.pad([1])).toThrow(/pad: padding must be an even number/);
    expect(() => x.slice(0, 0, 2, 0)).toThrow(/slice: step must be a positive integer/);
  });
});
