/**
 * Evaluation: one model or an ensemble, one clip per video or several. Every clip of every model gives a
 * softmax; a video's score is their mean (the paper's SSA_En averages models; docs/model.md#evaluation), and its loss
 * is -log of the mean probability of its class, which for one model and one clip is the cross-entropy
 * of its logits. Models of an ensemble may read different sources (8 and 16 frames, say): predictions
 * are matched by video.
 */
import type { Module } from '../../nn/module';
import { noGrad } from '../../autograd/grad-mode';
import type { Tensor } from '../../tensor/tensor';
import { turnEventLoop, type BatchSource } from './batch-source';
import { ClassificationMeter, ClassificationMetrics } from '../../train/meter';

export interface EvaluateOptions {
  numClasses: number;
  /** Clips per video the source gives (its clips are adjacent in each batch). */
  numClips?: number;
  /** Which epoch of the source to read (validation sources give the same batches every epoch). */
  epoch?: number;
  /** Called after each batch with the batches done. */
  onBatch?: (done: number, total: number) => void;
  /**
   * Asked between batches; when it returns true, evaluation stops with an EvaluationStoppedError (fit
   * stops its validation this way on Ctrl-C).
   */
  shouldStop?: () => boolean;
}

/** Evaluation was stopped by its shouldStop option before it saw every batch. */
export class EvaluationStoppedError extends Error {
  constructor(readonly batchesDone: number, readonly batches: number) {
    super(`evaluate: stopped after ${batchesDone} of ${batches} batches`);
  }
}

export interface EvaluationResult extends ClassificationMetrics {
  /** Videos the source skipped (missing or corrupt frames). */
  skipped: { id: string; reason: string }[];
}

type Forward = Module & { forward(x: Tensor): Tensor };

/** One model's predictions: per video (by its position in the source), log of the mean softmax of its clips. */
export interface Predictions {
  numClasses: number;
  logProbs: Map<number, Float64Array>;
  labels: Map<number, number>;
  skipped: { id: string; reason: string }[];
}

/** Evaluates a model, or an ensemble reading the same source. */
export async function evaluate(models: Forward | Forward[], source: BatchSource, opts: EvaluateOptions): Promise<EvaluationResult> {
  const list = Array.isArray(models) ? models : [models];
  if (list.length === 0) throw new Error('evaluate: expected at least one model');
  return scorePredictions(await collect(list, source, opts));
}

/** One model's predictions on a source, to combine with scorePredictions. */
export async function predict(model: Forward, source: BatchSource, opts: EvaluateOptions): Promise<Predictions> {
  const [result] = await collect([model], source, opts);
  return result;
}

async function collect(models: Forward[], source: BatchSource, opts: EvaluateOptions): Promise<Predictions[]> {
  const perModel = models.map(() => ({ logProbs: new Map<number, Float64Array>(), labels: new Map<number, number>() }));
  const wasTraining = models.map((m) => m.training);
  models.forEach((m) => m.eval());
  let done = 0;
  let position = 0;
  try {
    for await (const batch of source.epoch(opts.epoch ?? 0)) {
      // Lets a Ctrl-C (or a timer) be handled between batches, then honours a stop it asked for.
      await turnEventLoop();
      if (opts.shouldStop?.()) throw new EvaluationStoppedError(done, source.batchesPerEpoch);
      const keys = videoKeys(batch.recordIndices, batch.labels.shape[0], position);
      position += keys.length;
      models.forEach((m, i) => addBatch(perModel[i], m, batch.clips, batch.labels, keys, opts));
      done++;
      opts.onBatch?.(done, source.batchesPerEpoch);
    }
  } finally {
    models.forEach((m, i) => m.train(wasTraining[i]));
  }
  return perModel.map((p) => ({ numClasses: opts.numClasses, ...p, skipped: [...source.lastEpochSkipped] }));
}

/**
 * Metrics of the mean softmax of several predictions (one model: its own). A video counts when every
 * prediction has it; one that a source skipped is left out and reported.
 */
export function scorePredictions(predictions: Predictions[]): EvaluationResult {
  if (predictions.length === 0) throw new Error('scorePredictions: expected at least one set of predictions');
  const numClasses = predictions[0].numClasses;
  const meter = new ClassificationMeter(numClasses);
  const skipped = new Map<string, { id: string; reason: string }>();
  for (const p of predictions) for (const s of p.skipped) skipped.set(s.id, s);
  let scored = 0;
  for (const [key, label] of predictions[0].labels) {
    const rows = predictions.map((p) => p.logProbs.get(key));
    if (rows.some((r) => r === undefined)) continue;
    const scores = logMeanExp(rows as Float64Array[], numClasses);
    meter.add(scores, [label], -scores[label]);
    scored++;
  }
  // Metrics of no video would be NaN and read as a result; say why instead.
  if (scored === 0) {
    const first = skipped.values().next().value;
    throw new Error(
      `evaluate: no video could be scored (${skipped.size} skipped` +
        (first ? `; the first, ${first.id}: ${first.reason})` : ', or the predictions share no video)'),
    );
  }
  return { ...meter.result(), skipped: [...skipped.values()] };
}

function videoKeys(recordIndices: number[] | undefined, videos: number, position: number): number[] {
  if (recordIndices && recordIndices.length === videos) return recordIndices;
  return Array.from({ length: videos }, (_, i) => position + i);
}

function addBatch(
  into: { logProbs: Map<number, Float64Array>; labels: Map<number, number> },
  model: Forward, clips: Tensor, labels: Tensor, keys: number[], opts: EvaluateOptions,
): void {
  const { numClasses, numClips = 1 } = opts;
  const logits = noGrad(() => model.forward(clips));
  if (logits.ndim !== 2 || logits.shape[1] !== numClasses || logits.shape[0] !== keys.length * numClips) {
    throw new Error(
      `evaluate: the model gave logits of shape [${logits.shape.join(', ')}] for ${keys.length} videos x ${numClips} clips; ` +
        `expected [${keys.length * numClips}, ${numClasses}]`,
    );
  }
  const rows = logSoftmaxRows(logits.data, numClasses);
  const labelValues = labels.data;
  keys.forEach((key, v) => {
    into.logProbs.set(key, logMeanExp(rows.slice(v * numClips, (v + 1) * numClips), numClasses));
    into.labels.set(key, labelValues[v]);
  });
}

/** log softmax of each row of logits [rows, classes], in float64. */
function logSoftmaxRows(x: ArrayLike<number>, numClasses: number): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let r = 0; r < x.length / numClasses; r++) {
    const row = r * numClasses;
    let max = -Infinity;
    for (let j = 0; j < numClasses; j++) max = Math.max(max, x[row + j]);
    let sum = 0;
    for (let j = 0; j < numClasses; j++) sum += Math.exp(x[row + j] - max);
    const logSum = max + Math.log(sum);
    const out = new Float64Array(numClasses);
    for (let j = 0; j < numClasses; j++) out[j] = x[row + j] - logSum;
    rows.push(out);
  }
  return rows;
}

/**
 * log of the mean of exp(rows), per class: the log of the averaged probabilities, taken through
 * log-sum-exp so that a confident wrong answer gives a large finite loss, not log(0).
 */
function logMeanExp(rows: Float64Array[], numClasses: number): Float64Array {
  const out = new Float64Array(numClasses);
  const logCount = Math.log(rows.length);
  for (let j = 0; j < numClasses; j++) {
    let max = -Infinity;
    for (const r of rows) max = Math.max(max, r[j]);
    let sum = 0;
    for (const r of rows) sum += Math.exp(r[j] - max);
    out[j] = max + Math.log(sum) - logCount;
  }
  return out;
}
