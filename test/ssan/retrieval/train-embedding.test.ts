/**
 * Training the joint embedding end to end on a small task whose answer is known: each video's feature
 * encodes a colour and a shape (one-hot blocks plus noise), its caption names them. Trained on one draw
 * of the noise, the model must retrieve held-out videos by caption far above chance, with learned word
 * vectors and with fixed ones, with either text encoder; and the vocabulary drops unknown words.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src';
import { retrieval } from '../../../src/ssan';
import { Generator } from '../../../src/tensor/random';

const { trainJointEmbedding, Vocabulary, WordVectorTable } = retrieval;

const COLOURS = ['red', 'green', 'blue', 'yellow'];
const SHAPES = ['square', 'circle', 'triangle'];

/** One video per (colour, shape) pair, `copies` times, with noisy one-hot features. */
function makeSet(copies: number, seed: number): retrieval.CaptionedVideos {
  const rng = new Generator(seed);
  const dim = COLOURS.length + SHAPES.length + 3;
  const ids: string[] = [], captions: string[][] = [], rows: number[] = [];
  for (let c = 0; c < copies; c++) {
    COLOURS.forEach((colour, i) => SHAPES.forEach((shape, j) => {
      ids.push(`${colour}-${shape}-${c}`);
      captions.push([`a ${colour} ${shape}`, `the ${shape} is ${colour}`]);
      const row = Array.from({ length: dim }, () => 0.3 * (rng.random() - 0.5));
      row[i] += 1;
      row[COLOURS.length + j] += 1;
      rows.push(...row);
    }));
  }
  return { ids, captions, features: new Tensor(Float32Array.from(rows), [ids.length, dim]) };
}

describe('trainJointEmbedding', () => {
  const train = makeSet(4, 1);
  const val = makeSet(1, 2);
  // 12 validation videos, one per pair: chance is R@1 = 1/12 and a median rank of 6.5.
  for (const textEncoder of ['maxpool', 'gru'] as const) {
    it(`learns to retrieve held-out videos by caption (learned word vectors, ${textEncoder})`, () => {
      const losses: number[] = [];
      const result = trainJointEmbedding(train, val, {
        textEncoder, embdDim: 16, wordDim: 8, epochs: 60, batchSize: 12, lr: 1e-2, seed: 0,
        onEpoch: (_, loss) => losses.push(loss),
      });
      expect(losses).toHaveLength(60);
      expect(losses[59]).toBeLessThan(losses[0]);
      expect(result.metrics.r1).toBeGreaterThanOrEqual(0.75);
      expect(result.metrics.medianRank).toBe(1);
      expect(result.valCaptions).toHaveLength(12);
      // The same model untrained: near chance.
      const untrained = trainJointEmbedding(train, val, { textEncoder, embdDim: 16, wordDim: 8, epochs: 0, seed: 0 });
      expect(untrained.metrics.r1).toBeLessThan(0.5);
    });
  }

  it('trains with fixed word vectors (a word2vec table) and learns no word vectors', () => {
    const rng = new Generator(3);
    const words = ['a', 'the', 'is', ...COLOURS, ...SHAPES];
    const table = WordVectorTable.fromEntries(words.map((w) => [w, Array.from({ length: 6 }, () => rng.random() - 0.5)] as const));
    const result = trainJointEmbedding(train, val, { wordVectors: table, embdDim: 16, epochs: 60, batchSize: 12, lr: 1e-2 });
    expect(result.model.words).toBeNull();
    expect(result.model.joint.wordDim).toBe(6);
    expect(result.metrics.r1).toBeGreaterThanOrEqual(0.75);
  });

  it('rejects sets whose ids, features and captions disagree', () => {
    const bad = { ...val, captions: val.captions.slice(1) };
    expect(() => trainJointEmbedding(train, bad, { epochs: 1 })).toThrow(/val: 12 ids, 11 caption lists/);
    const empty = { ...val, captions: val.captions.map((c, i) => (i === 3 ? [] : c)) };
    expect(() => trainJointEmbedding(train, empty, { epochs: 1 })).toThrow(/video green-square-0 has no caption/);
  });
});

describe('Vocabulary', () => {
  it('numbers words from 1 in order of appearance, pads with 0 and drops unknown words', () => {
    const v = Vocabulary.fromSentences(['a red square', 'a blue square']);
    expect(v.words).toEqual(['<pad>', 'a', 'red', 'square', 'blue']);
    const ids = v.encode(['a green square', 'purple', 'red red red red'], 3);
    expect(Array.from(ids.data)).toEqual([1, 3, 0, 0, 0, 0, 2, 2, 2]);
    expect(ids.shape).toEqual([3, 3]);
    expect(() => v.encode(['a'], 0)).toThrow(/maxWords must be a positive integer/);
  });
});
