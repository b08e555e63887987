/**
 * Something-Something V2 (docs/model.md#something-something-v2): webm videos and JSON annotations. Class index =
 * labels[template without '[' and ']'] as in TSM's gen_label_sthv2.py. Frames are read from a frame
 * folder per video; a video that has none yet is extracted once with ffmpeg (TSM vid2img_sthv2.py).
 */
import fs from 'fs';
import path from 'path';
import { countFrames } from '../frame-folder';
import { JsonDocument, readJsonFile } from '../text-file';
import type { VideoSplit } from '../types';
import { extractFrames, ffmpegMissingHint, hasFfmpeg } from '../video-frames';
import { ReaderOptions, SplitBuilder, resolveInside } from './split-builder';
import { SthSplit, checkSthSplit } from './sthv1';

export interface SthV2Options extends ReaderOptions {
  /** Where frame folders are read and extracted to, absolute or relative to root
   *  (default '20bn-something-something-v2-frames'). */
  framesDir?: string;
  /** Where the .webm videos are, absolute or relative to root (default '20bn-something-something-v2'). */
  videosDir?: string;
  /** Height of extracted frames (default 256, as TSM). */
  frameHeight?: number;
}

export const STHV2_TEMPLATE = '{:06d}.jpg';
const CALLER = 'readSthV2';

export function readSthV2(root: string, split: SthSplit, options: SthV2Options = {}): VideoSplit {
  checkSthSplit(CALLER, split);
  const classes = readLabels(path.join(root, 'something-something-v2-labels.json'));
  const classIndex = new Map(classes.map((name, i) => [name, i]));
  const framesRoot = path.resolve(root, options.framesDir ?? '20bn-something-something-v2-frames');
  const videosRoot = path.resolve(root, options.videosDir ?? '20bn-something-something-v2');
  const frameHeight = options.frameHeight ?? 256;
  const builder = new SplitBuilder(split === 'train', options.onWarning);

  const doc = readJsonFile(path.join(root, `something-something-v2-${split}.json`), CALLER);
  if (!Array.isArray(doc.value)) throw new Error(`${CALLER}: ${doc.file}: expected a JSON array of video records`);
  doc.value.forEach((entry: unknown, index) => {
    const where = recordPlace(doc, index);
    const record = entry as { id?: unknown; template?: unknown } | null;
    const id = record?.id;
    if ((typeof id !== 'string' && typeof id !== 'number') || String(id).trim() === '') {
      throw new Error(`${CALLER}: ${where}: expected a record with an "id", got ${JSON.stringify(entry)}`);
    }
    if (typeof record?.template !== 'string') {
      throw new Error(`${CALLER}: ${where}: video ${id}: expected a "template" string`);
    }
    const template = record.template.replace(/[[\]]/g, '');
    const label = classIndex.get(template);
    if (label === undefined) {
      throw new Error(`${CALLER}: ${where}: video ${id}: unknown template "${template}" (not in the labels file)`);
    }
    const videoId = String(id).trim();
    const location = resolveInside(CALLER, where, framesRoot, videoId, 'video id');
    const video = resolveInside(CALLER, where, videosRoot, `${videoId}.webm`, 'video file');
    // The annotations state no frame count, so there is none to check: it is the frame folder's listing,
    // or what ffmpeg wrote when extracting the video, and cannot promise frames that are not there. Asking
    // each .webm for its count beforehand would cost an ffprobe process per video (WebM headers usually
    // hold no count, so it would decode the stream) to learn what extraction finds anyway.
    let numFrames = countFrames(location, STHV2_TEMPLATE);
    if (numFrames === undefined) {
      if (!fs.existsSync(video)) {
        builder.skip(`${where}: video ${videoId}: neither frame folder ${location} nor video ${video} exists`);
        return;
      }
      if (!hasFfmpeg()) {
        builder.skip(`${where}: video ${videoId}: cannot decode ${video}: ${ffmpegMissingHint(location)}`);
        return;
      }
      try {
        numFrames = extractFrames(video, location, { template: STHV2_TEMPLATE, height: frameHeight });
      } catch (err) {
        builder.skip(`${where}: video ${videoId}: ${(err as Error).message}`);
        return;
      }
    }
    builder.add({ id: videoId, location, numFrames, label }, where);
  });
  return builder.finish(`something-something-v2 ${split}`, classes, STHV2_TEMPLATE);
}

/** `<file> record i (line N)`: the index is 0-based, as in the JSON array. */
function recordPlace(doc: JsonDocument, index: number): string {
  const line = doc.elementLine(index);
  return `${doc.file} record ${index}${line === undefined ? '' : ` (line ${line})`}`;
}

/** The labels file maps each template (brackets removed) to its index as a string: "0" .. "173". */
function readLabels(file: string): string[] {
  const doc = readJsonFile(file, CALLER);
  const value = doc.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${CALLER}: ${file}: expected a JSON object mapping each template to its class index`);
  }
  const classes: string[] = [];
  for (const [template, raw] of Object.entries(value)) {
    const index = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
      throw new Error(`${CALLER}: ${file}: class "${template}" has index ${JSON.stringify(raw)}, expected "0", "1", ...`);
    }
    if (classes[index] !== undefined) {
      throw new Error(`${CALLER}: ${file}: classes "${classes[index]}" and "${template}" share index ${index}`);
    }
    classes[index] = template;
  }
  const count = Object.keys(value).length;
  if (count === 0 || classes.length !== count) {
    throw new Error(`${CALLER}: ${file}: class indices must be 0..${count - 1} without gaps`);
  }
  return classes;
}
