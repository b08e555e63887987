/**
 * What every reader does with a video once it has found it: keep it, or record why not. Shared so that
 * the rules (TSM's `_parse_list` drops training videos under 3 frames) and the messages are the same in
 * every format.
 */
import path from 'path';
import type { VideoRecord, VideoSplit } from '../types';

/** Options every reader takes. */
export interface ReaderOptions {
  /** Told about each skipped video and each fallback taken; readers never print by themselves. */
  onWarning?: (message: string) => void;
}

/** TSM `_parse_list`: training clips shorter than this are dropped. */
export const MIN_TRAIN_FRAMES = 3;

export class SplitBuilder {
  private readonly records: VideoRecord[] = [];
  private readonly skipped: string[] = [];

  constructor(
    private readonly training: boolean,
    private readonly onWarning?: (message: string) => void,
  ) {}

  /** Records a video that cannot be used; `message` must name the file and line it came from. */
  skip(message: string): void {
    this.skipped.push(message);
    this.onWarning?.(message);
  }

  /** Keeps `record` unless it has no frames, or too few for training; `where` is '<file> line N'. */
  add(record: VideoRecord, where: string): void {
    if (record.numFrames === 0) {
      this.skip(`${where}: video ${record.id}: no frames in ${record.location}`);
    } else if (this.training && record.numFrames < MIN_TRAIN_FRAMES) {
      this.skip(
        `${where}: video ${record.id}: ${record.numFrames} frame(s), fewer than ${MIN_TRAIN_FRAMES}; ` +
          `dropped from training as TSM does`,
      );
    } else {
      this.records.push(record);
    }
  }

  finish(name: string, classes: string[], template: string): VideoSplit {
    return { name, classes, records: this.records, layout: { template }, skipped: this.skipped };
  }
}

/** `<file> line N`, the prefix of every skipped message. */
export function fileLine(file: string, line: number): string {
  return `${file} line ${line}`;
}

/**
 * `name` (a folder or file named by a split file) resolved against `base`, which it must stay inside: a
 * `../` or an absolute path that leads elsewhere would make a training run read, or ffmpeg write, files
 * the dataset does not own. The test is on the text of the path, not on where symbolic links lead, since
 * linking frame folders in from another disk is an ordinary way to lay out a dataset.
 * Throws `<caller>: <where>: <what> "<name>" leads outside <base> ...`; `where` is '<file> line N'.
 */
export function resolveInside(caller: string, where: string, base: string, name: string, what: string): string {
  const inside = path.resolve(base);
  const resolved = path.resolve(inside, name);
  const relative = path.relative(inside, resolved);
  const leaves = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  if (leaves || relative === '') {
    throw new Error(
      `${caller}: ${where}: ${what} "${name}" leads ${leaves ? `outside ${inside} (to ${resolved})` : `to ${inside} itself`}; ` +
        `expected a path inside ${inside}`,
    );
  }
  return resolved;
}
