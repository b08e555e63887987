/** The per-channel bias and its gradient over [n, c, volume] (src/tensor/kernels/bias.ts). */
import { describe, expect, it } from 'vitest';
import { channelBias, channelBiasBackward } from '../../../src/tensor/kernels/bias';

describe('channelBias', () => {
  it('adds each channel its own bias, in place, in every sample', () => {
    const out = Float64Array.from([0, 0, 0, 0, 5, 5, 5, 5]);
    channelBias({ out, bias: [1, 10], n: 2, c: 2, volume: 2 });
    expect([...out]).toEqual([1, 1, 10, 10, 6, 6, 15, 15]);
  });

  it('treats [rows, features] as volume 1 (a linear layer)', () => {
    const out = new Float32Array(6);
    channelBias({ out, bias: [1, 2, 3], n: 2, c: 3, volume: 1 });
    expect([...out]).toEqual([1, 2, 3, 1, 2, 3]);
  });
});

describe('channelBiasBackward', () => {
  it('sums each channel over samples and volume', () => {
    const gb = new Float64Array(2);
    channelBiasBackward({ g: [1, 2, 3, 4, 5, 6, 7, 8], gb, n: 2, c: 2, volume: 2 });
    expect([...gb]).toEqual([1 + 2 + 5 + 6, 3 + 4 + 7 + 8]);
  });

  it('accumulates a float32 gradient in a JS number, rounding once', () => {
    // 2^24 + 1 + 1: a float32 running sum would stay at 2^24 (each +1 rounds away); 2^24 + 2 is a float32.
    const gb = new Float32Array(1);
    channelBiasBackward({ g: Float32Array.from([2 ** 24, 1, 1]), gb, n: 1, c: 1, volume: 3 });
    expect(gb[0]).toBe(2 ** 24 + 2);
  });
});
