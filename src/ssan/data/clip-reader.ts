/**
 * Reads one clip of a video from its frame folder: decode the chosen frames, check they agree in size,
 * transform. Problems with the data on disk are FrameErrors, which the loader answers by skipping the
 * video; anything else (a bad argument, a bug) stays an ordinary Error.
 */
import path from 'path';
import type { Generator } from '../../tensor/random';
import { formatFrameName } from './frame-folder';
import { readJpeg } from './jpeg';
import { transformClip, type ClipTransform } from './transforms';
import type { FrameLayout, RgbImage, VideoRecord } from './types';

/** A frame of a video that cannot be used: missing, unreadable, not a JPEG, or of another size. */
export class FrameError extends Error {
  constructor(
    readonly videoId: string,
    readonly file: string,
    readonly reason: string,
  ) {
    super(`video ${videoId}: frame ${file}: ${reason}`);
    this.name = 'FrameError';
  }
}

function readFrame(record: VideoRecord, file: string): RgbImage {
  try {
    return readJpeg(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new FrameError(record.id, file, reason);
  }
}

/**
 * The clip made of frames `frameIndices` (1-based) of `record`, as float32 [T, 3, crop, crop]; the random
 * crop and flip are drawn from `rng` (see planClip). A frame repeated in the indices is decoded once.
 */
export function readClip(
  record: VideoRecord, layout: FrameLayout, frameIndices: readonly number[], transform: ClipTransform, rng: Generator,
): Float32Array {
  if (frameIndices.length === 0) throw new Error(`readClip: no frame indices given for video ${record.id}`);
  const decoded = new Map<number, RgbImage>();
  const frames: RgbImage[] = [];
  let first: { file: string; image: RgbImage } | undefined;
  for (const index of frameIndices) {
    if (!Number.isInteger(index) || index < 1 || index > record.numFrames) {
      throw new Error(`readClip: frame index ${index} is outside 1..${record.numFrames} for video ${record.id}`);
    }
    let image = decoded.get(index);
    if (image === undefined) {
      const file = path.join(record.location, formatFrameName(layout.template, index));
      image = readFrame(record, file);
      decoded.set(index, image);
      if (first === undefined) {
        first = { file, image };
      } else if (image.width !== first.image.width || image.height !== first.image.height) {
        throw new FrameError(record.id, file,
          `is ${image.width}x${image.height} but ${path.basename(first.file)} is ${first.image.width}x${first.image.height}`);
      }
    }
    frames.push(image);
  }
  return transformClip(frames, transform, rng);
}
