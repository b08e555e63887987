import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Generator, Tensor, defaultGenerator, manualSeed, nn, zeros } from '../../src';
import { shapeArb } from '../helpers';

const { init } = nn;

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const v = Array.from(t.data);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, min: v.reduce((a, b) => Math.min(a, b)), max: v.reduce((a, b) => Math.max(a, b)) };
}

/** A large weight (a ResNet 3x3 conv): 147,456 values, so sample statistics are within ~0.5%. */
const convShape = [128, 128, 3, 3];

describe('nn.init: gains and fans', () => {
  it('calculateGain has PyTorch\'s values', () => {
    for (const n of ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose2d', 'sigmoid'] as const) expect(init.calculateGain(n)).toBe(1);
    expect(init.calculateGain('relu')).toBe(Math.sqrt(2));
    expect(init.calculateGain('tanh')).toBe(5 / 3);
    expect(init.calculateGain('selu')).toBe(0.75);
    expect(init.calculateGain('leaky_relu')).toBe(Math.sqrt(2 / (1 + 0.01 ** 2)));
    expect(init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
    expect(() => init.calculateGain('gelu' as 'relu')).toThrow(/calculateGain: unsupported nonlinearity "gelu"/);
  });

  it('fans: dim 1 and dim 0 times the kernel size, for every rank >= 2', () => {
    fc.assert(
      fc.property(shapeArb(2, 5, 5), (shape) => {
        const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
        expect(init.calculateFanInAndFanOut(zeros(shape))).toEqual([shape[1] * receptive, shape[0] * receptive]);
      }),
      { numRuns: 50 },
    );
    // A Linear(512, 1000) weight and a Conv2d(64, 256, 1) weight, as PyTorch computes them.
    expect(init.calculateFanInAndFanOut(zeros([1000, 512]))).toEqual([512, 1000]);
    expect(init.calculateFanInAndFanOut(zeros([64, 3, 7, 7]))).toEqual([147, 3136]);
    expect(() => init.calculateFanInAndFanOut(zeros([5]))).toThrow(/fans are defined for tensors of 2 or more dims; got shape \[5\]/);
  });
});

describe('nn.init: distributions', () => {
  it('kaimingNormal_: std = gain / sqrt(fan), fan_in or fan_out', () => {
    manualSeed(1);
    const t = zeros(convShape);
    const s = stats(init.kaimingNormal_(t, { mode: 'fan_out', nonlinearity: 'relu' }));
    expect(Math.abs(s.mean)).toBeLessThan(0.002);
    expect(s.std / Math.sqrt(2 / (128 * 9))).toBeCloseTo(1, 2);
    const u = stats(init.kaimingNormal_(zeros([64, 256, 3, 3]), { nonlinearity: 'tanh' }));
    expect(u.std / ((5 / 3) / Math.sqrt(256 * 9))).toBeCloseTo(1, 2);
  });

  it('kaimingUniform_: U(±sqrt(3)·gain/sqrt(fan)); with a = sqrt(5) that is PyTorch\'s ±1/sqrt(fanIn)', () => {
    manualSeed(2);
    const s = stats(init.kaimingUniform_(zeros(convShape), { a: Math.sqrt(5) }));
    const bound = 1 / Math.sqrt(128 * 9);
    expect(s.max).toBeLessThanOrEqual(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.max).toBeGreaterThan(0.999 * bound);
    expect(s.std / (bound / Math.sqrt(3))).toBeCloseTo(1, 2);
  });

  it('xavierUniform and xavierNormal: std = gain·sqrt(2 / (fanIn + fanOut))', () => {
    manualSeed(3);
    const expected = 2 * Math.sqrt(2 / (300 + 500));
    const uniform = stats(init.xavierUniform_(zeros([500, 300]), 2));
    expect(uniform.max).toBeLessThanOrEqual(Math.sqrt(3) * expected);
    expect(uniform.std / expected).toBeCloseTo(1, 2);
    expect(stats(init.xavierNormal_(zeros([500, 300]), 2)).std / expected).toBeCloseTo(1, 2);
  });

  it('uniform, normal, constant, zeros, ones', () => {
    manualSeed(4);
    const u = stats(init.uniform_(zeros([100_000]), -2, 3));
    expect(u.min).toBeGreaterThanOrEqual(-2);
    expect(u.max).toBeLessThan(3);
    expect(u.mean).toBeCloseTo(0.5, 1);
    const n = stats(init.normal_(zeros([100_000]), 1, 0.5));
    expect(n.mean).toBeCloseTo(1, 2);
    expect(n.std).toBeCloseTo(0.5, 2);
    expect(Array.from(init.constant_(zeros([3]), 2.5).data)).toEqual([2.5, 2.5, 2.5]);
    expect(Array.from(init.ones_(zeros([2])).data)).toEqual([1, 1]);
    const counter = zeros([2], { dtype: 'int32' });
    expect(Array.from(init.zeros_(init.ones_(counter)).data)).toEqual([0, 0]);
  });

  it('a generator argument makes the draw reproducible and leaves the default generator alone', () => {
    manualSeed(5);
    const before = defaultGenerator.getState();
    const a = init.kaimingNormal_(zeros([4, 4]), { generator: new Generator(9) });
    const b = init.kaimingNormal_(zeros([4, 4]), { generator: new Generator(9) });
    const c = init.xavierUniform_(zeros([4, 4]), 1, new Generator(9));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(c.data)).not.toEqual(Array.from(a.data));
    expect(defaultGenerator.getState()).toEqual(before);
    // Without one, the seeded default generator decides.
    manualSeed(6);
    const d = init.normal_(zeros([4]));
    manualSeed(6);
    expect(Array.from(init.normal_(zeros([4])).data)).toEqual(Array.from(d.data));
  });

  it('a zero-element tensor is left as it is; int32 tensors and bad arguments are rejected', () => {
    expect(init.kaimingNormal_(zeros([0, 3])).shape).toEqual([0, 3]);
    expect(init.xavierUniform_(zeros([0, 0])).shape).toEqual([0, 0]);
    expect(() => init.normal_(zeros([2], { dtype: 'int32' }))).toThrow(/normal: random values need a float32 or float64 tensor; got int32/);
    expect(() => init.uniform_(zeros([2]), 1, 0)).toThrow(/uniform: expected a <= b; got a=1, b=0/);
    expect(() => init.normal_(zeros([2]), 0, -1)).toThrow(/normal: std must be non-negative; got -1/);
    expect(() => init.kaimingUniform_(zeros([2, 2]), { mode: 'fan_avg' as 'fan_in' })).toThrow(/mode must be 'fan_in' or 'fan_out'; got "fan_avg"/);
  });

  it('the names without the trailing underscore are the same functions (aliases)', () => {
    const aliases = [
      [init.uniform, init.uniform_], [init.normal, init.normal_], [init.constant, init.constant_],
      [init.zeros, init.zeros_], [init.ones, init.ones_], [init.xavierUniform, init.xavierUniform_],
      [init.xavierNormal, init.xavierNormal_], [init.kaimingNormal, init.kaimingNormal_],
      [init.kaimingUniform, init.kaimingUniform_],
    ] as const;
    for (const [old, renamed] of aliases) expect(old).toBe(renamed);
  });
});
