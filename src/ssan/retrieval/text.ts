/**
 * Captions to word-vector inputs, as HowTo100M's data loaders build them (`_tokenize_text` and
 * `_words_to_we` in msrvtt_dataloader.py): words are the matches of Python's `[\w']+`, case kept (the
 * loaders never lower-case, and GoogleNews is case-sensitive); words without a vector are dropped, the
 * first maxWords of the rest are kept and the remainder of the [maxWords, dim] block stays zero.
 */
import { Tensor } from '../../tensor/tensor';
import type { WordVectors } from './word-vectors';

// Python 3's \w on str is Unicode-aware: a letter or a number (categories L* and N*) or '_'. Checked
// over every code point against Python 3.11's re: the same set, apart from characters later Unicode
// versions added. JavaScript's own \w is ASCII-only, hence the property classes.
const WORD = /[\p{L}\p{N}_']+/gu;

/** The words of a sentence: its runs of letters, digits, '_' and "'" (so "don't" stays one word). */
export function tokenize(sentence: string): string[] {
  if (typeof sentence !== 'string') throw new Error(`tokenize: expected a string; got ${typeof sentence}`);
  return sentence.match(WORD) ?? [];
}

function checkMaxWords(maxWords: number, caller: string): void {
  if (!Number.isInteger(maxWords) || maxWords <= 0) throw new Error(`${caller}: maxWords must be a positive integer; got ${maxWords}`);
}

/**
 * The vectors of the first `maxWords` words that have one, as a row-major float32 [maxWords, dim]
 * block; rows past the last such word are zero, so a sentence with no known word is all zeros.
 */
export function wordsToVectors(words: readonly string[], vectors: WordVectors, maxWords: number): Float32Array {
  checkMaxWords(maxWords, 'wordsToVectors');
  const { dim } = vectors;
  const out = new Float32Array(maxWords * dim);
  let row = 0;
  for (const word of words) {
    if (row === maxWords) break;
    const v = vectors.get(word);
    if (v === undefined) continue;
    out.set(v, row * dim);
    row++;
  }
  return out;
}

/**
 * A batch of text inputs for the joint embedding: a float32 Tensor [B, maxWords, dim]. Each item is a
 * sentence (tokenised here) or a list of words already tokenised.
 */
export function sentencesToWordVectors(
  sentences: readonly (string | readonly string[])[],
  vectors: WordVectors,
  maxWords: number,
): Tensor {
  checkMaxWords(maxWords, 'sentencesToWordVectors');
  const block = maxWords * vectors.dim;
  const data = new Float32Array(sentences.length * block);
  sentences.forEach((s, i) => {
    const words = typeof s === 'string' ? tokenize(s) : s;
    data.set(wordsToVectors(words, vectors, maxWords), i * block);
  });
  return new Tensor(data, [sentences.length, maxWords, vectors.dim]);
}
