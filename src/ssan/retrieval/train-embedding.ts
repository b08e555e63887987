/**
 * Training the text-video joint embedding on fixed video features, HowTo100M's recipe scaled to a small
 * set: Adam (lr 1e-4), the max-margin ranking loss over each batch (every other caption and video of the
 * batch is a negative), one caption per video per epoch, chosen at random; then R@K and the median rank
 * on the validation videos, one caption each.
 *
 * Word vectors are learned from scratch (an nn.Embedding over the training captions' words) unless a
 * word2vec table is given, in which case they stay fixed, as in HowTo100M.
 */
import { manualSeed, Generator } from '../../tensor/random';
import { Tensor } from '../../tensor/tensor';
import { noGrad } from '../../autograd/grad-mode';
import { Module } from '../../nn/module';
import { Embedding } from '../../nn/layers/embedding';
// The batch's feature rows: a lookup of rows by index, which is what embedding does.
import { embedding } from '../../nn/functional/embedding';
import { Adam } from '../../optim/adam';
import { JointEmbedding } from './embedding';
import { maxMarginRankingLoss } from './loss';
import { retrievalMetrics, type RetrievalMetrics } from './metrics';
import { Vocabulary } from './vocabulary';
import { sentencesToWordVectors } from './text';
import type { WordVectors } from './word-vectors';

/** Videos with their features (rows of `features`, in `ids` order) and each video's captions. */
export interface CaptionedVideos {
  ids: string[];
  /** [videos, featureDim]. */
  features: Tensor;
  captions: string[][];
}

export interface JointTrainingOptions {
  /** Joint space size (default 256; HowTo100M uses 2048 on 4096-d features). */
  embdDim?: number;
  /** Size of the learned word vectors (default 64). */
  wordDim?: number;
  /** Words kept per caption (default 20, HowTo100M's). */
  maxWords?: number;
  textEncoder?: 'maxpool' | 'gru';
  /** Fixed word vectors (a word2vec file's); without them, vectors are learned over the training captions. */
  wordVectors?: WordVectors;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  /** The lr is multiplied by this after every epoch (default 1: HowTo100M's fine-tuning setting). */
  lrDecay?: number;
  /** The ranking loss's margin (default 0.1, HowTo100M's training default). */
  margin?: number;
  seed?: number;
  /** Called after each epoch with its mean loss and the validation metrics. */
  onEpoch?: (epoch: number, loss: number, metrics: RetrievalMetrics) => void;
}

/**
 * Captions to similarities: words to vectors (learned from the vocabulary, or fixed from a word2vec
 * table), then the joint embedding.
 */
export class TextVideoModel extends Module {
  /** The learned word vectors; null when fixed ones are given. */
  readonly words: Embedding | null;
  readonly joint: JointEmbedding;

  constructor(
    readonly text: { vocabulary: Vocabulary } | { wordVectors: WordVectors },
    videoDim: number,
    readonly opts: Required<Pick<JointTrainingOptions, 'embdDim' | 'wordDim' | 'textEncoder' | 'maxWords'>>,
  ) {
    super();
    const learned = 'vocabulary' in text;
    const wordDim = learned ? opts.wordDim : text.wordVectors.dim;
    this.words = learned ? new Embedding(text.vocabulary.size, wordDim, { paddingIdx: 0 }) : null;
    this.joint = new JointEmbedding({ videoDim, wordDim, embdDim: opts.embdDim, textEncoder: opts.textEncoder });
  }

  /** Captions -> their word vectors [B, maxWords, wordDim]. */
  wordVectorsOf(captions: readonly string[]): Tensor {
    if ('vocabulary' in this.text) return (this.words as Embedding).forward(this.text.vocabulary.encode(captions, this.opts.maxWords));
    return sentencesToWordVectors(captions, this.text.wordVectors, this.opts.maxWords);
  }

  /** Video features [Bv, D] and captions (Bt of them) -> similarity [Bt, Bv]. */
  forward(video: Tensor, captions: readonly string[]): Tensor {
    return this.joint.forward(video, this.wordVectorsOf(captions));
  }
}

export interface JointTrainingResult {
  model: TextVideoModel;
  /** The validation metrics after the last epoch. */
  metrics: RetrievalMetrics;
  /** The validation captions used, one per video. */
  valCaptions: string[];
}

function checkSet(what: string, set: CaptionedVideos): void {
  const [rows] = set.features.shape;
  if (set.features.ndim !== 2 || rows !== set.ids.length || set.captions.length !== rows) {
    throw new Error(`trainJointEmbedding: ${what}: ${set.ids.length} ids, ${set.captions.length} caption lists and features ` +
      `[${set.features.shape}]; expected one feature row and one caption list per id`);
  }
  set.captions.forEach((list, i) => {
    if (list.length === 0) throw new Error(`trainJointEmbedding: ${what}: video ${set.ids[i]} has no caption`);
  });
}

export function trainJointEmbedding(train: CaptionedVideos, val: CaptionedVideos, options: JointTrainingOptions = {}): JointTrainingResult {
  checkSet('train', train);
  checkSet('val', val);
  const {
    embdDim = 256, wordDim = 64, maxWords = 20, textEncoder = 'maxpool', epochs = 100, batchSize = 64, lr = 1e-4,
    lrDecay = 1, margin = 0.1, seed = 0,
  } = options;
  manualSeed(seed);
  const rng = new Generator(`retrieval ${seed}`);
  const text = options.wordVectors !== undefined
    ? { wordVectors: options.wordVectors }
    : { vocabulary: Vocabulary.fromSentences(train.captions.flat()) };
  const model = new TextVideoModel(text, train.features.shape[1], { embdDim, wordDim, textEncoder, maxWords });
  const optimizer = new Adam(model.parameters(), { lr });

  // One fixed caption per validation video, the same for every model compared on this set.
  const pick = new Generator('retrieval validation captions');
  const valCaptions = val.captions.map((list) => list[pick.randint(list.length)]);
  const evaluate = (): RetrievalMetrics => {
    model.eval();
    const similarity = noGrad(() => model.forward(val.features, valCaptions));
    model.train();
    return retrievalMetrics(similarity);
  };

  let metrics = evaluate();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = rng.permutation(train.ids.length);
    let total = 0;
    let batches = 0;
    // A batch of one has no negative: the last partial batch joins only when it has at least two videos.
    for (let start = 0; start + 1 < order.length; start += batchSize) {
      const rows = order.slice(start, start + batchSize);
      const captions = rows.map((row) => train.captions[row][rng.randint(train.captions[row].length)]);
      const similarity = model.forward(embedding(new Tensor(Int32Array.from(rows), [rows.length]), train.features), captions);
      const loss = maxMarginRankingLoss(similarity, margin);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      total += loss.item();
      batches++;
    }
    for (const group of optimizer.paramGroups) group.lr *= lrDecay;
    metrics = evaluate();
    options.onEpoch?.(epoch, total / batches, metrics);
  }
  return { model, metrics, valCaptions };
}
