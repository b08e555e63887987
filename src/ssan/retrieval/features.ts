/**
 * Video features for retrieval from a trained classifier (any arch): the backbone's pooled feature of T
 * frames sampled TSN-style (the centre frame of each of T segments), averaged over the frames; a video
 * longer than one window is cut into windows of `windowFrames` frames, each gives a feature, and the
 * video's feature is their element-wise maximum (HowTo100M max-pools its features over time); last, L2
 * normalisation, so every video weighs the same in the joint embedding.
 *
 * The backbone of SSAN mixes frames inside (temporal attention), so its averaged feature can still tell a
 * motion from its reverse; TSN's cannot (an average of per-frame features ignores their order). That
 * difference is what the synthetic retrieval task measures.
 */
import { noGrad } from '../../autograd/grad-mode';
import { Tensor } from '../../tensor/tensor';
import { Generator } from '../../tensor/random';
import { saveSafetensors, loadSafetensors } from '../../nn/safetensors';
import { readClip } from '../data/clip-reader';
import { clipSegmentIndices } from '../data/sampling';
import type { ClipTransform } from '../data/transforms';
import type { VideoSplit } from '../data/types';
import type { TSN } from '../models/tsn';

export interface FeatureOptions {
  /** Frames per window (default: the whole video in one window). */
  windowFrames?: number;
  /** L2-normalise each video's feature (default true; false gives the raw maximum over windows). */
  normalize?: boolean;
  /** Windows per forward pass (default 8). */
  batchSize?: number;
  /** Called after each batch with the videos done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * The 1-based frame indices of each window of a video of `numFrames` frames: windows of `windowFrames`
 * consecutive frames (a last window shorter than half a window joins the one before it, so no feature
 * comes from a handful of frames), T centre-sampled frames in each.
 */
export function featureWindows(numFrames: number, numSegments: number, windowFrames = numFrames): number[][] {
  if (!Number.isInteger(windowFrames) || windowFrames < 1) {
    throw new Error(`featureWindows: windowFrames must be a positive integer, got ${windowFrames}`);
  }
  let count = Math.max(1, Math.floor(numFrames / windowFrames));
  if (numFrames - count * windowFrames >= windowFrames / 2) count++;
  const windows: number[][] = [];
  for (let w = 0; w < count; w++) {
    const first = w * windowFrames;
    const last = w === count - 1 ? numFrames : Math.min(numFrames, first + windowFrames);
    windows.push(clipSegmentIndices(last - first, numSegments, 0, 1).map((i) => first + i));
  }
  return windows;
}

/** Scales `v` to unit L2 norm in place (a zero vector stays zero, as F.normalize with its eps). */
export function l2NormalizeInPlace(v: Float32Array): Float32Array {
  let squares = 0;
  for (let i = 0; i < v.length; i++) squares += v[i] * v[i];
  const scale = 1 / Math.max(Math.sqrt(squares), 1e-12);
  for (let i = 0; i < v.length; i++) v[i] *= scale;
  return v;
}

/** One window waiting for its forward pass: which video, and its frames. */
interface PendingWindow {
  video: number;
  frames: number[];
}

/**
 * The feature of every video of `split` (id -> Float32Array, L2-normalised), from `model` in eval mode
 * with the evaluation `transform` (centre crop). The model's mode is restored afterwards.
 */
export function extractVideoFeatures(
  model: TSN, split: VideoSplit, transform: ClipTransform, options: FeatureOptions = {},
): Map<string, Float32Array> {
  const batchSize = options.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`extractVideoFeatures: batchSize must be a positive integer, got ${batchSize}`);
  }
  if (transform.train) throw new Error('extractVideoFeatures: give the evaluation transform (train: false)');
  const numSegments = model.numSegments;
  const windows: PendingWindow[] = split.records.flatMap((record, video) =>
    featureWindows(record.numFrames, numSegments, options.windowFrames ?? record.numFrames).map((frames) => ({ video, frames })));
  const pooled: (Float32Array | undefined)[] = split.records.map(() => undefined);
  // Evaluation draws no random numbers; readClip still takes a generator.
  const rng = new Generator(0);
  const wasTraining = model.training;
  model.eval();
  try {
    for (let start = 0; start < windows.length; start += batchSize) {
      const batch = windows.slice(start, start + batchSize);
      const clips = batch.map(({ video, frames }) => readClip(split.records[video], split.layout, frames, transform, rng));
      const perClip = clips[0].length;
      const input = new Float32Array(perClip * clips.length);
      clips.forEach((clip, i) => input.set(clip, i * perClip));
      const crop = transform.crop;
      const x = new Tensor(input, [clips.length, numSegments, 3, crop, crop]);
      // [B, T, D] -> [B, D]: the mean over the clip's frames.
      const features = noGrad(() => model.forwardFeatures(x).mean(1));
      const [, dim] = features.shape;
      const values = features.data as Float32Array;
      batch.forEach(({ video }, i) => {
        const feature = values.subarray(i * dim, (i + 1) * dim);
        const current = pooled[video];
        if (current === undefined) pooled[video] = Float32Array.from(feature);
        else for (let k = 0; k < dim; k++) current[k] = Math.max(current[k], feature[k]);
      });
      // Windows come in video order: every video before the next window's is complete.
      const next = windows[start + batch.length];
      options.onProgress?.(next === undefined ? split.records.length : next.video, split.records.length);
    }
  } finally {
    model.train(wasTraining);
  }
  const out = new Map<string, Float32Array>();
  const normalize = options.normalize ?? true;
  split.records.forEach((record, video) => {
    const feature = pooled[video] as Float32Array;
    out.set(record.id, normalize ? l2NormalizeInPlace(feature) : feature);
  });
  return out;
}

/** Writes features to a safetensors file, one [D] float32 tensor per video id, with `metadata`. */
export function saveVideoFeatures(file: string, features: ReadonlyMap<string, Float32Array>, metadata: Record<string, string> = {}): void {
  const tensors: Record<string, Tensor> = {};
  for (const [id, v] of features) tensors[id] = new Tensor(Float32Array.from(v), [v.length]);
  saveSafetensors(file, tensors, metadata);
}

/** Reads a file written by saveVideoFeatures: id -> feature, all of one length, and its metadata. */
export function loadVideoFeatures(file: string): { features: Map<string, Float32Array>; metadata: Record<string, string> } {
  const { tensors, metadata } = loadSafetensors(file);
  const features = new Map<string, Float32Array>();
  let dim: number | undefined;
  for (const [id, t] of Object.entries(tensors)) {
    if (t.shape.length !== 1) throw new Error(`loadVideoFeatures: ${file}: ${id} has shape [${t.shape}], expected one vector`);
    if (dim !== undefined && t.shape[0] !== dim) {
      throw new Error(`loadVideoFeatures: ${file}: ${id} has ${t.shape[0]} values, the others ${dim}`);
    }
    dim = t.shape[0];
    features.set(id, Float32Array.from(t.data as ArrayLike<number>));
  }
  return { features, metadata };
}
