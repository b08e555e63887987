/**
 * The shapes every part of the data pipeline agrees on. A dataset split is plain data (records and
 * where their frames are), so that it can be handed to a decoding worker thread as it is.
 */

/** One video of a split: where its frames are, how many there are, and its class. */
export interface VideoRecord {
  /** The dataset's own id for the video (folder name, numeric id, youtube id): used in messages. */
  id: string;
  /** The video's frame folder (absolute path). */
  location: string;
  /** Frames in the folder; frame files are numbered from 1 (docs/model.md#segment-sampling). */
  numFrames: number;
  /** Class index, 0-based. */
  label: number;
}

/** How frame i (1-based) of a record is named inside its folder. */
export interface FrameLayout {
  /** A Python-style template with one integer field: '{:05d}.jpg' (V1), '{:06d}.jpg' (V2), 'img_{:05d}.jpg' (TSM Kinetics). */
  template: string;
}

/** One split of a dataset, ready for sampling. */
export interface VideoSplit {
  /** Human-readable name, e.g. 'something-something-v1 train'. */
  name: string;
  /** Class names, index = label. */
  classes: string[];
  records: VideoRecord[];
  layout: FrameLayout;
  /** Lines that could not be used (a video folder that is missing, say), each with its file and line. */
  skipped: string[];
}

/** An 8-bit RGB image, pixels interleaved row by row: data.length === width * height * 3. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}
