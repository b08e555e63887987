/**
 * Words as indices, for word vectors learned from scratch (an nn.Embedding) when no word2vec file is
 * given: the vocabulary is the training captions' words, index 0 is padding (a zero vector that is never
 * learned), and a word outside the vocabulary is dropped, as HowTo100M drops words its word2vec lacks.
 */
import { Tensor } from '../../tensor/tensor';
import { tokenize } from './text';

export class Vocabulary {
  private readonly index = new Map<string, number>();
  /** Words by index; index 0 is the padding slot. */
  readonly words: string[] = ['<pad>'];

  /** The vocabulary of `sentences`, words numbered in order of first appearance (so it is deterministic). */
  static fromSentences(sentences: Iterable<string>): Vocabulary {
    const vocabulary = new Vocabulary();
    for (const sentence of sentences) for (const word of tokenize(sentence)) vocabulary.add(word);
    return vocabulary;
  }

  add(word: string): number {
    const known = this.index.get(word);
    if (known !== undefined) return known;
    this.words.push(word);
    this.index.set(word, this.words.length - 1);
    return this.words.length - 1;
  }

  get size(): number {
    return this.words.length;
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  /**
   * Captions -> int32 [B, maxWords] of word indices: known words in order, the first `maxWords` kept, the
   * rest padding (0); a caption of unknown words only is all padding.
   */
  encode(sentences: readonly string[], maxWords: number): Tensor {
    if (!Number.isInteger(maxWords) || maxWords < 1) throw new Error(`Vocabulary.encode: maxWords must be a positive integer, got ${maxWords}`);
    const ids = new Int32Array(sentences.length * maxWords);
    sentences.forEach((sentence, row) => {
      let column = 0;
      for (const word of tokenize(sentence)) {
        if (column === maxWords) break;
        const id = this.index.get(word);
        if (id !== undefined) ids[row * maxWords + column++] = id;
      }
    });
    return new Tensor(ids, [sentences.length, maxWords]);
  }
}
