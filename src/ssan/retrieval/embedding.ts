/**
 * HowTo100M's text-video joint embedding (Miech et al. 2019; model.py; docs/model.md#retrieval): a caption's
 * word vectors are max-pooled into a sentence vector, the sentence and the video feature each pass
 * through a gated embedding unit into one space, and the similarity is their dot product.
 *
 * Submodule names are HowTo100M's, so that its state dicts (the released howto100m_pt_model.pth,
 * converted to safetensors) load strict: text_pooling.fc, GU_text.{fc, cg.fc, cg.batch_norm},
 * GU_video.{fc, cg.fc, cg.batch_norm}. Context_Gating always builds its BatchNorm1d, used or not, so
 * it is in every HowTo100M state dict and is here too.
 */
import { Tensor } from '../../tensor/tensor';
import { formatShape } from '../../tensor/shape';
import { Module } from '../../nn/module';
import { Linear } from '../../nn/layers/linear';
import { BatchNorm1d } from '../../nn/layers/batchnorm';
import { l2Normalize } from './l2-normalize';
import { maxOverDim1 } from './first-max';
import { SentenceGru } from './sentence-gru';

/** x · σ(fc(x)): each feature scaled by a gate computed from all of them (HowTo100M's Context_Gating). */
export class ContextGating extends Module {
  readonly fc: Linear;
  // HowTo100M's name; applied to fc(x) only with addBatchNorm (off in all its models).
  readonly batch_norm: BatchNorm1d;

  constructor(readonly dim: number, readonly addBatchNorm = false) {
    super();
    this.fc = new Linear(dim, dim);
    this.batch_norm = new BatchNorm1d(dim);
  }

  forward(x: Tensor): Tensor {
    let gate = this.fc.forward(x);
    if (this.addBatchNorm) gate = this.batch_norm.forward(gate);
    // HowTo100M writes this as F.glu(cat(x, gate), 1), which is the same product.
    return x.mul(gate.sigmoid());
  }
}

/** Linear inDim -> dim, context gating, then L2 normalisation (HowTo100M's Gated_Embedding_Unit). */
export class GatedEmbeddingUnit extends Module {
  readonly fc: Linear;
  readonly cg: ContextGating;

  constructor(readonly inDim: number, readonly dim: number) {
    super();
    this.fc = new Linear(inDim, dim);
    this.cg = new ContextGating(dim);
  }

  /** [B, inDim] -> unit vectors [B, dim]. */
  forward(x: Tensor): Tensor {
    return l2Normalize(this.cg.forward(this.fc.forward(x)));
  }
}

/** A caption as the max over its words of ReLU(fc(word)) (HowTo100M's Sentence_Maxpool). */
export class SentenceMaxpool extends Module {
  readonly fc: Linear;

  constructor(readonly wordDim: number, readonly outDim: number) {
    super();
    this.fc = new Linear(wordDim, outDim);
  }

  /** [B, maxWords, wordDim] -> [B, outDim]. Zero padding rows take part, as in HowTo100M. */
  forward(words: Tensor): Tensor {
    if (words.ndim !== 3) {
      throw new Error(`SentenceMaxpool: expected words [B, maxWords, ${this.wordDim}]; got shape ${formatShape(words.shape)}`);
    }
    return maxOverDim1(this.fc.forward(words).relu());
  }
}

export type TextEncoderKind = 'maxpool' | 'gru';

/** A text encoder: words [B, maxWords, wordDim] to sentence vectors [B, outDim]. */
export interface TextEncoder extends Module {
  readonly outDim: number;
  forward(words: Tensor): Tensor;
}

export interface JointEmbeddingOptions {
  /** Size of a video feature (HowTo100M: 4096, its 2D and 3D features concatenated). */
  videoDim: number;
  /** Size of a word vector (default 300, GoogleNews word2vec). */
  wordDim?: number;
  /** Size of the joint space (HowTo100M's args default 2048; its released model 6144). */
  embdDim: number;
  /** How words become a sentence vector (default 'maxpool', HowTo100M's). */
  textEncoder?: TextEncoderKind;
  /** Size of the sentence vector; default (or <= 0): embdDim, as HowTo100M's sentence_dim = -1. */
  sentenceDim?: number;
}

/** The one place the text encoder is chosen. */
function createTextEncoder(kind: TextEncoderKind, wordDim: number, sentenceDim: number): TextEncoder {
  switch (kind) {
    case 'maxpool':
      return new SentenceMaxpool(wordDim, sentenceDim);
    case 'gru':
      return new SentenceGru(wordDim, sentenceDim);
    default:
      throw new Error(`JointEmbedding: unknown textEncoder ${JSON.stringify(kind)}; expected 'maxpool' or 'gru'`);
  }
}

function positiveInteger(name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`JointEmbedding: ${name} must be a positive integer; got ${v}`);
  return v;
}

/** Texts and videos in one space; forward gives their similarities (HowTo100M's Net). */
export class JointEmbedding extends Module {
  // Registered in HowTo100M's order, so that the state dict lists its keys in the same order.
  readonly text_pooling: TextEncoder;
  readonly GU_text: GatedEmbeddingUnit;
  readonly GU_video: GatedEmbeddingUnit;
  readonly videoDim: number;
  readonly wordDim: number;
  readonly embdDim: number;

  constructor(opts: JointEmbeddingOptions) {
    super();
    this.videoDim = positiveInteger('videoDim', opts.videoDim);
    this.wordDim = positiveInteger('wordDim', opts.wordDim ?? 300);
    this.embdDim = positiveInteger('embdDim', opts.embdDim);
    const sentenceDim = opts.sentenceDim !== undefined && opts.sentenceDim > 0 ? positiveInteger('sentenceDim', opts.sentenceDim) : this.embdDim;
    this.text_pooling = createTextEncoder(opts.textEncoder ?? 'maxpool', this.wordDim, sentenceDim);
    this.GU_text = new GatedEmbeddingUnit(this.text_pooling.outDim, this.embdDim);
    this.GU_video = new GatedEmbeddingUnit(this.videoDim, this.embdDim);
  }

  /** Captions' word vectors [Bt, maxWords, wordDim] -> unit vectors [Bt, embdDim]. */
  embedText(words: Tensor): Tensor {
    if (words.ndim !== 3 || words.shape[2] !== this.wordDim) {
      throw new Error(`JointEmbedding.embedText: expected words [B, maxWords, ${this.wordDim}]; got shape ${formatShape(words.shape)}`);
    }
    return this.GU_text.forward(this.text_pooling.forward(words));
  }

  /** Video features [Bv, videoDim] -> unit vectors [Bv, embdDim]. */
  embedVideo(video: Tensor): Tensor {
    if (video.ndim !== 2 || video.shape[1] !== this.videoDim) {
      throw new Error(`JointEmbedding.embedVideo: expected video features [B, ${this.videoDim}]; got shape ${formatShape(video.shape)}`);
    }
    return this.GU_video.forward(video);
  }

  /** Similarity [Bt, Bv]: text i · video j, texts as rows (HowTo100M's argument order: video first). */
  forward(video: Tensor, words: Tensor): Tensor {
    const videoEmb = this.embedVideo(video);
    const textEmb = this.embedText(words);
    return textEmb.matmul(videoEmb.transpose(0, 1));
  }
}
