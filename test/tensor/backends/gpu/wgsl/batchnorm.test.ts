import { describe, expect, it } from 'vitest';
import { maxRelativeError, onWebGpu, random, runOnDevice, runOnReference } from './harness';

// [n, c, s]: small, N = 1, spatial 1, more values per channel than a workgroup's 256 threads, and
// more channels than the elementwise passes' 64-thread workgroups.
const LAYOUTS = [[4, 3, 5], [1, 2, 7], [6, 3, 1], [2, 2, 1500], [3, 70, 2]];

// The statistics' sums run over up to 3000 values in float32 (the reference: float64); the workgroup's
// tree keeps their error within 1e-5 here too. Longer channels would need 1e-4 for the sums.
const TOL = 1e-5;
const SUM_TOL = 1e-5;

interface Forward {
  out: Float32Array; mean: Float64Array; invStd: Float64Array; squares: Float64Array | null;
}

describe.skipIf(!onWebGpu())('WGSL batchNorm kernels', () => {
  it('batchNormForward matches the reference: training and eval, with and without weight, bias, ReLU, squares', () => {
    LAYOUTS.forEach(([n, c, s], li) => {
      const x = random(n * c * s, 1 + li, 3, 0.7);
      const w = random(c, 50 + li, 1, 1), b = random(c, 60 + li);
      for (const training of [true, false]) {
        for (const [weight, bias, relu, withSquares] of [
          [w, b, false, true], [null, null, false, false], [w, null, true, true], [null, b, true, false],
        ] as const) {
          const make = (): Forward => ({
            out: new Float32Array(n * c * s),
            mean: training ? new Float64Array(c) : Float64Array.from(random(c, 70 + li, 0.5)),
            invStd: training ? new Float64Array(c) : Float64Array.from(random(c, 80 + li, 1, 1.2)),
            squares: withSquares ? new Float64Array(c) : null,
          });
          const dev = make(), ref = make();
          const common = { n, c, s, x, weight, bias, eps: 1e-5, training, relu };
          runOnDevice('batchNormForward', { ...common, ...dev });
          runOnReference('batchNormForward', { ...common, ...ref });
          const label = `[${n}, ${c}, ${s}] training ${training} weight ${!!weight} bias ${!!bias} relu ${relu}`;
          expect(maxRelativeError(dev.out, ref.out), label).toBeLessThan(TOL);
          expect(maxRelativeError(dev.mean, ref.mean), `${label} mean`).toBeLessThan(TOL);
          expect(maxRelativeError(dev.invStd, ref.invStd), `${label} invStd`).toBeLessThan(TOL);
          if (withSquares) expect(maxRelativeError(dev.squares!, ref.squares!), `${label} squares`).toBeLessThan(SUM_TOL);
        }
      }
    });
  });

  it('batchNormBackward matches the reference: training and eval, ReLU mask, weight, sums and gx each optional', () => {
    LAYOUTS.forEach(([n, c, s], li) => {
      const total = n * c * s;
      const x = random(total, 10 + li, 3, 0.7), g = random(total, 20 + li);
      const w = random(c, 30 + li, 1, 1), b = random(c, 40 + li);
      for (const training of [true, false]) {
        const fwd: Forward = {
          out: new Float32Array(total),
          mean: training ? new Float64Array(c) : Float64Array.from(random(c, 90 + li, 0.5)),
          invStd: training ? new Float64Array(c) : Float64Array.from(random(c, 95 + li, 1, 1.2)),
          squares: null,
        };
        runOnReference('batchNormForward', { n, c, s, x, weight: w, bias: b, eps: 1e-5, training, relu: true, ...fwd });
        for (const [withY, weight, withSums, withGx] of [
          [true, w, true, true], [false, null, true, true], [false, w, true, false], [true, null, false, true], [false, w, false, true],
        ] as const) {
          if (training && withGx && !withSums) continue; // the reference refuses it
          const make = () => ({
            sums: withSums ? { g: new Float64Array(c), gx: new Float64Array(c) } : null,
            gx: withGx ? new Float32Array(total) : null,
          });
          const dev = make(), ref = make();
          const common = { n, c, s, g, x, y: withY ? fwd.out : null, mean: fwd.mean, invStd: fwd.invStd, weight, training };
          runOnDevice('batchNormBackward', { ...common, ...dev });
          runOnReference('batchNormBackward', { ...common, ...ref });
          const label = `[${n}, ${c}, ${s}] training ${training} relu ${withY} weight ${!!weight} sums ${withSums} gx ${withGx}`;
          if (withSums) {
            expect(maxRelativeError(dev.sums!.g, ref.sums!.g), `${label} Σg`).toBeLessThan(SUM_TOL);
            expect(maxRelativeError(dev.sums!.gx, ref.sums!.gx), `${label} Σg(x - mean)`).toBeLessThan(SUM_TOL);
          }
          if (withGx) expect(maxRelativeError(dev.gx!, ref.gx!), `${label} gx`).toBeLessThan(TOL);
        }
      }
    });
  });

  it('an empty batch in training gives NaN statistics, as the reference', () => {
    const make = () => ({ out: new Float32Array(0), mean: new Float64Array(3), invStd: new Float64Array(3), squares: new Float64Array(3) });
    const dev = make(), ref = make();
    const common = { n: 0, c: 3, s: 4, x: new Float32Array(0), weight: null, bias: null, eps: 1e-5, training: true, relu: false };
    runOnDevice('batchNormForward', { ...common, ...dev });
    runOnReference('batchNormForward', { ...common, ...ref });
    expect(dev.mean).toEqual(ref.mean);
    expect(dev.invStd).toEqual(ref.invStd);
    expect(dev.squares).toEqual(ref.squares);
  });

  it('batchNormRunningStats and batchNormParamGrads match the reference', () => {
    const c = 75;
    const mean = Float64Array.from(random(c, 1)), squares = Float64Array.from(random(c, 2, 4, 3));
    const invStd = Float64Array.from(random(c, 3, 1, 1.5));
    for (const [withMean, withVar] of [[true, true], [true, false], [false, true]]) {
      const make = () => ({ runningMean: withMean ? random(c, 4) : null, runningVar: withVar ? random(c, 5, 1, 1) : null });
      const dev = make(), ref = make();
      runOnDevice('batchNormRunningStats', { mean, squares, count: 12, momentum: 0.1, ...dev });
      runOnReference('batchNormRunningStats', { mean, squares, count: 12, momentum: 0.1, ...ref });
      if (withMean) expect(maxRelativeError(dev.runningMean!, ref.runningMean!)).toBeLessThan(TOL);
      if (withVar) expect(maxRelativeError(dev.runningVar!, ref.runningVar!)).toBeLessThan(TOL);
    }
    const sums = { g: Float64Array.from(random(c, 6)), gx: Float64Array.from(random(c, 7)) };
    for (const [withW, withB] of [[true, true], [true, false], [false, true]]) {
      const make = () => ({ gw: withW ? new Float32Array(c) : null, gb: withB ? new Float32Array(c) : null });
      const dev = make(), ref = make();
      runOnDevice('batchNormParamGrads', { sums, invStd, ...dev });
      runOnReference('batchNormParamGrads', { sums, invStd, ...ref });
      if (withW) expect(maxRelativeError(dev.gw!, ref.gw!)).toBeLessThan(TOL);
      if (withB) expect(maxRelativeError(dev.gb!, ref.gb!)).toBeLessThan(TOL);
    }
  });
});
