/**
 * A run's settings as one JSON object, and what is built from it: the model, the clip transforms and the
 * loaders. Checkpoints keep the object (FitOptions.config), so evaluation and resume rebuild exactly the
 * model that was trained.
 */
import path from 'path';
import { createModel } from '../models/create-model';
import type { Arch } from '../models/create-model';
import type { TSN } from '../models/tsn';
import type { Placement } from '../models/placement';
import type { AttnScale } from '../models/attention-common';
import { ClipLoader } from '../data/loader';
import type { DataFormat } from '../data/open-split';
import { readCheckpointInfo } from '../../optim/checkpoint';
import { type TrainRecipe, paperRecipe } from './recipe';
import { withoutUndefined } from '../../tensor/plain-values';
import { openTrainVal, SYNTHETIC_ROOT, TrainValSplits } from './datasets';
import type { ClipTransform } from '../data/transforms';
import type { VideoSplit } from '../data/types';

export interface ExperimentConfig {
  arch: Arch;
  depth: 18 | 34 | 50 | 101;
  /** ResNet base width (64 is torchvision's). */
  width: number;
  numClasses: number;
  /** Frames per clip, T. */
  numSegments: number;
  /** Where the attention blocks go; createModel's default (A_odd where the ResNet has the blocks) unless given. */
  placement?: Placement;
  /**
   * The attention score scale of SSA and the non-local blocks
   * (docs/model.md#ambiguities-and-the-options-that-settle-them).
   */
  attnScale?: AttnScale;
  /** The initial spread of the attention blocks' new convs (default 0.01, docs/model.md#output-and-initialisation). */
  attnInitStd?: number;
  /** The initial scale of the attention blocks' output BatchNorm (default 0: each block starts as the identity). */
  attnOutInit?: number;
  /** SSA's ablation switches (Table 5). */
  ssa?: { channelBranch?: boolean; taValue?: 'shared_v' | 'x_hat' | 'separate_g'; temporalKernel?: 3 | 1 };
  /** The non-local 2D+1D block's form. */
  nlFusion?: 'fused' | 'stacked';
  dropout: number;
  /** Spatial pipeline (docs/model.md#transforms). */
  aug: 'paper' | 'tsn_msc';
  resize: number;
  crop: number;
  /** Horizontal flip in training: never for Something-Something (labels say left and right). */
  flip: boolean;
}

/** The dataset a run trains on, as it was when the run started. */
export interface RunData {
  /** Absolute, so that a run resumed from another folder finds it. */
  root: string;
  format: DataFormat;
  /** The generated synthetic set: a resumed run generates it again if it was deleted. */
  synthetic?: boolean;
  /**
   * Usable videos of each split and the number of classes: a resumed run refuses a dataset whose counts
   * changed, since its batches (and its model's classes) would no longer be the run's. Absent in
   * checkpoints written before they were recorded.
   */
  trainVideos?: number;
  valVideos?: number;
  classes?: number;
}

/** Everything a run was started with: what examples/train-sth.ts keeps in each checkpoint. */
export interface RunSettings {
  config: ExperimentConfig;
  recipe: TrainRecipe;
  epochs: number;
  seed: number;
  data: RunData;
  /** The ImageNet weights (absolute path) the backbone started from; absent when trained from scratch. */
  pretrained?: string;
}

/** The run settings kept in a checkpoint written by fit() with `config: RunSettings`. */
export function readRunSettings(file: string, caller: string): RunSettings {
  const saved = (readCheckpointInfo(file).extra as { config?: RunSettings } | null)?.config;
  if (!saved?.config || !saved.recipe || !saved.data) {
    throw new Error(`${caller}: ${file} holds no run settings; was it written by examples/train-sth.ts?`);
  }
  // Fields added to the recipe since the checkpoint was written take their defaults.
  return { ...saved, recipe: paperRecipe(saved.recipe) };
}

/** What a run records about the splits it opened. */
export function describeData(splits: TrainValSplits): RunData {
  return {
    root: path.resolve(splits.root),
    format: splits.format,
    synthetic: splits.synthetic,
    trainVideos: splits.train.records.length,
    valVideos: splits.val.records.length,
    classes: splits.train.classes.length,
  };
}

/** The splits of the dataset a run recorded. */
export function openRunData(data: RunData, log?: (line: string) => void): TrainValSplits {
  // Only the set at the usual place is regenerated: generating into any other recorded folder could
  // overwrite a user's files there.
  const regenerate = data.synthetic === true && path.resolve(SYNTHETIC_ROOT) === data.root;
  return openTrainVal({ root: regenerate ? undefined : data.root, format: data.format, log });
}

/** How the dataset differs from what a run recorded ('train videos 12 -> 11'); empty when it does not. */
export function dataChanges(recorded: RunData, now: RunData): string[] {
  const counts: [keyof RunData, string][] = [['trainVideos', 'train videos'], ['valVideos', 'validation videos'], ['classes', 'classes']];
  return counts
    .filter(([key]) => recorded[key] !== undefined && recorded[key] !== now[key])
    .map(([key, what]) => `${what} ${String(recorded[key])} -> ${String(now[key])}`);
}

/** The paper's model and input on ResNet-50 (docs/model.md#backbone, #transforms). */
export const PAPER_CONFIG: Omit<ExperimentConfig, 'numClasses'> = {
  arch: 'ssan', depth: 50, width: 64, numSegments: 8, dropout: 0.5, aug: 'paper', resize: 256, crop: 224, flip: false,
};

export function buildModel(config: ExperimentConfig): TSN {
  // Options every attention block takes, SSA and non-local alike.
  const attentionOptions = withoutUndefined({ attnScale: config.attnScale, initStd: config.attnInitStd, outInit: config.attnOutInit });
  return createModel({
    arch: config.arch,
    depth: config.depth,
    width: config.width,
    numClasses: config.numClasses,
    numSegments: config.numSegments,
    placement: config.placement,
    ssa: { ...attentionOptions, ...config.ssa },
    nl: { ...attentionOptions, ...(config.nlFusion ? { fusion: config.nlFusion } : {}) },
    dropout: config.dropout,
  });
}

export function clipTransform(config: ExperimentConfig, train: boolean): ClipTransform {
  return { aug: config.aug, resize: config.resize, crop: config.crop, train, flip: train && config.flip };
}

export interface LoaderSettings {
  batchSize: number;
  seed: number;
  workers: number;
  onWarning?: (message: string) => void;
}

export function trainLoader(split: VideoSplit, config: ExperimentConfig, s: LoaderSettings): ClipLoader {
  return new ClipLoader(split, {
    numSegments: config.numSegments, batchSize: s.batchSize, train: true, transform: clipTransform(config, true),
    seed: s.seed, workers: s.workers, onWarning: s.onWarning,
  });
}

export function evalLoader(split: VideoSplit, config: ExperimentConfig, s: LoaderSettings & { numClips?: number }): ClipLoader {
  return new ClipLoader(split, {
    numSegments: config.numSegments, batchSize: s.batchSize, train: false, transform: clipTransform(config, false),
    seed: s.seed, workers: s.workers, numClips: s.numClips ?? 1, onWarning: s.onWarning,
  });
}
