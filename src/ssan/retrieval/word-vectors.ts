/**
 * A table of word vectors (word2vec, GloVe...): what the text pipeline looks words up in. Lookups are
 * exact and case-sensitive, as HowTo100M's `word in we.vocab`: GoogleNews has "Dog" and "dog" apart.
 */

/** What the text pipeline needs from a set of word vectors. */
export interface WordVectors {
  /** Length of every vector. */
  readonly dim: number;
  /** Number of words. */
  readonly size: number;
  /** The word's vector (do not write to it: it may share storage with other words), or undefined. */
  get(word: string): Float32Array | undefined;
  has(word: string): boolean;
  /** The words, in the order they were added (for a file: the file's order). */
  words(): IterableIterator<string>;
}

// Vectors live in shared blocks: a separate Float32Array for each of 3 million GoogleNews words would
// cost more memory in array headers than in values. Blocks grow with the table, so a small one stays small.
const MIN_BLOCK_WORDS = 16;
const MAX_BLOCK_WORDS = 4096;

/** An in-memory WordVectors that words are added to one by one; the first vector of a word wins. */
export class WordVectorTable implements WordVectors {
  private readonly vectors = new Map<string, Float32Array>();
  private block = new Float32Array(0);
  private used = 0;

  constructor(readonly dim: number) {
    if (!Number.isInteger(dim) || dim <= 0) throw new Error(`WordVectorTable: dim must be a positive integer; got ${dim}`);
  }

  /** A table holding `entries` (word, vector); dim is the first vector's length unless given. */
  static fromEntries(entries: Iterable<readonly [string, ArrayLike<number>]>, dim?: number): WordVectorTable {
    let table: WordVectorTable | null = dim === undefined ? null : new WordVectorTable(dim);
    for (const [word, values] of entries) {
      table ??= new WordVectorTable(values.length);
      table.add(word, values);
    }
    if (table === null) throw new Error('WordVectorTable.fromEntries: no entries, so no dim; pass dim');
    return table;
  }

  get size(): number {
    return this.vectors.size;
  }

  get(word: string): Float32Array | undefined {
    return this.vectors.get(word);
  }

  has(word: string): boolean {
    return this.vectors.has(word);
  }

  words(): IterableIterator<string> {
    return this.vectors.keys();
  }

  /**
   * Adds a copy of `values` (rounded to float32) under `word`. A word already present keeps its vector
   * and false is returned: word2vec files with duplicates are read by gensim keeping the first.
   */
  add(word: string, values: ArrayLike<number>): boolean {
    if (values.length !== this.dim) {
      throw new Error(`WordVectorTable.add: the vector of ${JSON.stringify(word)} has ${values.length} values; expected ${this.dim}`);
    }
    if (this.vectors.has(word)) return false;
    const slot = this.allocate();
    slot.set(values);
    this.vectors.set(word, slot);
    return true;
  }

  /** A fresh dim-long view into the current block, starting a new block when it is full. */
  private allocate(): Float32Array {
    if (this.used === this.block.length) {
      const words = Math.min(MAX_BLOCK_WORDS, Math.max(MIN_BLOCK_WORDS, this.vectors.size));
      this.block = new Float32Array(words * this.dim);
      this.used = 0;
    }
    const slot = this.block.subarray(this.used, this.used + this.dim);
    this.used += this.dim;
    return slot;
  }
}
