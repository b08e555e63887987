/** Cross-entropy from log-probabilities and its logits gradient (src/tensor/kernels/loss.ts). */
import { describe, expect, it } from 'vitest';
import { CrossEntropyLayout, crossEntropy, crossEntropyBackward } from '../../../src/tensor/kernels/loss';

/** Two elements of two classes, class dim last: p = [0.25, 0.75] and [0.5, 0.5]. */
function layout(overrides: Partial<CrossEntropyLayout>): CrossEntropyLayout {
  return {
    logp: [Math.log(0.25), Math.log(0.75), Math.log(0.5), Math.log(0.5)], target: [1, 0],
    outer: 2, classes: 2, inner: 1, smoothing: 0, ignoreIndex: -100, weight: null, reduction: 'none',
    ...overrides,
  };
}

function forward(overrides: Partial<CrossEntropyLayout>, size: number): { out: Float64Array; total: number } {
  const out = new Float64Array(size);
  const totalWeight = new Float64Array(1);
  crossEntropy({ ...layout(overrides), out, totalWeight });
  return { out, total: totalWeight[0] };
}

describe('crossEntropy', () => {
  it("gives -log p[target] per element with 'none'", () => {
    const { out, total } = forward({}, 2);
    expect(out[0]).toBeCloseTo(-Math.log(0.75), 14);
    expect(out[1]).toBeCloseTo(-Math.log(0.5), 14);
    expect(total).toBe(2);
  });

  it("divides the weighted sum by the targets' total weight with 'mean'", () => {
    const { out, total } = forward({ weight: [2, 3], reduction: 'mean' }, 1);
    expect(total).toBe(5);
    expect(out[0]).toBeCloseTo((-3 * Math.log(0.75) - 2 * Math.log(0.5)) / 5, 14);
  });

  it('skips an ignored target: no loss and no weight', () => {
    const { out, total } = forward({ target: [1, -100], reduction: 'sum' }, 1);
    expect(out[0]).toBeCloseTo(-Math.log(0.75), 14);
    expect(total).toBe(1);
  });

  it('mixes in the uniform smoothing term', () => {
    const { out } = forward({ smoothing: 0.5 }, 2);
    const smooth = -(Math.log(0.25) + Math.log(0.75)) / 2;
    expect(out[0]).toBeCloseTo(0.5 * -Math.log(0.75) + 0.5 * smooth, 14);
  });
});

describe('crossEntropyBackward', () => {
  it('gives g * (softmax - onehot), and 0 for an ignored element', () => {
    const gz = new Float64Array(4);
    crossEntropyBackward({ ...layout({ target: [1, -100], reduction: 'sum' }), g: [2], totalWeight: 1, gz });
    expect(gz[0]).toBeCloseTo(2 * 0.25, 14);
    expect(gz[1]).toBeCloseTo(2 * (0.75 - 1), 14);
    expect([gz[2], gz[3]]).toEqual([0, 0]);
  });

  it("divides by the total weight for 'mean' and scales by the target's weight", () => {
    const gz = new Float64Array(4);
    crossEntropyBackward({ ...layout({ weight: [2, 3], reduction: 'mean' }), g: [1], totalWeight: 5, gz });
    // Element 0 (target 1, weight 3): 3 * (p - onehot) / 5; element 1 (target 0, weight 2): 2 * (p - onehot) / 5.
    expect(gz[0]).toBeCloseTo((3 * 0.25) / 5, 14);
    expect(gz[1]).toBeCloseTo((3 * (0.75 - 1)) / 5, 14);
    expect(gz[2]).toBeCloseTo((2 * (0.5 - 1)) / 5, 14);
    expect(gz[3]).toBeCloseTo((2 * 0.5) / 5, 14);
  });
});
