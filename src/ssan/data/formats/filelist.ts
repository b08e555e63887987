/**
 * TSM/TSN file lists (docs/model.md#file-lists): one video per line, `<frame folder> <num_frames> <label>`, the folder
 * relative to a root. The list is checked when it is read, so that a bad line stops a run before it trains
 * rather than after an epoch: folders must stay inside the root, labels must name a class, and a
 * `num_frames` larger than the frames in the folder is an error (one directory listing per video, the
 * same cost as opening a Something-Something V1 split, where the count comes from the listing anyway).
 */
import path from 'path';
import { countFrames, parseFrameTemplate } from '../frame-folder';
import { lineError, readLines } from '../text-file';
import type { VideoSplit } from '../types';
import { ReaderOptions, SplitBuilder, fileLine, resolveInside } from './split-builder';

export interface FileListOptions extends ReaderOptions {
  /** Folder the listed frame folders are relative to; no folder may lead outside it. */
  root: string;
  /** Frame file template (default '{:05d}.jpg'). */
  template?: string;
  /** Class names, index = label: every label must be below their count. */
  classes?: string[];
  /**
   * Without `classes`, the training list whose labels number the classes: 0 .. its largest label, each
   * with at least one video there. This list's labels must then be below that count. When neither is
   * given, the list numbers its own classes in the same way (right for a training list).
   */
  trainList?: string;
  /** A training list drops videos with fewer than 3 frames, as TSM's _parse_list (default false). */
  training?: boolean;
}

/** TSM's name for the class list of its file lists (one name per line, index = line order). */
export const FILE_LIST_CLASSES = 'category.txt';

const CALLER = 'readFileList';

/** One line of a file list, parsed and not yet checked against the disk. */
interface ListEntry {
  line: number;
  folder: string;
  numFrames: number;
  label: number;
}

export function readFileList(listFile: string, options: FileListOptions): VideoSplit {
  const template = options.template ?? '{:05d}.jpg';
  parseFrameTemplate(template);
  const entries = parseFileList(listFile);
  const classes = options.classes ?? numberedClasses(options.trainList ?? listFile, options.trainList ? undefined : entries);
  const classSource = options.classes ? 'the class list' : `the classes numbered by ${options.trainList ?? 'this list'}`;
  for (const entry of entries) {
    if (entry.label >= classes.length) {
      throw lineError(CALLER, listFile, entry.line,
        `label ${entry.label} is out of range for ${classes.length} classes (${classSource}); expected 0..${classes.length - 1}`);
    }
  }
  // Every path is checked before any folder is listed, so that a bad line is reported without a wait.
  const locations = entries.map((entry) =>
    resolveInside(CALLER, fileLine(listFile, entry.line), options.root, entry.folder, 'frame folder'));

  const builder = new SplitBuilder(options.training ?? false, options.onWarning);
  entries.forEach((entry, i) => {
    const where = fileLine(listFile, entry.line);
    const location = locations[i];
    const present = countFrames(location, template);
    if (present === undefined) {
      // As in the other formats, a missing video is skipped (datasets are often downloaded incompletely);
      // a folder that holds fewer frames than the list says means the list was made for other frames.
      builder.skip(`${where}: video ${entry.folder}: frame folder ${location} does not exist`);
      return;
    }
    if (present < entry.numFrames) {
      throw lineError(CALLER, listFile, entry.line,
        `num_frames is ${entry.numFrames} but ${location} holds only ${present} frame(s) named like '${template}'; ` +
          `expected at least ${entry.numFrames} (was the list made for other frames, or with another template?)`);
    }
    builder.add({ id: entry.folder, location, numFrames: entry.numFrames, label: entry.label }, where);
  });
  return builder.finish(`file list ${path.basename(listFile)}`, classes, template);
}

/**
 * Class names from a class list file such as TSM's category.txt: one per line, index = position among
 * the non-empty lines; a repeated name is an error naming both lines.
 */
export function readClassList(file: string): string[] {
  const classes: string[] = [];
  const firstLine = new Map<string, number>();
  readLines(file, CALLER).forEach((text, i) => {
    const name = text.trim();
    if (name === '') return;
    const first = firstLine.get(name);
    if (first !== undefined) throw lineError(CALLER, file, i + 1, `duplicate class name "${name}" (first on line ${first})`);
    firstLine.set(name, i + 1);
    classes.push(name);
  });
  if (classes.length === 0) throw new Error(`${CALLER}: ${file} lists no class names`);
  return classes;
}

/**
 * Classes 'class 0' .. 'class <largest label>' of a list with no class list beside it. Every class up to
 * the largest label must have a video in the list: a gap means a label that is wrong (a 500 among 174
 * classes would otherwise build a 501-class model) or a class list that is missing, and either way the
 * model would be built with outputs no video trains.
 */
function numberedClasses(listFile: string, entries: ListEntry[] | undefined): string[] {
  const all = entries ?? parseFileList(listFile);
  if (all.length === 0) throw new Error(`${CALLER}: ${listFile} lists no videos, so it cannot number the classes`);
  let largest = all[0];
  const seen = new Set<number>();
  for (const entry of all) {
    seen.add(entry.label);
    if (entry.label > largest.label) largest = entry;
  }
  const count = largest.label + 1;
  if (seen.size < count) {
    const missing = Array.from({ length: count }, (_, k) => k).filter((k) => !seen.has(k));
    throw lineError(CALLER, listFile, largest.line,
      `label ${largest.label} makes ${count} classes, but ${missing.length} of them (${describeLabels(missing)}) have no video ` +
        `in this list; with no class list (${FILE_LIST_CLASSES}) the classes are 0 .. the largest label, each with videos, ` +
        'so fix the label or give the class list');
  }
  return Array.from({ length: count }, (_, k) => `class ${k}`);
}

/** '3', '3, 5, 9' or '3, 5, 9 and 12 more', short enough for one message. */
function describeLabels(labels: number[]): string {
  const shown = labels.slice(0, 3).join(', ');
  return labels.length > 3 ? `${shown} and ${labels.length - 3} more` : shown;
}

/** The lines of a list, each checked for its three fields; nothing on disk is looked at. */
function parseFileList(listFile: string): ListEntry[] {
  const entries: ListEntry[] = [];
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
    entries.push({ line, folder, numFrames, label });
  });
  return entries;
}

function parseCount(text: string, what: string, file: string, line: number): number {
  if (!/^[+-]?\d+$/.test(text)) throw lineError(CALLER, file, line, `${what} must be an integer, got "${text}"`);
  const value = Number(text);
  if (value < 0) throw lineError(CALLER, file, line, `${what} must not be negative, got ${value}`);
  if (!Number.isSafeInteger(value)) throw lineError(CALLER, file, line, `${what} ${text} is too large`);
  return value;
}
