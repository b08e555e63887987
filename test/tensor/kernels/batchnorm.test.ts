/** BatchNorm's running-statistics update and its parameter gradients (src/tensor/kernels/batchnorm.ts). */
import { describe, expect, it } from 'vitest';
import { batchNormParamGrads, batchNormRunningStats } from '../../../src/tensor/kernels/batchnorm';

describe('batchNormRunningStats', () => {
  it('moves the running mean and the unbiased variance by momentum', () => {
    const runningMean = Float64Array.from([0, 1]);
    const runningVar = Float64Array.from([1, 1]);
    batchNormRunningStats({
      mean: Float64Array.from([2, 1]), squares: Float64Array.from([6, 0]), count: 4, momentum: 0.1, runningMean, runningVar,
    });
    expect(runningMean[0]).toBeCloseTo(0.2, 15);
    expect(runningMean[1]).toBeCloseTo(1, 15);
    expect(runningVar[0]).toBeCloseTo(0.9 + 0.1 * (6 / 3), 15);
    expect(runningVar[1]).toBeCloseTo(0.9, 15);
  });

  it('updates only the statistics it is given', () => {
    const runningVar = Float32Array.from([4]);
    batchNormRunningStats({
      mean: Float64Array.from([7]), squares: Float64Array.from([2]), count: 3, momentum: 0.5, runningMean: null, runningVar,
    });
    expect(runningVar[0]).toBe(0.5 * 4 + 0.5 * 1);
  });
});

describe('batchNormParamGrads', () => {
  const sums = { g: Float64Array.from([3, 4]), gx: Float64Array.from([2, 5]) };
  const invStd = Float64Array.from([0.5, 2]);

  it('gives the weight Σg·(x - mean)·invStd and the bias Σg', () => {
    const gw = new Float32Array(2), gb = new Float32Array(2);
    batchNormParamGrads({ sums, invStd, gw, gb });
    expect([...gw]).toEqual([1, 10]);
    expect([...gb]).toEqual([3, 4]);
  });

  it('writes only the gradients asked for', () => {
    const gb = new Float64Array(2);
    batchNormParamGrads({ sums, invStd, gw: null, gb });
    expect([...gb]).toEqual([3, 4]);
  });
});
