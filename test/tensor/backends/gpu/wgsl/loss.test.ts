import { describe, expect, it } from 'vitest';
import { maxRelativeError, onWebGpu, random, runOnDevice, runOnReference } from './harness';
import type { LossReduction } from '../../../../../src/tensor/kernels/loss';

/** Log-probabilities of random logits, [outer, classes, inner], from the reference's logSoftmax. */
function logProbabilities(outer: number, classes: number, inner: number, seed: number): Float32Array {
  const x = random(outer * classes * inner, seed, 6);
  const logp = new Float32Array(x.length);
  runOnReference('softmax', { x, y: logp, outer, size: classes, inner, log: true });
  return logp;
}

/** Targets in [0, classes), every `ignoreEvery`-th one the ignore index. */
function targets(n: number, classes: number, seed: number, ignoreIndex: number, ignoreEvery: number): Int32Array {
  const r = random(n, seed, 1, 0.5);
  return Int32Array.from(r, (v, i) => (ignoreEvery > 0 && i % ignoreEvery === 1 ? ignoreIndex : Math.min(classes - 1, Math.floor(v * classes))));
}

// [outer, classes, inner]: logits rows, a class dim in the middle (segmentation-like), one class,
// and more elements than the 256 threads of the summing workgroup.
const LAYOUTS = [[6, 5, 1], [2, 4, 7], [5, 1, 1], [700, 3, 1], [3, 6, 130]];

describe.skipIf(!onWebGpu())('WGSL crossEntropy kernels', () => {
  it('crossEntropy and its gradient match the reference: weights, ignoreIndex, smoothing, reductions', () => {
    LAYOUTS.forEach(([outer, classes, inner], li) => {
      const n = outer * inner;
      const logp = logProbabilities(outer, classes, inner, 1 + li);
      for (const [weighted, smoothing, ignoreIndex, ignoreEvery] of [
        [false, 0, -100, 0], [true, 0, -100, 3], [false, 0.1, 2, 4], [true, 0.25, 0, 5],
      ] as const) {
        const weight = weighted ? random(classes, 30 + li, 1, 1) : null;
        const target = targets(n, classes, 10 + li, ignoreIndex, ignoreEvery);
        for (const reduction of ['mean', 'sum', 'none'] as LossReduction[]) {
          const layout = { logp, target, outer, classes, inner, smoothing, ignoreIndex, weight, reduction };
          const size = reduction === 'none' ? n : 1;
          const out = new Float32Array(size), outRef = new Float32Array(size);
          const tw = new Float64Array(1), twRef = new Float64Array(1);
          runOnDevice('crossEntropy', { ...layout, out, totalWeight: tw });
          runOnReference('crossEntropy', { ...layout, out: outRef, totalWeight: twRef });
          const label = `[${outer}, ${classes}, ${inner}] weighted ${weighted} smoothing ${smoothing} ignore ${ignoreIndex}/${ignoreEvery} ${reduction}`;
          // Sums of up to 700 losses in float32 (the reference: float64).
          expect(maxRelativeError(out, outRef), label).toBeLessThan(1e-5);
          expect(maxRelativeError(tw, twRef), `${label} total weight`).toBeLessThan(1e-5);
          const g = random(size, 20 + li, 2, 0.3);
          const gz = new Float32Array(logp.length), gzRef = new Float32Array(logp.length);
          runOnDevice('crossEntropyBackward', { ...layout, g, totalWeight: twRef[0], gz });
          runOnReference('crossEntropyBackward', { ...layout, g, totalWeight: twRef[0], gz: gzRef });
          expect(maxRelativeError(gz, gzRef), `${label} gradient`).toBeLessThan(1e-5);
        }
      }
    });
  });

  it('every target ignored: total weight 0, a NaN mean, zero gradients', () => {
    const logp = logProbabilities(4, 3, 1, 7);
    const target = Int32Array.from([-1, -1, -1, -1]);
    for (const reduction of ['mean', 'sum', 'none'] as LossReduction[]) {
      const layout = { logp, target, outer: 4, classes: 3, inner: 1, smoothing: 0.1, ignoreIndex: -1, weight: null, reduction };
      const size = reduction === 'none' ? 4 : 1;
      const out = new Float32Array(size), outRef = new Float32Array(size);
      const tw = new Float64Array(1), twRef = new Float64Array(1);
      runOnDevice('crossEntropy', { ...layout, out, totalWeight: tw });
      runOnReference('crossEntropy', { ...layout, out: outRef, totalWeight: twRef });
      expect(out, reduction).toEqual(outRef);
      expect(tw).toEqual(twRef);
      const gz = new Float32Array(12).fill(5);
      runOnDevice('crossEntropyBackward', { ...layout, g: new Float32Array(size).fill(1), totalWeight: 0, gz });
      expect(gz).toEqual(new Float32Array(12));
    }
  });
});
