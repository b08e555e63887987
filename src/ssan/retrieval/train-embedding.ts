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
import { Adam } from '../../optim/adam';
import { JointEmbedding } from './embedding';
import { maxMarginRankingLoss } from './loss';
import { retrievalMetrics, type RetrievalMetrics } from './metrics';
import { Vocabulary } from './vocabulary';

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

/** Learned word vectors in front of the joint embedding. */
export class TextVideoModel extends Module {
  readonly words: Embedding;
  readonly joint: JointEmbedding;

  constructor(readonly vocabulary: Vocabulary, videoDim: number, opts: Required<Pick<JointTrainingOptions, 'embdDim' | 'wordDim' | 'textEncoder'>>) {
    super();
    this.words = new Embedding(vocabulary.size, opts.wordDim, { paddingIdx: 0 });
    this.joint = new JointEmbedding({ videoDim, wordDim: opts.wordDim, embdDim: opts.embdDim, textEncoder: opts.textEncoder });
  }

  /** Video features [Bv, D] and word indices [Bt, maxWords] -> similarity [Bt, Bv]. */
  forward(video: Tensor, wordIds: Tensor): Tensor {
    return this.joint.forward(video, this.words.forward(wordIds));
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

/** Rows `rows` of a [N, D] float tensor, as a new [rows.length, D] tensor. */
function gatherRows(features: Tensor, rows: readonly number[]): Tensor {
  const [, dim] = features.shape;
  const source = features.data as Float32Array;
  const out = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => out.set(source.subarray(row * dim, (row + 1) * dim), i * dim));
  return new Tensor(out, [rows.length, dim]);
}

function shuffled(n: number, rng: Generator): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.randint(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
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
  const vocabulary = Vocabulary.fromSentences(train.captions.flat());
  const model = new TextVideoModel(vocabulary, train.features.shape[1], { embdDim, wordDim, textEncoder });
  const optimizer = new Adam(model.parameters(), { lr });

  // One fixed caption per validation video, the same for every model compared on this set.
  const pick = new Generator('retrieval validation captions');
  const valCaptions = val.captions.map((list) => list[pick.randint(list.length)]);
  const valWords = vocabulary.encode(valCaptions, maxWords);
  const evaluate = (): RetrievalMetrics => {
    model.eval();
    const similarity = noGrad(() => model.forward(val.features, valWords));
    model.train();
    return retrievalMetrics(similarity);
  };

  let metrics = evaluate();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = shuffled(train.ids.length, rng);
    let total = 0;
    let batches = 0;
    // A batch of one has no negative: the last partial batch joins only when it has at least two videos.
    for (let start = 0; start + 1 < order.length; start += batchSize) {
      const rows = order.slice(start, start + batchSize);
      const captions = rows.map((row) => train.captions[row][rng.randint(train.captions[row].length)]);
      const similarity = model.forward(gatherRows(train.features, rows), vocabulary.encode(captions, maxWords));
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
