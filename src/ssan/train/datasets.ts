/**
 * The train and validation splits a run uses: a dataset on disk in one of the formats of
 * docs/model.md#dataset-formats, or, when none is given, the synthetic Something-Something set, generated
 * once into `data/synthetic-sth` and read back through the real V1 reader.
 */
import path from 'path';
import { openSplit, DataFormat, OpenSplitOptions } from '../data/open-split';
import { ensureSyntheticSth } from '../data/synthetic';
import type { SyntheticSthSettings } from '../data/synthetic';
import type { VideoSplit } from '../data/types';

/** Where the synthetic set goes, relative to the working folder. */
export const SYNTHETIC_ROOT = path.join('data', 'synthetic-sth');

/** The synthetic set the main job trains on: 12 classes x (80 + 20) videos of 16 frames (a multiple of T = 8, see SyntheticSthOptions.minFrames), 48x48. */
export const SYNTHETIC_SET: Partial<SyntheticSthSettings> = {
  seed: 0, trainPerClass: 80, valPerClass: 20, minFrames: 16, maxFrames: 16, width: 48, height: 48,
};

export interface DataChoice {
  /** The dataset's root; the synthetic set when omitted. */
  root?: string;
  format?: DataFormat;
  /** Told about skipped videos and generation progress. */
  log?: (line: string) => void;
}

export interface TrainValSplits {
  train: VideoSplit;
  val: VideoSplit;
  root: string;
  format: DataFormat;
  synthetic: boolean;
}

export function openTrainVal(choice: DataChoice = {}): TrainValSplits {
  const log = choice.log ?? (() => {});
  let root = choice.root;
  const synthetic = root === undefined;
  if (root === undefined) {
    root = SYNTHETIC_ROOT;
    let lastTenth = -1;
    const started = performance.now();
    const summary = ensureSyntheticSth({
      root,
      ...SYNTHETIC_SET,
      onProgress: (done, total) => {
        const tenth = Math.floor((10 * done) / total);
        if (tenth !== lastTenth && done < total) log(`generating the synthetic set in ${root}: ${done}/${total} videos`);
        lastTenth = tenth;
      },
      onWait: (pid) => log(`waiting for process ${pid}, which is writing the synthetic set in ${root}`),
    });
    const seconds = (performance.now() - started) / 1000;
    log(`synthetic Something-Something set: ${summary.classes.length} classes, ${summary.trainVideos} train and ` +
      `${summary.validationVideos} validation videos in ${root}` + (seconds > 1 ? ` (generated in ${seconds.toFixed(1)} s)` : ' (cached)'));
  }
  const format: DataFormat = synthetic ? 'sthv1' : choice.format ?? 'sthv1';
  const onWarning = (message: string) => log(`warning: ${message}`);
  // Every format's options take these three; the cast picks the union member for `format`.
  const open = (split: 'train' | 'val') => openSplit({ format, root, split, onWarning } as OpenSplitOptions);
  const train = open('train');
  const val = open('val');
  if (train.records.length === 0) throw new Error(`openTrainVal: no usable training videos in ${root} (${format})`);
  if (val.records.length === 0) throw new Error(`openTrainVal: no usable validation videos in ${root} (${format})`);
  return { train, val, root, format, synthetic };
}
