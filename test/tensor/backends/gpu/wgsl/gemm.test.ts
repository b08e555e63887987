import { describe, expect, it } from 'vitest';
import { maxRelativeError, onWebGpu, random, runOnDevice, runOnReference } from './harness';

const TOLERANCE = 1e-5;

describe.skipIf(!onWebGpu())('WGSL gemm kernels', () => {
  it('gemm matches the reference for every transpose, at sizes off every tile shape (16, 32 or 64 along each dimension of C)', () => {
    const sizes: [number, number, number][] = [[1, 1, 1], [7, 13, 5], [16, 70, 9], [17, 40, 21], [32, 65, 18], [33, 8, 40], [40, 24, 30], [20, 30, 7], [70, 65, 33], [130, 3, 200], [2, 2, 3]];
    let seed = 1;
    for (const [m, n, k] of sizes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = random(m * k, seed++), b = random(k * n, seed++);
          const c = new Float32Array(m * n), cRef = new Float32Array(m * n);
          runOnDevice('gemm', { transA, transB, m, n, k, a, b, c });
          runOnReference('gemm', { transA, transB, m, n, k, a, b, c: cRef });
          expect(maxRelativeError(c, cRef), `${m}x${n}x${k} ${transA} ${transB}`).toBeLessThan(TOLERANCE);
        }
      }
    }
  });

  it('gemm reads and writes at offsets, and accumulates; the rest of C is kept', () => {
    const [m, n, k] = [9, 70, 17];
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const accumulate of [false, true]) {
          const a = random(m * k + 5, 3), b = random(k * n + 11, 4);
          const c = random(m * n + 20, 5), cRef = c.slice();
          const args = { transA, transB, m, n, k, a, aOffset: 5, b, bOffset: 11, cOffset: 7, accumulate };
          runOnDevice('gemm', { ...args, c });
          runOnReference('gemm', { ...args, c: cRef });
          expect(maxRelativeError(c, cRef), `${transA} ${transB} ${accumulate}`).toBeLessThan(TOLERANCE);
          expect(c.subarray(0, 7)).toEqual(cRef.subarray(0, 7));
          expect(c.subarray(7 + m * n)).toEqual(cRef.subarray(7 + m * n));
        }
      }
    }
  });

  it('gemm with k = 0 writes zeros, or leaves C when accumulating', () => {
    const c = random(6, 6), cRef = c.slice();
    runOnDevice('gemm', { transA: false, transB: false, m: 2, n: 3, k: 0, a: new Float32Array(0), b: new Float32Array(0), c });
    runOnReference('gemm', { transA: false, transB: false, m: 2, n: 3, k: 0, a: new Float32Array(0), b: new Float32Array(0), c: cRef });
    expect(c).toEqual(cRef);
  });

  it('batchedGemm without index arrays', () => {
    const [m, n, k, batch] = [33, 70, 20, 3];
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
      for (const accumulate of [false, true]) {
        const a = random(batch * m * k, 7), b = random(batch * n * k, 8);
        const c = random(batch * m * n, 9), cRef = c.slice();
        const args = { transA, transB, m, n, k, batch, a, b, accumulate };
        runOnDevice('batchedGemm', { ...args, c });
        runOnReference('batchedGemm', { ...args, c: cRef });
        expect(maxRelativeError(c, cRef), `${transA} ${transB} ${accumulate}`).toBeLessThan(TOLERANCE);
      }
    }
  });

  it('batchedGemm with index arrays, broadcasting operands and summing repeated C matrices', () => {
    const [m, n, k] = [5, 66, 9];
    const aIndex = Int32Array.from([0, 1, 0, 1, 0, 1]);
    const bIndex = Int32Array.from([2, 2, 1, 0, 1, 2]);
    const cases: [Int32Array, number][] = [
      [Int32Array.from([0, 1, 2, 3, 4, 5]), 6],
      [Int32Array.from([0, 0, 1, 0, 1, 1]), 2], // repeats: products add up
      [Int32Array.from([2, 2, 2, 0, 0, 2]), 4], // C matrices 1 and 3 are named by no item
    ];
    for (const [cIndex, cMatrices] of cases) {
      for (const accumulate of [false, true]) {
        for (const transB of [false, true]) {
          const a = random(2 * m * k, 10), b = random(3 * n * k, 11);
          const c = random(cMatrices * m * n, 12), cRef = c.slice();
          const args = { transA: false, transB, m, n, k, batch: 6, a, b, aIndex, bIndex, cIndex, accumulate };
          runOnDevice('batchedGemm', { ...args, c });
          runOnReference('batchedGemm', { ...args, c: cRef });
          expect(maxRelativeError(c, cRef), `${cIndex} ${accumulate} ${transB}`).toBeLessThan(TOLERANCE);
        }
      }
    }
  });

  it('batchedGemm of an empty batch zeroes C unless accumulating', () => {
    for (const accumulate of [false, true]) {
      const c = random(12, 13), cRef = c.slice();
      const args = { transA: false, transB: false, m: 2, n: 3, k: 4, batch: 0, a: new Float32Array(0), b: new Float32Array(0), accumulate };
      runOnDevice('batchedGemm', { ...args, c });
      runOnReference('batchedGemm', { ...args, c: cRef });
      expect(c).toEqual(cRef);
    }
  });

  it('batchedGemm overwriting a C longer than its whole matrices zeroes the tail too', () => {
    const args = { transA: false, transB: true, m: 2, n: 3, k: 4, batch: 1, a: random(8, 14), b: random(12, 15) };
    const c = random(15, 16), cRef = c.slice();
    runOnDevice('batchedGemm', { ...args, c });
    runOnReference('batchedGemm', { ...args, c: cRef });
    expect(maxRelativeError(c, cRef)).toBeLessThan(TOLERANCE);
    expect(c.subarray(6)).toEqual(new Float32Array(9));
  });
});
