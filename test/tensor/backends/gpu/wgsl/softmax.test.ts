import { describe, expect, it } from 'vitest';
import { maxRelativeError, onWebGpu, random, runOnDevice, runOnReference } from './harness';

// [outer, size, inner]: last-dim rows, a middle dim, a leading dim, size 1, and more slices than a
// workgroup's 64 threads.
const LAYOUTS = [[4, 10, 1], [3, 7, 5], [1, 6, 20], [5, 1, 3], [130, 9, 1], [2, 300, 70]];

describe.skipIf(!onWebGpu())('WGSL softmax kernels', () => {
  it('softmax and logSoftmax match the reference, with large and infinite logits', () => {
    LAYOUTS.forEach(([outer, size, inner], c) => {
      const n = outer * size * inner;
      const x = random(n, 1 + c, 8);
      // Large logits (exp would overflow without the max) and -inf entries.
      if (n > 4) { x[0] = 1e4; x[1] = -Infinity; x[3] = 80; }
      for (const log of [false, true]) {
        const y = new Float32Array(n), ref = new Float32Array(n);
        runOnDevice('softmax', { x, y, outer, size, inner, log });
        runOnReference('softmax', { x, y: ref, outer, size, inner, log });
        expect(maxRelativeError(y, ref), `[${outer}, ${size}, ${inner}] ${log ? 'log' : ''}softmax`).toBeLessThan(1e-5);
      }
    });
  });

  it('a slice of only -inf gives NaN, as the reference', () => {
    const x = Float32Array.from([-Infinity, -Infinity, -Infinity, 1, 2, 3]);
    for (const log of [false, true]) {
      const y = new Float32Array(6), ref = new Float32Array(6);
      runOnDevice('softmax', { x, y, outer: 2, size: 3, inner: 1, log });
      runOnReference('softmax', { x, y: ref, outer: 2, size: 3, inner: 1, log });
      expect(maxRelativeError(y, ref)).toBeLessThan(1e-6);
    }
  });

  it('softmaxBackward matches the reference', () => {
    LAYOUTS.forEach(([outer, size, inner], c) => {
      const n = outer * size * inner;
      const x = random(n, 10 + c, 6), g = random(n, 20 + c);
      for (const log of [false, true]) {
        const y = new Float32Array(n);
        runOnReference('softmax', { x, y, outer, size, inner, log });
        const gx = new Float32Array(n), ref = new Float32Array(n);
        runOnDevice('softmaxBackward', { g, y, gx, outer, size, inner, log });
        runOnReference('softmaxBackward', { g, y, gx: ref, outer, size, inner, log });
        expect(maxRelativeError(gx, ref), `[${outer}, ${size}, ${inner}] ${log ? 'log' : ''}softmax backward`).toBeLessThan(1e-5);
      }
    });
  });
});
