/** Average pooling through its registry arguments (src/tensor/kernels/pooling.ts). */
import { describe, expect, it } from 'vitest';
import { avgPool2d, avgPool2dBackward, avgWindows } from '../../../src/tensor/kernels/pooling';

// One 3x3 plane holding 1..9.
const x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const sizes = { planes: 1, inH: 3, inW: 3 };

describe('avgPool2d', () => {
  it('averages each 2x2 window at stride 1', () => {
    const w = avgWindows(3, 2, 2, 1, 0);
    const out = new Float64Array(4);
    avgPool2d({ ...sizes, x, rows: w, columns: w, rule: { countPadded: true }, out });
    expect([...out]).toEqual([3, 4, 6, 7]);
  });

  it('divides by the padded window or by the input elements as the rule says', () => {
    const w = avgWindows(3, 2, 2, 2, 1); // windows [-1, 1) and [1, 3)
    const padded = new Float64Array(4), inside = new Float64Array(4);
    avgPool2d({ ...sizes, x, rows: w, columns: w, rule: { countPadded: true }, out: padded });
    avgPool2d({ ...sizes, x, rows: w, columns: w, rule: { countPadded: false }, out: inside });
    expect([...padded]).toEqual([1 / 4, (2 + 3) / 4, (4 + 7) / 4, (5 + 6 + 8 + 9) / 4]);
    expect([...inside]).toEqual([1, (2 + 3) / 2, (4 + 7) / 2, (5 + 6 + 8 + 9) / 4]);
  });
});

describe('avgPool2dBackward', () => {
  it('spreads each gradient evenly over its window, adding where windows overlap', () => {
    const w = avgWindows(3, 2, 2, 1, 0);
    const gx = new Float64Array(9);
    avgPool2dBackward({ ...sizes, grad: [4, 8, 0, 0], rows: w, columns: w, rule: { countPadded: true }, gx });
    expect([...gx]).toEqual([1, 1 + 2, 2, 1, 1 + 2, 2, 0, 0, 0]);
  });

  it('uses divisorOverride when given', () => {
    const w = avgWindows(3, 2, 2, 1, 0);
    const gx = new Float64Array(9);
    avgPool2dBackward({ ...sizes, grad: [6, 0, 0, 0], rows: w, columns: w, rule: { countPadded: true, divisor: 3 }, gx });
    expect([...gx]).toEqual([2, 2, 0, 2, 2, 0, 0, 0, 0]);
  });
});
