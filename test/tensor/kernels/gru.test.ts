/** One GRU step forward and back (src/tensor/kernels/gru.ts), on a single unit with offsets. */
import { describe, expect, it } from 'vitest';
import { gruCell, gruCellBackward } from '../../../src/tensor/kernels/gru';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describe('gruCell', () => {
  it('computes r, z, n and the new state of step 1 in place', () => {
    // Two steps of N = 1, H = 1: step 1's projection starts at 3, its state at 1; the state before is out[0].
    const x = [9, 9, 9, 0, 0, 1];
    const out = Float64Array.from([1, 0]);
    const gates = new Float64Array(6);
    const hn = new Float64Array(2);
    gruCell({
      n: 1, h: 1, x, xOffset: 3, gh: [0, 0, 2], bias: [1, -1, 0.5], prev: out, prevOffset: 0,
      out, outOffset: 1, gates, hn,
    });
    const r = sigmoid(1), z = sigmoid(-1), n = Math.tanh(1 + r * 2.5);
    expect(gates[3]).toBeCloseTo(r, 15);
    expect(gates[4]).toBeCloseTo(z, 15);
    expect(gates[5]).toBeCloseTo(n, 15);
    expect(hn[1]).toBe(2.5);
    expect(out[1]).toBeCloseTo((1 - z) * n + z * 1, 15);
    expect([...gates.subarray(0, 3), hn[0], out[0]]).toEqual([0, 0, 0, 0, 1]);
  });
});

describe('gruCellBackward', () => {
  it('gives the gates’ pre-activation gradients and the state’s direct share', () => {
    const r = 0.5, z = 0.25, n = 0.6, hnv = 2, prev = 1;
    const da = new Float64Array(3), dgh = new Float64Array(3), dPrev = new Float64Array(1);
    gruCellBackward({
      n: 1, h: 1, dh: [0.5], g: [0.5], gates: [r, z, n], hn: [hnv], xOffset: 0, outOffset: 0,
      prev: [prev], prevOffset: 0, da, dgh, dPrev,
    });
    const d = 1;
    const dn = d * (1 - z) * (1 - n * n);
    const dz = d * (prev - n) * z * (1 - z);
    const dr = dn * hnv * r * (1 - r);
    expect(da[0]).toBeCloseTo(dr, 15);
    expect(da[1]).toBeCloseTo(dz, 15);
    expect(da[2]).toBeCloseTo(dn, 15);
    expect([dgh[0], dgh[1]]).toEqual([da[0], da[1]]);
    expect(dgh[2]).toBeCloseTo(dn * r, 15);
    expect(dPrev[0]).toBe(d * z);
  });

  it('agrees with a finite difference of gruCell in the new state', () => {
    // d h' / d a_n from the kernel (da[2] with dh + g = 1) against a central difference.
    const step = (an: number) => {
      const out = new Float64Array(1);
      gruCell({
        n: 1, h: 1, x: [0.3, -0.2, an], xOffset: 0, gh: [0.1, 0.4, -0.7], bias: null, prev: [0.8], prevOffset: 0,
        out, outOffset: 0, gates: new Float64Array(3), hn: new Float64Array(1),
      });
      return out[0];
    };
    const gates = new Float64Array(3), hn = new Float64Array(1), out = new Float64Array(1);
    gruCell({
      n: 1, h: 1, x: [0.3, -0.2, 0.5], xOffset: 0, gh: [0.1, 0.4, -0.7], bias: null, prev: [0.8], prevOffset: 0,
      out, outOffset: 0, gates, hn,
    });
    const da = new Float64Array(3);
    gruCellBackward({
      n: 1, h: 1, dh: [1], g: [0], gates, hn, xOffset: 0, outOffset: 0, prev: [0.8], prevOffset: 0,
      da, dgh: new Float64Array(3), dPrev: new Float64Array(1),
    });
    const eps = 1e-6;
    expect(da[2]).toBeCloseTo((step(0.5 + eps) - step(0.5 - eps)) / (2 * eps), 8);
  });
});
