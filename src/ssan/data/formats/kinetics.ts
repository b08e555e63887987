/**
 * Kinetics-400 (docs/model.md#kinetics-400): the crawler's CSV per split and, on disk, frame folders in TSM's layout
 * (`<class folder>/<youtube_id>_<time_start>/img_00001.jpg`, tools/gen_label_kinetics.py). A clip that
 * has only its .mp4 yet is extracted once with ffmpeg.
 */
import fs from 'fs';
import path from 'path';
import { countFrames } from '../frame-folder';
import { lineError, parseCsvRow, readLines } from '../text-file';
import type { VideoSplit } from '../types';
import { extractFrames, ffmpegMissingHint, hasFfmpeg } from '../video-frames';
import { ReaderOptions, SplitBuilder, fileLine, resolveInside } from './split-builder';

export type KineticsSplit = 'train' | 'val';

export interface KineticsOptions extends ReaderOptions {
  /** Class list, one name per line (default `<root>/kinetics_label_map.txt`, used when it exists; without
   *  it the classes are the sorted labels of kinetics_train.csv). */
  labelMap?: string;
  /** Parent of the class folders of frames, absolute or relative to root (default 'frames'). */
  framesDir?: string;
  /** Parent of the class folders of .mp4 clips, absolute or relative to root (default 'videos'). */
  videosDir?: string;
  /** Height of extracted frames (default 256). */
  frameHeight?: number;
}

export const KINETICS_TEMPLATE = 'img_{:05d}.jpg';
const CALLER = 'readKinetics';
const REQUIRED_COLUMNS = ['label', 'youtube_id', 'time_start', 'time_end'] as const;

/** One clip of the CSV. */
interface KineticsRow {
  line: number;
  label: string;
  youtubeId: string;
  /** As written in the CSV: TSM builds folder names from the text itself. */
  timeStart: string;
  start: number;
  end: number;
}

/** TSM's class folder name: spaces to '_', quotes and parentheses removed. */
export function kineticsLabelFolder(label: string): string {
  return label.trim().replace(/ /g, '_').replace(/["'()]/g, '');
}

export function readKinetics(root: string, split: KineticsSplit, options: KineticsOptions = {}): VideoSplit {
  if (split !== 'train' && split !== 'val') throw new Error(`${CALLER}: split must be 'train' or 'val', got '${split}'`);
  const builder = new SplitBuilder(split === 'train', options.onWarning);
  const csvFile = path.join(root, `kinetics_${split}.csv`);
  const rows = readKineticsCsv(csvFile);
  const { classes, classIndex, source } = readClasses(root, options, split === 'train' ? rows : undefined);
  const framesRoot = path.resolve(root, options.framesDir ?? 'frames');
  const videosRoot = path.resolve(root, options.videosDir ?? 'videos');
  const frameHeight = options.frameHeight ?? 256;

  for (const row of rows) {
    const where = fileLine(csvFile, row.line);
    const labelFolder = kineticsLabelFolder(row.label);
    const label = classIndex.get(labelFolder);
    if (label === undefined) throw lineError(CALLER, csvFile, row.line, `unknown class "${row.label}" (not in ${source})`);
    const id = `${row.youtubeId}_${row.timeStart}`;
    const location = resolveInside(CALLER, where, framesRoot, `${labelFolder}/${id}`, 'frame folder');
    // As for Something-Something V2, the CSV states no frame count: it is the folder's listing or what
    // extraction wrote, so it cannot disagree with the disk. Probing each .mp4 first would be a process
    // per clip at open time, for a number extraction measures anyway.
    let numFrames = countFrames(location, KINETICS_TEMPLATE);
    if (numFrames === undefined) {
      const clip = `${row.youtubeId}_${pad6(row.start)}_${pad6(row.end)}.mp4`;
      // Class folders of downloaded clips are named either way, depending on the download script.
      const video = [labelFolder, row.label]
        .map((dir) => resolveInside(CALLER, where, videosRoot, `${dir}/${clip}`, 'clip'))
        .find((f) => fs.existsSync(f));
      if (video === undefined) {
        builder.skip(`${where}: video ${id}: neither frame folder ${location} nor clip ${path.join(videosRoot, labelFolder, clip)} exists`);
        continue;
      }
      if (!hasFfmpeg()) {
        builder.skip(`${where}: video ${id}: cannot decode ${video}: ${ffmpegMissingHint(location)}`);
        continue;
      }
      try {
        numFrames = extractFrames(video, location, { template: KINETICS_TEMPLATE, height: frameHeight });
      } catch (err) {
        builder.skip(`${where}: video ${id}: ${(err as Error).message}`);
        continue;
      }
    }
    builder.add({ id, location, numFrames, label }, where);
  }
  return builder.finish(`kinetics ${split}`, classes, KINETICS_TEMPLATE);
}

const pad6 = (seconds: number) => String(seconds).padStart(6, '0');

/** Rows of a Kinetics CSV, its columns found by header name (releases differ in extra columns). */
function readKineticsCsv(file: string): KineticsRow[] {
  const lines = readLines(file, CALLER);
  if (lines.length === 0) throw new Error(`${CALLER}: ${file} is empty; expected a header line`);
  const header = parseRow(lines[0], file, 1).map((name) => name.trim());
  const column = Object.fromEntries(
    REQUIRED_COLUMNS.map((name) => {
      const at = header.indexOf(name);
      if (at < 0) {
        throw lineError(CALLER, file, 1, `header has no "${name}" column; expected ${REQUIRED_COLUMNS.join(',')},split, got "${lines[0]}"`);
      }
      return [name, at];
    }),
  ) as Record<(typeof REQUIRED_COLUMNS)[number], number>;

  const rows: KineticsRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = i + 1;
    if (lines[i].trim() === '') continue;
    const fields = parseRow(lines[i], file, line);
    if (fields.length !== header.length) {
      throw lineError(CALLER, file, line, `expected ${header.length} fields (${header.join(',')}), got ${fields.length}: "${lines[i]}"`);
    }
    const seconds = (name: 'time_start' | 'time_end') => {
      const text = fields[column[name]].trim();
      if (!/^\d+$/.test(text)) throw lineError(CALLER, file, line, `${name} must be whole seconds, got "${text}"`);
      return Number(text);
    };
    const label = fields[column.label].trim();
    const youtubeId = fields[column.youtube_id].trim();
    if (label === '' || youtubeId === '') throw lineError(CALLER, file, line, `empty label or youtube_id in "${lines[i]}"`);
    const start = seconds('time_start');
    rows.push({ line, label, youtubeId, timeStart: fields[column.time_start].trim(), start, end: seconds('time_end') });
  }
  return rows;
}

function parseRow(text: string, file: string, line: number): string[] {
  try {
    return parseCsvRow(text);
  } catch (err) {
    throw lineError(CALLER, file, line, `${(err as Error).message}: "${text}"`);
  }
}

interface Classes {
  classes: string[];
  /** Class index by TSM class folder name, so that label spellings that differ only in quotes agree. */
  classIndex: Map<string, number>;
  /** Where the classes came from, for messages. */
  source: string;
}

function readClasses(root: string, options: KineticsOptions, trainRows: KineticsRow[] | undefined): Classes {
  const labelMap = options.labelMap ?? path.join(root, 'kinetics_label_map.txt');
  if (options.labelMap !== undefined || fs.existsSync(labelMap)) {
    const classes: string[] = [];
    const classIndex = new Map<string, number>();
    const firstLine = new Map<string, number>();
    readLines(labelMap, CALLER).forEach((text, i) => {
      const name = text.trim();
      if (name === '') return;
      const folder = kineticsLabelFolder(name);
      const first = firstLine.get(folder);
      if (first !== undefined) throw lineError(CALLER, labelMap, i + 1, `class "${name}" repeats line ${first}`);
      firstLine.set(folder, i + 1);
      classIndex.set(folder, classes.length);
      classes.push(name);
    });
    return { classes, classIndex, source: labelMap };
  }
  const trainCsv = path.join(root, 'kinetics_train.csv');
  if (trainRows === undefined && !fs.existsSync(trainCsv)) {
    throw new Error(`${CALLER}: need ${labelMap} or ${trainCsv} to number the classes; neither exists`);
  }
  const rows = trainRows ?? readKineticsCsv(trainCsv);
  // Python's sorted() order (code units), as a label map generated from the CSV would have.
  const classes = [...new Set(rows.map((row) => row.label))].sort();
  const classIndex = new Map<string, number>();
  classes.forEach((name, i) => {
    const folder = kineticsLabelFolder(name);
    const other = classIndex.get(folder);
    if (other !== undefined) {
      throw new Error(`${CALLER}: ${trainCsv}: classes "${classes[other]}" and "${name}" share the folder name "${folder}"`);
    }
    classIndex.set(folder, i);
  });
  options.onWarning?.(`${CALLER}: no ${labelMap}; classes are the ${classes.length} sorted labels of ${trainCsv}`);
  return { classes, classIndex, source: trainCsv };
}
