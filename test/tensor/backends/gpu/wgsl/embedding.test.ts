import { describe, expect, it } from 'vitest';
import { onWebGpu, random, runOnDevice, runOnReference } from './harness';

function indices(n: number, rows: number, seed: number): Int32Array {
  return Int32Array.from(random(n, seed, 1), (v) => Math.floor((v + 0.5) * rows) % rows);
}

describe.skipIf(!onWebGpu())('WGSL embedding', () => {
  it('embedding gathers rows exactly, repeated and out of order', () => {
    for (const [rows, dim, lookups] of [[10, 4, 25], [1, 1, 3], [50, 33, 200], [6, 8, 0]]) {
      const weight = random(rows * dim, rows + dim);
      const index = indices(lookups, rows, 5);
      const args = () => ({ weight, indices: index, dim, out: new Float32Array(lookups * dim) });
      const onDevice = args(), reference = args();
      runOnDevice('embedding', onDevice);
      runOnReference('embedding', reference);
      expect(onDevice.out, `${rows} ${dim} ${lookups}`).toEqual(reference.out);
    }
  });

  it('embeddingBackward sums repeated lookups in order, skips paddingIdx, adds into gw', () => {
    const cases: [number, number, number, number | null][] = [[10, 4, 25, null], [10, 4, 25, 3], [3, 70, 100, 0], [1, 2, 5, 0], [40, 16, 300, null], [5, 3, 0, null]];
    cases.forEach(([rows, dim, lookups, paddingIdx], k) => {
      const index = indices(lookups, rows, 9 + k);
      const g = random(lookups * dim, 30 + k);
      // gw starts non-zero, to check it is added into.
      const gw = random(rows * dim, 60 + k);
      const onDevice = { g, indices: index, dim, paddingIdx, gw: gw.slice() }, reference = { g, indices: index, dim, paddingIdx, gw: gw.slice() };
      runOnDevice('embeddingBackward', onDevice);
      runOnReference('embeddingBackward', reference);
      // Same additions in the same order, in float32: exact.
      expect(onDevice.gw, `${rows} ${dim} ${lookups} ${paddingIdx}`).toEqual(reference.gw);
    });
  });

  it('embeddingBackward takes indices that are not an Int32Array', () => {
    const index = [2, 0, 2, 1, 2];
    const g = random(5 * 3, 3);
    const onDevice = { g, indices: index, dim: 3, paddingIdx: null, gw: new Float32Array(9) };
    const reference = { g, indices: index, dim: 3, paddingIdx: null, gw: new Float32Array(9) };
    runOnDevice('embeddingBackward', onDevice);
    runOnReference('embeddingBackward', reference);
    expect(onDevice.gw).toEqual(reference.gw);
  });
});
