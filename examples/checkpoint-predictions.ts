/**
 * One checkpoint of examples/train-sth.ts evaluated on a validation split: its model rebuilt from the
 * settings it records, its predictions per video. Shared by eval-sth.ts and visualize.ts (confusion).
 */
import { optim, ssan } from '../src';

const { loadCheckpoint } = optim;
const { buildModel, evalLoader, predict } = ssan.train;
type VideoSplit = ssan.data.VideoSplit;
type RunSettings = ssan.train.RunSettings;
type Predictions = ssan.train.Predictions;

export interface PredictOptions {
  /** Videos per forward pass. */
  batchSize: number;
  /** Clips per video (1: the centre frames). */
  numClips: number;
  /** The name of the program, for error messages. */
  caller: string;
}

export async function predictCheckpoint(file: string, run: RunSettings, val: VideoSplit, opts: PredictOptions): Promise<Predictions> {
  const config = run.config;
  if (config.numClasses !== val.classes.length) {
    throw new Error(`${opts.caller}: ${file} has ${config.numClasses} classes; the dataset has ${val.classes.length}`);
  }
  const model = buildModel(config);
  loadCheckpoint(file, { model });
  const loader = evalLoader(val, config, {
    batchSize: opts.batchSize, seed: run.seed, workers: 1, numClips: opts.numClips, onWarning: (m) => console.log(`warning: ${m}`),
  });
  try {
    return await predict(model, loader, { numClasses: config.numClasses, numClips: opts.numClips });
  } finally {
    await loader.close();
  }
}
