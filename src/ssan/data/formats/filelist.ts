/**
 * TSM/TSN file lists (spec §8.3): one video per line, `<frame folder> <num_frames> <label>`, the folder
 * relative to a root. As in TSM's VideoRecord, the frame count is taken from the list, so opening a split
 * costs no directory listing per video.
 */
import path from 'path';
import { parseFrameTemplate } from '../frame-folder';
import { lineError, readLines } from '../text-file';
import type { VideoSplit } from '../types';
import { ReaderOptions, SplitBuilder, fileLine } from './split-builder';

export interface FileListOptions extends ReaderOptions {
  /** Folder the listed frame folders are relative to. */
  root: string;
  /** Frame file template (default '{:05d}.jpg'). */
  template?: string;
  /** Class names, index = label; default 'class 0' .. 'class <largest label>'. */
  classes?: string[];
  /** A training list drops videos with fewer than 3 frames, as TSM's _parse_list (default false). */
  training?: boolean;
}

const CALLER = 'readFileList';

export function readFileList(listFile: string, options: FileListOptions): VideoSplit {
  const template = options.template ?? '{:05d}.jpg';
  parseFrameTemplate(template);
  const builder = new SplitBuilder(options.training ?? false, options.onWarning);
  let largestLabel = -1;

  readLines(listFile, CALLER).forEach((text, i) => {
    const line = i + 1;
    if (text.trim() === '') return;
    const fields = text.trim().split(/\s+/);
    if (fields.length !== 3) {
      throw lineError(CALLER, listFile, line, `expected "<folder> <num_frames> <label>", got "${text}"`);
    }
    const [folder, framesText, labelText] = fields;
    const numFrames = parseCount(framesText, 'number of frames', listFile, line);
    const label = parseCount(labelText, 'label', listFile, line);
    if (options.classes && label >= options.classes.length) {
      throw lineError(CALLER, listFile, line, `label ${label} is out of range for ${options.classes.length} classes`);
    }
    largestLabel = Math.max(largestLabel, label);
    builder.add({ id: folder, location: path.resolve(options.root, folder), numFrames, label }, fileLine(listFile, line));
  });

  const classes = options.classes ?? Array.from({ length: largestLabel + 1 }, (_, k) => `class ${k}`);
  return builder.finish(`file list ${path.basename(listFile)}`, classes, template);
}

function parseCount(text: string, what: string, file: string, line: number): number {
  if (!/^[+-]?\d+$/.test(text)) throw lineError(CALLER, file, line, `${what} must be an integer, got "${text}"`);
  const value = Number(text);
  if (value < 0) throw lineError(CALLER, file, line, `${what} must not be negative, got ${value}`);
  if (!Number.isSafeInteger(value)) throw lineError(CALLER, file, line, `${what} ${text} is too large`);
  return value;
}
