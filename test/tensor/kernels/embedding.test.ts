/** Embedding's row gather and its scatter-add gradient (src/tensor/kernels/embedding.ts). */
import { describe, expect, it } from 'vitest';
import { embedding, embeddingBackward } from '../../../src/tensor/kernels/embedding';

const weight = Float32Array.from([0, 1, 10, 11, 20, 21]); // 3 rows of 2

describe('embedding', () => {
  it('gathers the indexed rows in order, repeats included', () => {
    const out = new Float32Array(6);
    embedding({ weight, indices: [2, 0, 2], dim: 2, out });
    expect([...out]).toEqual([20, 21, 0, 1, 20, 21]);
  });
});

describe('embeddingBackward', () => {
  const g = [1, 2, 3, 4, 5, 6];

  it('adds each lookup gradient into its row; untouched rows stay 0', () => {
    const gw = new Float32Array(6);
    embeddingBackward({ g, indices: [2, 0, 2], dim: 2, paddingIdx: null, gw });
    expect([...gw]).toEqual([3, 4, 0, 0, 1 + 5, 2 + 6]);
  });

  it('leaves the padding row at zero', () => {
    const gw = new Float32Array(6);
    embeddingBackward({ g, indices: [2, 0, 2], dim: 2, paddingIdx: 2, gw });
    expect([...gw]).toEqual([3, 4, 0, 0, 0, 0]);
  });
});
