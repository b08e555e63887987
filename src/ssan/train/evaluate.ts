/**
 * Evaluation: one model or an ensemble, one clip per video or several. Every clip of every model gives a
 * softmax; a video's score is their mean (the paper's SSA_En averages models; spec §7.3), and its loss
 * is -log of the mean probability of its class, which for one model and one clip is the cross-entropy
 * of its logits.
 */
import type { Module } from '../../nn/module';
import { noGrad } from '../../autograd/grad-mode';
import type { Tensor } from '../../tensor/tensor';
import type { BatchSource } from './batch-source';
import { ClassificationMeter, ClassificationMetrics } from './meter';

export interface EvaluateOptions {
  numClasses: number;
  /** Clips per video the source gives (its clips are adjacent in each batch). */
  numClips?: number;
  /** Which epoch of the source to read (validation sources give the same batches every epoch). */
  epoch?: number;
  /** Called after each batch with the batches done. */
  onBatch?: (done: number, total: number) => void;
}

export interface EvaluationResult extends ClassificationMetrics {
  /** Videos the source skipped (missing or corrupt frames). */
  skipped: { id: string; reason: string }[];
}

type Forward = Module & { forward(x: Tensor): Tensor };

export async function evaluate(models: Forward | Forward[], source: BatchSource, opts: EvaluateOptions): Promise<EvaluationResult> {
  const list = Array.isArray(models) ? models : [models];
  if (list.length === 0) throw new Error('evaluate: expected at least one model');
  const { numClasses, numClips = 1 } = opts;
  const wasTraining = list.map((m) => m.training);
  list.forEach((m) => m.eval());
  const meter = new ClassificationMeter(numClasses);
  let done = 0;
  try {
    for await (const batch of source.epoch(opts.epoch ?? 0)) {
      const labels = batch.labels.data;
      const logProbs = noGrad(() => list.map((m) => logSoftmaxRows(m.forward(batch.clips), numClasses)));
      const scores = meanLogProbabilities(logProbs, labels.length, numClips, numClasses);
      let lossSum = 0;
      for (let i = 0; i < labels.length; i++) lossSum -= scores[i * numClasses + labels[i]];
      meter.add(scores, labels, lossSum / labels.length);
      opts.onBatch?.(++done, source.batchesPerEpoch);
    }
  } finally {
    list.forEach((m, i) => m.train(wasTraining[i]));
  }
  return { ...meter.result(), skipped: [...source.lastEpochSkipped] };
}

/** log softmax of each row of logits [rows, classes], in float64. */
function logSoftmaxRows(logits: Tensor, numClasses: number): Float64Array {
  if (logits.ndim !== 2 || logits.shape[1] !== numClasses) {
    throw new Error(`evaluate: the model gave logits of shape [${logits.shape.join(', ')}]; expected [clips, ${numClasses}]`);
  }
  const x = logits.data;
  const out = new Float64Array(x.length);
  for (let r = 0; r < logits.shape[0]; r++) {
    const row = r * numClasses;
    let max = -Infinity;
    for (let j = 0; j < numClasses; j++) max = Math.max(max, x[row + j]);
    let sum = 0;
    for (let j = 0; j < numClasses; j++) sum += Math.exp(x[row + j] - max);
    const logSum = max + Math.log(sum);
    for (let j = 0; j < numClasses; j++) out[row + j] = x[row + j] - logSum;
  }
  return out;
}

/**
 * log of the mean over models and clips of the softmax probabilities, per video: [videos, classes]. Taken
 * through log-sum-exp so that a confident wrong answer gives a large finite loss, not log(0).
 */
function meanLogProbabilities(logProbs: Float64Array[], videos: number, numClips: number, numClasses: number): Float64Array {
  const rows = videos * numClips;
  for (const lp of logProbs) {
    if (lp.length !== rows * numClasses) {
      throw new Error(`evaluate: ${lp.length / numClasses} clips of logits for ${videos} videos x ${numClips} clips; expected ${rows}`);
    }
  }
  const out = new Float64Array(videos * numClasses);
  const logCount = Math.log(logProbs.length * numClips);
  for (let v = 0; v < videos; v++) {
    for (let j = 0; j < numClasses; j++) {
      let max = -Infinity;
      for (const lp of logProbs) for (let k = 0; k < numClips; k++) max = Math.max(max, lp[(v * numClips + k) * numClasses + j]);
      let sum = 0;
      for (const lp of logProbs) for (let k = 0; k < numClips; k++) sum += Math.exp(lp[(v * numClips + k) * numClasses + j] - max);
      out[v * numClasses + j] = max + Math.log(sum) - logCount;
    }
  }
  return out;
}
