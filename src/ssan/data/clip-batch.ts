/**
 * Decoding one batch of a ClipLoader: the same function runs on the calling thread (workers = 0) and in
 * the decoding workers, so a batch does not depend on where it was made.
 *
 * Each video's random choices come from its own generator, seeded by (seed, epoch, record index), never
 * from a stream shared across videos: that is what makes batches independent of the number of workers,
 * of the prefetch depth and of where an epoch is resumed.
 */
import { Generator } from '../../tensor/random';
import { FrameError, readClip } from './clip-reader';
import { clipSegmentIndices, trainSegmentIndices } from './sampling';
import type { ClipTransform } from './transforms';
import type { VideoSplit } from './types';

/** What a decoder needs besides the split; plain data, so it can be posted to a worker. */
export interface ClipSettings {
  numSegments: number;
  /** Random segment frames when true; centre (or multi-clip) frames when false. */
  train: boolean;
  numClips: number;
  transform: ClipTransform;
  seed: number | string;
}

export interface SkippedVideo {
  id: string;
  file: string;
  reason: string;
}

/** A decoded batch, before it becomes tensors: plain typed arrays, so workers can transfer them. */
export interface DecodedBatch {
  /** [kept.length · numClips, T, 3, crop, crop], the clips of one video adjacent. */
  clips: Float32Array;
  labels: Int32Array;
  /** The record indices that were decoded, in batch order (the skipped ones left out). */
  kept: number[];
  skipped: SkippedVideo[];
}

/** The generator for one video's random choices in one epoch. */
export function videoGenerator(seed: number | string, epoch: number, recordIndex: number): Generator {
  return new Generator(`${seed}:${epoch}:${recordIndex}`);
}

/** The numClips clips of one video, in clip order. */
function decodeVideo(split: VideoSplit, settings: ClipSettings, epoch: number, recordIndex: number): Float32Array[] {
  const record = split.records[recordIndex];
  const rng = videoGenerator(settings.seed, epoch, recordIndex);
  const clips: Float32Array[] = [];
  for (let clip = 0; clip < settings.numClips; clip++) {
    const indices = settings.train
      ? trainSegmentIndices(record.numFrames, settings.numSegments, rng)
      : clipSegmentIndices(record.numFrames, settings.numSegments, clip, settings.numClips);
    clips.push(readClip(record, split.layout, indices, settings.transform, rng));
  }
  return clips;
}

/**
 * Decodes the videos `recordIndices` of `split` for epoch `epoch`. A video with a FrameError is left out
 * and reported in `skipped`; any other error propagates.
 */
export function decodeBatch(split: VideoSplit, settings: ClipSettings, epoch: number, recordIndices: readonly number[]): DecodedBatch {
  const parts: Float32Array[] = [];
  const kept: number[] = [];
  const skipped: SkippedVideo[] = [];
  for (const recordIndex of recordIndices) {
    try {
      parts.push(...decodeVideo(split, settings, epoch, recordIndex));
      kept.push(recordIndex);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      skipped.push({ id: err.videoId, file: err.file, reason: err.reason });
    }
  }
  const clips = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    clips.set(part, offset);
    offset += part.length;
  }
  const labels = Int32Array.from(kept, (recordIndex) => split.records[recordIndex].label);
  return { clips, labels, kept, skipped };
}
