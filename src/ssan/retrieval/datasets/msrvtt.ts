/**
 * MSR-VTT for text-to-video retrieval (docs/model.md#msr-vtt), in the files HowTo100M and the 1k-A protocol use:
 *
 *   MSRVTT_data.json          {videos: [{video_id, split, category, ...}], sentences: [{sen_id, video_id, caption}]}
 *   MSRVTT_train.9k.csv       the training videos, a `video_id` column (HowTo100M's MSRVTT_train.csv is alike)
 *   MSRVTT_JSFUSION_test.csv  key,vid_key,video_id,sentence: the 1,000 test videos, one caption each
 *
 * Training shows every video once an epoch with one of its captions (./caption-sampler.ts); testing pairs
 * each test video with the caption of its row, in file order, so row i of the similarity matrix matches
 * column i (docs/model.md#retrieval, Metrics).
 */
import path from 'path';
import { lineError, readJsonFile } from '../../data/text-file';
import { CaptionSampler, type CaptionSamplerOptions } from './caption-sampler';
import { readCsvTable } from './csv-table';
import { isRecord } from '../../../tensor/plain-values';
import { jsonValueError } from './json-path';

export const MSRVTT_FILES = Object.freeze({
  data: 'MSRVTT_data.json',
  train: 'MSRVTT_train.9k.csv',
  test: 'MSRVTT_JSFUSION_test.csv',
});

export interface MsrvttVideo {
  videoId: string;
  /** 'train', 'validate' or 'test' in the original release, when the file says. */
  split?: string;
  category?: number;
}

export interface MsrvttData {
  file: string;
  /** The `videos` list, in file order (empty when the file has none). */
  videos: MsrvttVideo[];
  /** Every video's captions, in the order of `sentences`. */
  captions: ReadonlyMap<string, readonly string[]>;
}

/** A video named by a split list, and where. */
export interface MsrvttListedVideo {
  videoId: string;
  line: number;
}

export interface MsrvttVideoList {
  file: string;
  videos: MsrvttListedVideo[];
}

/** One row of the test csv: the video and the one caption it is evaluated with. */
export interface MsrvttTestPair {
  key: string;
  vidKey: string;
  videoId: string;
  caption: string;
  line: number;
}

export interface MsrvttReadOptions {
  /** Told about what was skipped (blank captions) or looks wrong without stopping the read. */
  onWarning?: (message: string) => void;
}

/** Reads MSRVTT_data.json; a malformed entry is an Error with its JSON path and line. */
export function readMsrvttData(file: string, options: MsrvttReadOptions = {}): MsrvttData {
  const caller = 'readMsrvttData';
  const { value } = readJsonFile(file, caller);
  const fail = (at: Array<string | number>, detail: string) => jsonValueError(caller, file, at, detail);
  if (!isRecord(value)) throw fail([], 'expected an object with "videos" and "sentences"');
  if (!Array.isArray(value.sentences)) throw fail(['sentences'], 'expected an array of {sen_id, video_id, caption}');
  if (value.videos !== undefined && !Array.isArray(value.videos)) throw fail(['videos'], 'expected an array of {video_id, split, ...}');

  const videos = ((value.videos ?? []) as unknown[]).map((entry, i): MsrvttVideo => {
    if (!isRecord(entry) || typeof entry.video_id !== 'string' || entry.video_id.trim() === '') {
      throw fail(['videos', i, 'video_id'], `expected a video record with a "video_id" string, got ${JSON.stringify(entry)}`);
    }
    const video: MsrvttVideo = { videoId: entry.video_id.trim() };
    if (typeof entry.split === 'string') video.split = entry.split;
    if (typeof entry.category === 'number') video.category = entry.category;
    return video;
  });

  const captions = new Map<string, string[]>();
  value.sentences.forEach((entry: unknown, i) => {
    if (!isRecord(entry)) throw fail(['sentences', i], `expected {sen_id, video_id, caption}, got ${JSON.stringify(entry)}`);
    if (typeof entry.video_id !== 'string' || entry.video_id.trim() === '') {
      throw fail(['sentences', i, 'video_id'], `expected a video id string, got ${JSON.stringify(entry.video_id)}`);
    }
    if (typeof entry.caption !== 'string') {
      throw fail(['sentences', i, 'caption'], `expected a caption string, got ${JSON.stringify(entry.caption)}`);
    }
    const caption = entry.caption.trim();
    if (caption === '') {
      // One empty sentence among a video's twenty is no reason to refuse the dataset.
      options.onWarning?.(`${caller}: ${file}: sentences[${i}] (video ${entry.video_id}) has an empty caption; skipped`);
      return;
    }
    const videoId = entry.video_id.trim();
    let list = captions.get(videoId);
    if (list === undefined) captions.set(videoId, (list = []));
    list.push(caption);
  });
  return { file, videos, captions };
}

/** Reads a training list (a csv with a `video_id` column); a video listed twice is an Error. */
export function readMsrvttVideoList(file: string): MsrvttVideoList {
  const caller = 'readMsrvttVideoList';
  const firstLine = new Map<string, number>();
  const videos = readCsvTable(file, caller, ['video_id']).map(({ line, values }) => {
    const videoId = values.video_id;
    if (videoId === '') throw lineError(caller, file, line, 'empty video_id');
    const first = firstLine.get(videoId);
    if (first !== undefined) throw lineError(caller, file, line, `video ${videoId} is listed again (first on line ${first})`);
    firstLine.set(videoId, line);
    return { videoId, line };
  });
  return { file, videos };
}

/**
 * Reads the 1k-A test csv: one (video, caption) pair per row, in file order. A row without a caption, or
 * a video given twice (the evaluation pairs row i with column i, so each video must be one column), is an
 * Error naming the line.
 */
export function readMsrvttTest(file: string): MsrvttTestPair[] {
  const caller = 'readMsrvttTest';
  const firstLine = new Map<string, number>();
  return readCsvTable(file, caller, ['key', 'vid_key', 'video_id', 'sentence']).map(({ line, values }) => {
    const videoId = values.video_id;
    if (videoId === '') throw lineError(caller, file, line, 'empty video_id');
    if (values.sentence === '') throw lineError(caller, file, line, `video ${videoId} has no caption (empty sentence)`);
    const first = firstLine.get(videoId);
    if (first !== undefined) throw lineError(caller, file, line, `video ${videoId} is listed again (first on line ${first})`);
    firstLine.set(videoId, line);
    return { key: values.key, vidKey: values.vid_key, videoId, caption: values.sentence, line };
  });
}

/** The training videos of a list, each with all its captions from the data file, one caption per epoch. */
export class MsrvttTrain extends CaptionSampler {
  readonly listFile: string;

  constructor(data: MsrvttData, list: MsrvttVideoList, options: CaptionSamplerOptions = {}) {
    super(
      list.videos.map(({ videoId, line }) => {
        const captions = data.captions.get(videoId);
        if (captions === undefined) throw lineError('MsrvttTrain', list.file, line, `video ${videoId} has no captions in ${data.file}`);
        return { videoId, captions };
      }),
      options,
    );
    this.listFile = list.file;
  }
}

export interface MsrvttOptions extends MsrvttReadOptions, CaptionSamplerOptions {
  /** File names, absolute or relative to the root (defaults: MSRVTT_FILES). */
  dataFile?: string;
  trainFile?: string;
  testFile?: string;
}

export interface MsrvttDataset {
  data: MsrvttData;
  train: MsrvttTrain;
  test: MsrvttTestPair[];
}

/** The training sampler and the test pairs of the MSR-VTT files in `root`. */
export function openMsrvtt(root: string, options: MsrvttOptions = {}): MsrvttDataset {
  const file = (name: string | undefined, fallback: string) => path.resolve(root, name ?? fallback);
  const data = readMsrvttData(file(options.dataFile, MSRVTT_FILES.data), options);
  const list = readMsrvttVideoList(file(options.trainFile, MSRVTT_FILES.train));
  const train = new MsrvttTrain(data, list, options);
  const testFile = file(options.testFile, MSRVTT_FILES.test);
  const test = readMsrvttTest(testFile);
  const trainLine = new Map(list.videos.map((video) => [video.videoId, video.line]));
  for (const pair of test) {
    const line = trainLine.get(pair.videoId);
    // A warning, not an Error: the scores would be inflated, but which files to use is the user's choice.
    if (line !== undefined) {
      options.onWarning?.(`openMsrvtt: video ${pair.videoId} is both a test video (${testFile} line ${pair.line}) and a training one (${list.file} line ${line})`);
    }
  }
  return { data, train, test };
}
