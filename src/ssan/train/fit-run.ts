/**
 * What the parts of fit() share: the run being trained (its options, optimizer, files and log, fixed for
 * the call) and its state (what a checkpoint records, changing as it trains).
 */
import type { Module } from '../../nn/module';
import type { Tensor } from '../../tensor/tensor';
import type { FitOptions, FitResult, EpochMetrics } from './fit';
import type { RunPhase, StopRequest } from './fit-interrupt';
import type { buildOptimizer } from './recipe';
import type { RunFiles } from '../../train/run-files';

export type Forward = Module & { forward(x: Tensor): Tensor };

/**
 * Where an interrupted epoch stands, kept in the checkpoint's extra. nextBatch equal to the epoch's batch
 * count means it was trained and stopped during its validation.
 */
export interface EpochPosition {
  nextBatch: number;
  lossSum: number;
  clips: number;
  skipped: number;
}

/** The position at the start of an epoch. */
export function epochStart(): EpochPosition {
  return { nextBatch: 0, lossSum: 0, clips: 0, skipped: 0 };
}

/** What a checkpoint records of the run besides the model, optimizer and scheduler. */
export interface RunState {
  epochsDone: number;
  step: number;
  best: FitResult['best'];
  position: EpochPosition;
}

export interface FitRun {
  opts: FitOptions;
  optimizer: ReturnType<typeof buildOptimizer>['optimizer'];
  scheduler: ReturnType<typeof buildOptimizer>['scheduler'];
  params: ReturnType<Module['parameters']>;
  files: RunFiles;
  log: (line: string) => void;
  /** The training loader's batches per epoch. */
  batches: number;
  state: RunState;
  stop: StopRequest;
  /** Where the run is, for what the Ctrl-C handler tells the user. */
  now: RunPhase;
  /** Optimizer steps taken in this call (for stopAfterSteps). */
  stepsThisCall: number;
  /** The epochs validated in this call. */
  history: EpochMetrics[];
}

/** What fit() returns. */
export function fitResult(run: FitRun, status: FitResult['status']): FitResult {
  return { history: run.history, best: run.state.best, status, files: run.files };
}
