import { describe, expect, it } from 'vitest';
import { maxRelativeError, onWebGpu, random, runOnDevice, runOnReference } from './harness';
import { adaptiveWindows, avgWindows } from '../../../../../src/tensor/kernels/pooling';
import type { AverageRule, PoolAxis, Windows } from '../../../../../src/tensor/kernels/pooling';

/** PyTorch's output size, with ceil mode's rule that the last window starts inside input or left padding. */
function outSize(size: number, kernel: number, stride: number, padding: number, dilation = 1, ceil = false): number {
  const span = size + 2 * padding - dilation * (kernel - 1) - 1;
  let out = Math.floor((ceil ? span + stride - 1 : span) / stride) + 1;
  if (ceil && (out - 1) * stride >= size + padding) out--;
  return out;
}

function axis(size: number, kernel: number, stride: number, padding: number, dilation = 1, ceil = false, extra = 0): PoolAxis {
  return { kernel, stride, padding, dilation, out: outSize(size, kernel, stride, padding, dilation, ceil) + extra };
}

interface MaxCase { planes: number; inH: number; inW: number; rows: PoolAxis; columns: PoolAxis }

const MAX_CASES: [string, MaxCase][] = [
  ['2x2 stride 2', { planes: 3, inH: 6, inW: 8, rows: axis(6, 2, 2, 0), columns: axis(8, 2, 2, 0) }],
  ['3x3 stride 2 padding 1 (a stem)', { planes: 6, inH: 20, inW: 20, rows: axis(20, 3, 2, 1), columns: axis(20, 3, 2, 1) }],
  ['overlapping stride 1', { planes: 2, inH: 5, inW: 7, rows: axis(5, 3, 1, 1), columns: axis(7, 2, 1, 0) }],
  ['dilation 2 with padding', { planes: 2, inH: 9, inW: 11, rows: axis(9, 3, 1, 2, 2), columns: axis(11, 2, 2, 1, 3) }],
  ['ceil mode: windows hanging off the edge', { planes: 2, inH: 7, inW: 6, rows: axis(7, 3, 2, 0, 1, true), columns: axis(6, 4, 3, 1, 1, true) }],
  ['an extra output row: empty windows', { planes: 2, inH: 4, inW: 4, rows: axis(4, 2, 2, 0, 1, false, 1), columns: axis(4, 2, 2, 0) }],
  ['one element planes', { planes: 5, inH: 1, inW: 1, rows: axis(1, 1, 1, 0), columns: axis(1, 1, 1, 0) }],
  ['no planes', { planes: 0, inH: 4, inW: 4, rows: axis(4, 2, 2, 0), columns: axis(4, 2, 2, 0) }],
];

describe.skipIf(!onWebGpu())('WGSL max pooling', () => {
  it('maxPool2d matches values and indices exactly, ties and NaN included', () => {
    let sawNaN = false, sawEmpty = false;
    for (const [name, c] of MAX_CASES) {
      const n = c.planes * c.inH * c.inW;
      // Rounded values make ties; a few NaN and -Infinity.
      const x = random(n, 3, 8).map(Math.round);
      for (let k = 5; k < n; k += 17) x[k] = NaN;
      for (let k = 2; k < n; k += 23) x[k] = -Infinity;
      const outs = c.planes * c.rows.out * c.columns.out;
      const args = () => ({ ...c, x, out: new Float32Array(outs), indices: new Int32Array(outs) });
      const onDevice = args(), reference = args();
      runOnDevice('maxPool2d', onDevice);
      runOnReference('maxPool2d', reference);
      expect(onDevice.out, name).toEqual(reference.out);
      expect(onDevice.indices, name).toEqual(reference.indices);
      sawNaN ||= reference.out.some(Number.isNaN);
      sawEmpty ||= reference.indices.includes(-1);
    }
    // The cases reach both edge cases.
    expect([sawNaN, sawEmpty]).toEqual([true, true]);
  });

  it('maxPool2d on a plane of -Infinity and on all NaN', () => {
    const c = { planes: 1, inH: 4, inW: 4, rows: axis(4, 3, 1, 1), columns: axis(4, 3, 1, 1) };
    for (const fill of [-Infinity, NaN]) {
      const x = new Float32Array(16).fill(fill);
      const outs = c.rows.out * c.columns.out;
      const args = () => ({ ...c, x, out: new Float32Array(outs), indices: new Int32Array(outs) });
      const onDevice = args(), reference = args();
      runOnDevice('maxPool2d', onDevice);
      runOnReference('maxPool2d', reference);
      expect(onDevice.out).toEqual(reference.out);
      expect(onDevice.indices).toEqual(reference.indices);
    }
  });

  it('maxPool2dBackward adds each gradient at its picked element, in the reference order (exact)', () => {
    let sawShared = false;
    for (const [name, c] of MAX_CASES) {
      const n = c.planes * c.inH * c.inW;
      const x = random(n, 7, 4).map(Math.round); // ties: one element picked by several windows
      const outs = c.planes * c.rows.out * c.columns.out;
      const indices = new Int32Array(outs);
      runOnReference('maxPool2d', { ...c, x, out: new Float32Array(outs), indices });
      const grad = random(outs, 11);
      const gx = random(n, 13); // added into
      const sizes = { planes: c.planes, inH: c.inH, inW: c.inW, outPlane: c.rows.out * c.columns.out };
      const onDevice = { ...sizes, grad, indices, gx: gx.slice() }, reference = { ...sizes, grad, indices, gx: gx.slice() };
      runOnDevice('maxPool2dBackward', onDevice);
      runOnReference('maxPool2dBackward', reference);
      expect(onDevice.gx, name).toEqual(reference.gx);
      const outPlane = sizes.outPlane;
      const picks = Array.from(indices, (k, o) => (k < 0 ? -1 : Math.floor(o / outPlane) * 1e6 + k)).filter((k) => k >= 0);
      sawShared ||= new Set(picks).size < picks.length;
    }
    // Some element is picked by several windows, so gradients are summed there.
    expect(sawShared).toBe(true);
  });
});

interface AvgCase { planes: number; inH: number; inW: number; rows: Windows; columns: Windows }

const AVG_CASES: [string, AvgCase][] = [
  ['2x2 stride 2', { planes: 3, inH: 6, inW: 8, rows: avgWindows(6, 3, 2, 2, 0), columns: avgWindows(8, 4, 2, 2, 0) }],
  ['3x3 stride 2 padding 1', { planes: 6, inH: 20, inW: 20, rows: avgWindows(20, 10, 3, 2, 1), columns: avgWindows(20, 10, 3, 2, 1) }],
  ['ceil mode: a window past the padding', { planes: 2, inH: 7, inW: 6, rows: avgWindows(7, outSize(7, 3, 2, 1, 1, true), 3, 2, 1), columns: avgWindows(6, outSize(6, 4, 3, 0, 1, true), 4, 3, 0) }],
  ['an extra output row: an empty window', { planes: 2, inH: 4, inW: 5, rows: avgWindows(4, 3, 2, 2, 0), columns: avgWindows(5, 2, 2, 2, 0) }],
  ['adaptive 7 -> 3 by 5 -> 4', { planes: 4, inH: 7, inW: 5, rows: adaptiveWindows(7, 3), columns: adaptiveWindows(5, 4) }],
  ['adaptive up 3 -> 5, and to 1', { planes: 2, inH: 3, inW: 9, rows: adaptiveWindows(3, 5), columns: adaptiveWindows(9, 1) }],
  ['global 12 x 12', { planes: 3, inH: 12, inW: 12, rows: adaptiveWindows(12, 1), columns: adaptiveWindows(12, 1) }],
];

const RULES: AverageRule[] = [{ countPadded: true }, { countPadded: false }, { countPadded: true, divisor: 3 }];

describe.skipIf(!onWebGpu())('WGSL average pooling', () => {
  it('avgPool2d matches the reference with each divisor rule', () => {
    for (const [name, c] of AVG_CASES) {
      for (const rule of RULES) {
        const x = random(c.planes * c.inH * c.inW, 17);
        const outs = c.planes * c.rows.lo.length * c.columns.lo.length;
        const args = () => ({ ...c, x, rule, out: new Float32Array(outs) });
        const onDevice = args(), reference = args();
        runOnDevice('avgPool2d', onDevice);
        runOnReference('avgPool2d', reference);
        expect(maxRelativeError(onDevice.out, reference.out), `${name} ${JSON.stringify(rule)}`).toBeLessThan(1e-5);
      }
    }
  });

  it('avgPool2dBackward spreads gradients as the reference, added into gx', () => {
    for (const [name, c] of AVG_CASES) {
      for (const rule of RULES) {
        const outs = c.planes * c.rows.lo.length * c.columns.lo.length;
        const grad = random(outs, 19);
        const gx = random(c.planes * c.inH * c.inW, 23);
        const onDevice = { ...c, grad, rule, gx: gx.slice() }, reference = { ...c, grad, rule, gx: gx.slice() };
        runOnDevice('avgPool2dBackward', onDevice);
        runOnReference('avgPool2dBackward', reference);
        expect(maxRelativeError(onDevice.gx, reference.gx), `${name} ${JSON.stringify(rule)}`).toBeLessThan(1e-5);
      }
    }
  });
});
