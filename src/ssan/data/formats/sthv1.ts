/**
 * Something-Something V1 (docs/model.md#something-something-v1): JPEG frames only, a label list and
 * `<id>;<class name>` split files. Class indices follow TSM's gen_label_sthv1.py: the position of the
 * name in the sorted label list.
 */
import path from 'path';
import { countFrames } from '../frame-folder';
import { lineError, readLines } from '../text-file';
import type { VideoSplit } from '../types';
import { ReaderOptions, SplitBuilder, fileLine, resolveInside } from './split-builder';

export type SthSplit = 'train' | 'validation';

export interface SthV1Options extends ReaderOptions {
  /** The frame folders' parent, absolute or relative to root (default '20bn-something-something-v1'). */
  framesDir?: string;
}

export const STHV1_TEMPLATE = '{:05d}.jpg';
const CALLER = 'readSthV1';

export function readSthV1(root: string, split: SthSplit, options: SthV1Options = {}): VideoSplit {
  checkSthSplit(CALLER, split);
  const classes = readSortedLabels(path.join(root, 'something-something-v1-labels.csv'));
  const classIndex = new Map(classes.map((name, i) => [name, i]));
  const framesRoot = path.resolve(root, options.framesDir ?? '20bn-something-something-v1');
  const splitFile = path.join(root, `something-something-v1-${split}.csv`);
  const builder = new SplitBuilder(split === 'train', options.onWarning);

  readLines(splitFile, CALLER).forEach((text, i) => {
    const line = i + 1;
    if (text.trim() === '') return;
    const separator = text.indexOf(';');
    const id = separator < 0 ? '' : text.slice(0, separator).trim();
    if (id === '') throw lineError(CALLER, splitFile, line, `expected "<id>;<class name>", got "${text}"`);
    const className = text.slice(separator + 1).trim();
    const label = classIndex.get(className);
    if (label === undefined) {
      throw lineError(CALLER, splitFile, line, `unknown class name "${className}" (not in the label list)`);
    }
    const location = resolveInside(CALLER, fileLine(splitFile, line), framesRoot, id, 'video id');
    // The frame count is the folder's own (one listing per video), so it cannot disagree with the disk.
    const numFrames = countFrames(location, STHV1_TEMPLATE);
    if (numFrames === undefined) {
      builder.skip(`${fileLine(splitFile, line)}: video ${id}: frame folder ${location} does not exist`);
    } else {
      builder.add({ id, location, numFrames, label }, fileLine(splitFile, line));
    }
  });
  return builder.finish(`something-something-v1 ${split}`, classes, STHV1_TEMPLATE);
}

/**
 * One class name per line, returned in sorted order. The sort is by code unit, as Python's sorted() on
 * these ASCII names, not by locale, so that indices match TSM's category.txt.
 */
function readSortedLabels(file: string): string[] {
  const seen = new Map<string, number>();
  readLines(file, CALLER).forEach((text, i) => {
    const name = text.trim();
    if (name === '') return;
    const first = seen.get(name);
    if (first !== undefined) {
      throw lineError(CALLER, file, i + 1, `duplicate class name "${name}" (first on line ${first})`);
    }
    seen.set(name, i + 1);
  });
  if (seen.size === 0) throw new Error(`${CALLER}: ${file} lists no class names`);
  return [...seen.keys()].sort();
}

export function checkSthSplit(caller: string, split: string): void {
  if (split !== 'train' && split !== 'validation') {
    throw new Error(`${caller}: split must be 'train' or 'validation', got '${split}'`);
  }
}
