/**
 * A caption as the last state of a GRU run over its words: the "GRU based" text encoder the paper's
 * retrieval section names, as an alternative to HowTo100M's max over words. Unlike the max, a GRU reads
 * the words in order, so "a square slides left of a circle" and "a circle slides left of a square"
 * differ.
 *
 * Captions are zero-padded at the end (HowTo100M's layout, and an nn.Embedding's padding row is zero),
 * so a caption's state is the GRU's output at its last word that is not all zeros: running on through
 * the padding would make the vector depend on the caption's length. A caption of padding only gives a
 * zero vector.
 */
import { Tensor } from '../../tensor/tensor';
import { formatShape } from '../../tensor/shape';
import { Module } from '../../nn/module';
import { GRU } from '../../nn/layers/gru';

export class SentenceGru extends Module {
  readonly gru: GRU;

  constructor(readonly wordDim: number, readonly outDim: number) {
    super();
    this.gru = new GRU({ inputSize: wordDim, hiddenSize: outDim, batchFirst: true });
  }

  /** [B, maxWords, wordDim] -> [B, outDim]. */
  forward(words: Tensor): Tensor {
    if (words.ndim !== 3 || words.shape[2] !== this.wordDim) {
      throw new Error(`SentenceGru: expected words [B, maxWords, ${this.wordDim}]; got shape ${formatShape(words.shape)}`);
    }
    const [batch, maxWords] = words.shape;
    const [outputs] = this.gru.forward(words);
    // A one-hot over the steps at each caption's last word; the masked sum picks that step's output
    // and sends the gradient there alone.
    const mask = new Float64Array(batch * maxWords);
    const values = words.data;
    for (let b = 0; b < batch; b++) {
      const last = lastWord(values, b, maxWords, this.wordDim);
      if (last >= 0) mask[b * maxWords + last] = 1;
    }
    const pick = new Tensor(words.dtype === 'float64' ? mask : Float32Array.from(mask), [batch, maxWords, 1]);
    return outputs.mul(pick).sum(1);
  }
}

/** Index of the last word of caption `b` with a nonzero value, or -1 when it is all padding. */
function lastWord(values: ArrayLike<number>, b: number, maxWords: number, wordDim: number): number {
  for (let w = maxWords - 1; w >= 0; w--) {
    const start = (b * maxWords + w) * wordDim;
    for (let k = 0; k < wordDim; k++) if (values[start + k] !== 0) return w;
  }
  return -1;
}
