import { describe, expect, it } from 'vitest';
import { tensor, zeros, ones, full, arange, rand, randn, manualSeed, Generator, zerosLike } from '../../src';

describe('making tensors', () => {
  it('infers shape from nested arrays and defaults to float32', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor(7).shape).toEqual([]);
    expect(tensor(7).item()).toBe(7);
    expect(tensor([]).shape).toEqual([0]);
  });

  it('keeps a typed array dtype, copies its values, and reshapes with opts.shape', () => {
    const src = new Int32Array([1, 2, 3, 4]);
    const t = tensor(src, { shape: [2, 2] });
    expect(t.dtype).toBe('int32');
    src[0] = 99;
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor(new Float64Array([1.5]), { dtype: 'int32' }).item()).toBe(1);
  });

  it('factories give the requested shape, value and dtype', () => {
    expect(zeros([2, 3]).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(ones([2], { dtype: 'float64' }).data).toBeInstanceOf(Float64Array);
    expect(full([2], 7, { dtype: 'int32' }).toArray()).toEqual([7, 7]);
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(zerosLike(tensor([[1, 2]], { dtype: 'float64' })).dtype).toBe('float64');
    expect(zeros([2], { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('rejects ragged arrays, wrong shapes and non-numbers, naming the problem', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/tensor: ragged nested array: element \[1\] should be an array of length 2/);
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/tensor: shape \[2, 2\] needs 4 values; got 3/);
    expect(() => tensor(['a' as unknown as number])).toThrow(/tensor: element \[0\] is string; expected a number/);
    expect(() => zeros([2, -1])).toThrow(/zeros|full: invalid shape \[2, -1\]/);
    expect(() => tensor([1], { dtype: 'float16' as 'float32' })).toThrow(/tensor: unknown dtype "float16"/);
    expect(() => tensor([1, 2]).item()).toThrow(/item: only a one-element tensor/);
    expect(() => arange(0, 1, 0)).toThrow(/arange: step must be a non-zero finite number/);
  });
});

describe('random numbers', () => {
  it('manualSeed makes rand and randn repeatable', () => {
    manualSeed(42);
    const a = randn([100]);
    const u = rand([10]);
    manualSeed(42);
    expect(randn([100]).data).toEqual(a.data);
    expect(rand([10]).data).toEqual(u.data);
    manualSeed(43);
    expect(randn([100]).data).not.toEqual(a.data);
  });

  it('randn has mean 0 and variance 1; rand lies in [0, 1)', () => {
    manualSeed(0);
    const x = randn([20_000], { dtype: 'float64' });
    expect(Math.abs(x.mean().item())).toBeLessThan(0.03);
    expect(Math.abs(x.var().item() - 1)).toBeLessThan(0.04);
    const u = rand([5000]);
    expect(u.min().item()).toBeGreaterThanOrEqual(0);
    expect(u.max().item()).toBeLessThan(1);
    expect(Math.abs(u.mean().item() - 0.5)).toBeLessThan(0.02);
  });

  it('generator state round-trips, continuing the exact same stream', () => {
    const g = new Generator(7);
    g.random();
    const state = JSON.parse(JSON.stringify(g.getState()));
    const next = [g.random(), g.random()];
    const h = new Generator(1);
    h.setState(state);
    expect([h.random(), h.random()]).toEqual(next);
    expect(() => h.setState({} as never)).toThrow(/Generator.setState: expected an object from getState/);
  });
});

describe('printing', () => {
  it('console.log and toString show values, shape, dtype and the grad function', async () => {
    const { inspect } = await import('node:util');
    const x = tensor([[1, 2]], { requiresGrad: true });
    expect(inspect(x)).toBe('Tensor([[1,2]], shape=[1, 2], dtype=float32, requiresGrad)');
    expect(String(x.mul(2))).toBe('Tensor([[2,4]], shape=[1, 2], dtype=float32, requiresGrad, gradFn=MulBackward)');
  });
});

describe('size', () => {
  it('reads one dim (negative from the end) or the whole shape, and names a bad dim', () => {
    const t = tensor([[1, 2, 3]]);
    expect(t.size()).toEqual([1, 3]);
    expect(t.size(-1)).toBe(3);
    expect(() => t.size(2)).toThrow(/size: dim 2 is out of range for a tensor of rank 2/);
  });
});
