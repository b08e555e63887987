/**
 * Caption inputs: the tokeniser against Python's re.findall(r"[\w']+", ...) (HowTo100M's
 * _tokenize_text), and wordsToVectors against a transcription of _words_to_we (fixtures from
 * scripts/make-retrieval-fixtures.py); OOV words, padding, truncation and all-OOV captions.
 */
import { describe, expect, it } from 'vitest';
import { retrieval } from '../../../src/ssan';
import { Entry, loadFixture } from './fixtures';

const { tokenize, wordsToVectors, sentencesToWordVectors, WordVectorTable } = retrieval;

interface TextFixture {
  tokenize: { sentence: string; words: string[] }[];
  wordsToVectors: { dim: number; vectors: Record<string, number[]>; cases: { words: string[]; maxWords: number; output: Entry }[] };
}

const fx = loadFixture<TextFixture>('text.json');
const table = WordVectorTable.fromEntries(Object.entries(fx.wordsToVectors.vectors), fx.wordsToVectors.dim);

describe('tokenize', () => {
  for (const { sentence, words } of fx.tokenize) {
    it(`matches Python's re.findall: ${JSON.stringify(sentence)}`, () => {
      expect(tokenize(sentence)).toEqual(words);
    });
  }

  it('keeps case (HowTo100M never lower-cases) and apostrophes inside words', () => {
    expect(tokenize("The Dog's ball")).toEqual(['The', "Dog's", 'ball']);
  });
});

describe('wordsToVectors', () => {
  for (const { words, maxWords, output } of fx.wordsToVectors.cases) {
    it(`matches _words_to_we: ${JSON.stringify(words)}, maxWords ${maxWords}`, () => {
      const got = wordsToVectors(words, table, maxWords);
      expect(got).toBeInstanceOf(Float32Array);
      expect(got.length).toBe(output.shape[0] * output.shape[1]);
      expect(Array.from(got)).toEqual(output.values);
    });
  }

  it('drops OOV words before truncating, zero-pads, and gives zeros when no word is known', () => {
    const t = WordVectorTable.fromEntries([['a', [1, 2]], ['b', [3, 4]], ['c', [5, 6]]]);
    expect(Array.from(wordsToVectors(['x', 'a', 'y', 'b', 'c'], t, 2))).toEqual([1, 2, 3, 4]);
    expect(Array.from(wordsToVectors(['c'], t, 3))).toEqual([5, 6, 0, 0, 0, 0]);
    expect(Array.from(wordsToVectors(['A', 'B'], t, 2))).toEqual([0, 0, 0, 0]);
    expect(Array.from(wordsToVectors([], t, 1))).toEqual([0, 0]);
    expect(() => wordsToVectors(['a'], t, 0)).toThrow(/maxWords must be a positive integer; got 0/);
  });
});

describe('sentencesToWordVectors', () => {
  it('stacks sentences (tokenised) and word lists into a float32 [B, maxWords, dim] tensor', () => {
    const t = WordVectorTable.fromEntries([['a', [1, 2]], ['dog', [3, 4]], ["don't", [5, 6]]]);
    const batch = sentencesToWordVectors(['A dog, a dog!', ["don't", 'x'], ''], t, 3);
    expect(batch.shape).toEqual([3, 3, 2]);
    expect(batch.dtype).toBe('float32');
    expect(Array.from(batch.data)).toEqual([3, 4, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});
