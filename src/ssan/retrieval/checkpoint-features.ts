/**
 * Features of a dataset's videos from a checkpoint of examples/train-sth.ts: the checkpoint carries its
 * model settings and dataset, so the model is rebuilt exactly and the same videos are read, with the
 * evaluation transform it was validated with.
 */
import { loadCheckpoint } from '../../optim/checkpoint';
import type { TrainValSplits } from '../train/datasets';
import { buildModel, clipTransform, openRunData, readRunSettings, type RunSettings } from '../train/experiment';
import { extractVideoFeatures, type FeatureOptions } from './features';

export interface CheckpointFeatures {
  /** The run's settings, read from the checkpoint. */
  run: RunSettings;
  train: Map<string, Float32Array>;
  val: Map<string, Float32Array>;
}

/**
 * Extracts train and validation features with the checkpoint's model. `splits` overrides the dataset the
 * run recorded (opened again, the synthetic set regenerated if it was deleted).
 */
export function checkpointFeatures(
  file: string, options: FeatureOptions & { splits?: TrainValSplits; log?: (line: string) => void } = {},
): CheckpointFeatures {
  const run = readRunSettings(file, 'checkpointFeatures');
  const splits = options.splits ?? openRunData(run.data, options.log);
  if (run.config.numClasses !== splits.train.classes.length) {
    throw new Error(`checkpointFeatures: ${file} has ${run.config.numClasses} classes; the dataset has ${splits.train.classes.length}`);
  }
  const model = buildModel(run.config);
  loadCheckpoint(file, { model });
  const transform = clipTransform(run.config, false);
  return {
    run,
    train: extractVideoFeatures(model, splits.train, transform, options),
    val: extractVideoFeatures(model, splits.val, transform, options),
  };
}
