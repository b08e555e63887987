import { describe, expect, it } from 'vitest';
import { maxRelativeError, onWebGpu, random, runOnDevice, runOnReference } from './harness';
import type { ReduceOp } from '../../../../../src/tensor/kernels/reduce';

const numel = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);
const outLength = (shape: readonly number[], dims: readonly number[]) => numel(shape.filter((_, i) => !dims.includes(i)));

// [shape, dims]: no dims, all dims, middle dims, leading / trailing, size-1 dims, an empty reduction,
// a rank-0 input, and reductions long enough (>= 1024 per output) for the workgroup path, with more
// outputs than threads in a workgroup.
const CASES: [number[], number[]][] = [
  [[3, 4, 5], []],
  [[3, 4, 5], [0, 1, 2]],
  [[3, 4, 5, 2], [1, 2]],
  [[3, 4, 5], [0]],
  [[3, 4, 5], [2]],
  [[2, 1, 5, 1], [1, 2]],
  [[4, 1, 3], [0, 2]],
  [[3, 0, 2], [1]],
  [[], []],
  [[70], [0]],
  [[2, 1500], [1]],
  [[40, 30, 3], [0, 1]],
  [[300, 5, 7], [1]],
];

describe.skipIf(!onWebGpu())('WGSL reduce kernels', () => {
  it('reduce (sum, max, min) matches the reference over any set of dims', () => {
    CASES.forEach(([shape, dims], c) => {
      const x = random(numel(shape), 3 + c);
      for (const op of ['sum', 'max', 'min'] as ReduceOp[]) {
        const out = new Float32Array(outLength(shape, dims)), ref = new Float32Array(out.length);
        runOnDevice('reduce', { op, x, shape, dims, out });
        runOnReference('reduce', { op, x, shape, dims, out: ref });
        const label = `${op} of [${shape}] over [${dims}]`;
        // Max and min are exact; sums of up to 3600 float32 values accumulate in float32 here.
        if (op === 'sum') expect(maxRelativeError(out, ref), label).toBeLessThan(1e-5);
        else expect(out, label).toEqual(ref);
      }
    });
  });

  it('max and min propagate NaN, and reductions of nothing give the identity', () => {
    const x = Float32Array.from([1, NaN, 3, -2, 5, 0, NaN, NaN]);
    for (const op of ['max', 'min', 'sum'] as ReduceOp[]) {
      for (const [shape, dims] of [[[4, 2], [0]], [[2, 4], [1]], [[8], [0]]] as [number[], number[]][]) {
        const out = new Float32Array(outLength(shape, dims)), ref = new Float32Array(out.length);
        runOnDevice('reduce', { op, x, shape, dims, out });
        runOnReference('reduce', { op, x, shape, dims, out: ref });
        expect(out, `${op} [${shape}] over [${dims}]`).toEqual(ref);
      }
      const empty = new Float32Array(3), emptyRef = new Float32Array(3);
      runOnDevice('reduce', { op, x: new Float32Array(0), shape: [3, 0], dims: [1], out: empty });
      runOnReference('reduce', { op, x: new Float32Array(0), shape: [3, 0], dims: [1], out: emptyRef });
      expect(empty, `${op} of nothing`).toEqual(emptyRef);
    }
  });

  it('reduceBackward repeats g, and shares it among ties for max and min', () => {
    CASES.forEach(([shape, dims], c) => {
      const n = numel(shape);
      // Values on a coarse grid: many ties for the extremes.
      const x = random(n, 20 + c).map((v) => Math.round(v * 2));
      const g = random(outLength(shape, dims), 40 + c);
      for (const op of ['sum', 'max', 'min'] as ReduceOp[]) {
        let y: Float32Array | null = null;
        if (op !== 'sum') {
          y = new Float32Array(g.length);
          runOnReference('reduce', { op, x, shape, dims, out: y });
        }
        const xs = op === 'sum' ? null : x;
        const dx = new Float32Array(n), ref = new Float32Array(n);
        runOnDevice('reduceBackward', { op, g, x: xs, y, shape, dims, dx });
        runOnReference('reduceBackward', { op, g, x: xs, y, shape, dims, dx: ref });
        // g / count rounds once in both.
        expect(maxRelativeError(dx, ref), `${op} backward of [${shape}] over [${dims}]`).toBeLessThan(1e-6);
      }
    });
  });

  it('argReduce finds the first extreme, and a NaN', () => {
    for (const [outer, size, inner] of [[3, 7, 5], [1, 2000, 1], [70, 3, 1], [1, 1, 9], [2, 5, 300]]) {
      const x = random(outer * size * inner, outer + size + inner).map((v) => Math.round(v * 3));
      for (const largest of [true, false]) {
        const out = new Int32Array(outer * inner), ref = new Int32Array(outer * inner);
        runOnDevice('argReduce', { largest, x, outer, size, inner, out });
        runOnReference('argReduce', { largest, x, outer, size, inner, out: ref });
        expect(out, `[${outer}, ${size}, ${inner}] ${largest ? 'argmax' : 'argmin'}`).toEqual(ref);
      }
    }
    const x = Float32Array.from([1, 4, NaN, 4, NaN, 9, 0, 2, 3]);
    for (const largest of [true, false]) {
      const out = new Int32Array(3), ref = new Int32Array(3);
      runOnDevice('argReduce', { largest, x, outer: 3, size: 3, inner: 1, out });
      runOnReference('argReduce', { largest, x, outer: 3, size: 3, inner: 1, out: ref });
      expect(out).toEqual(ref);
    }
  });
});
