/**
 * The GRU text encoder: a caption's vector is the GRU's state after its last real word (padding after it
 * changes nothing), padding alone gives zeros, word order matters (unlike the max over words), gradients
 * check, and JointEmbedding({ textEncoder: 'gru' }) names its GRU's parameters text_pooling.gru.*.
 */
import { describe, expect, it } from 'vitest';
import { Tensor, manualSeed } from '../../../src';
import { retrieval } from '../../../src/ssan';
import { checkGrad, maxAbsDiff, seeded } from '../../helpers';

const { SentenceGru, JointEmbedding } = retrieval;

/** Caption rows of `words` [B, L, D] from step `from` on set to zero (padding). */
function padFrom(words: Tensor, from: number[]): Tensor {
  const [batch, length, dim] = words.shape;
  const data = Float64Array.from(words.data);
  for (let b = 0; b < batch; b++) data.fill(0, (b * length + from[b]) * dim, (b + 1) * length * dim);
  return new Tensor(data, [batch, length, dim]);
}

describe('SentenceGru', () => {
  it("gives the GRU's state after each caption's last word; padding alone gives zeros", () => {
    manualSeed(3);
    const encoder = new SentenceGru(4, 5).double();
    const words = padFrom(seeded([3, 6, 4], 1, { requiresGrad: false }), [2, 6, 0]);
    const got = encoder.forward(words);
    expect(got.shape).toEqual([3, 5]);
    for (const [b, length] of [[0, 2], [1, 6]]) {
      const alone = new Tensor(Float64Array.from(words.data.subarray(b * 24, b * 24 + length * 4)), [1, length, 4]);
      const [, last] = encoder.gru.forward(alone);
      expect(maxAbsDiff(got.data.subarray(b * 5, (b + 1) * 5), last.data)).toBeLessThan(1e-12);
    }
    expect(Array.from(got.data.subarray(10, 15))).toEqual([0, 0, 0, 0, 0]);
  });

  it('tells word orders apart', () => {
    manualSeed(4);
    const encoder = new SentenceGru(3, 4).double();
    const words = seeded([1, 3, 3], 2, { requiresGrad: false });
    const reversed = new Tensor(Float64Array.from([...words.data.subarray(6, 9), ...words.data.subarray(3, 6), ...words.data.subarray(0, 3)]), [1, 3, 3]);
    expect(maxAbsDiff(encoder.forward(words).data, encoder.forward(reversed).data)).toBeGreaterThan(1e-3);
  });

  it('passes a gradient check through the words and the GRU weights', () => {
    manualSeed(5);
    const encoder = new SentenceGru(3, 2).double();
    // Words without padding: nudging a padding zero would move the caption's end, a jump, not a slope.
    const words = seeded([2, 4, 3], 6);
    expect(checkGrad((w) => encoder.forward(w), [words])).toBe(true);
    const padded = padFrom(seeded([2, 4, 3], 7, { requiresGrad: false }), [3, 1]);
    const weight = encoder.gru.parameters()[0];
    expect(checkGrad(() => encoder.forward(padded), [weight])).toBe(true);
  });

  it('rejects words that are not [B, maxWords, wordDim]', () => {
    expect(() => new SentenceGru(3, 2).forward(seeded([2, 3], 1))).toThrow(/SentenceGru: expected words \[B, maxWords, 3\]; got shape \[2, 3\]/);
  });
});

describe("JointEmbedding({ textEncoder: 'gru' })", () => {
  it('holds the GRU as text_pooling.gru and gives similarities', () => {
    const model = new JointEmbedding({ videoDim: 6, wordDim: 3, embdDim: 4, textEncoder: 'gru' });
    const keys = Object.keys(model.stateDict());
    expect(keys).toContain('text_pooling.gru.weight_ih_l0');
    expect(keys).toContain('text_pooling.gru.bias_hh_l0');
    const s = model.forward(seeded([5, 6], 1, { dtype: 'float32' }), seeded([2, 7, 3], 2, { dtype: 'float32' }));
    expect(s.shape).toEqual([2, 5]);
  });
});
