/**
 * fit()'s resume: the run's state from `last.safetensors` (model, optimizer, scheduler, the random
 * generator, the epoch and batch to go on from, the partial epoch's loss), and metrics.jsonl cut back to
 * the epochs it holds.
 */
import { loadCheckpoint, readCheckpointInfo } from '../../optim/checkpoint';
import type { FitResult } from './fit';
import type { EpochPosition, FitRun } from './fit-run';
import { truncateMetrics } from '../../train/run-files';

/** Loads the checkpoint into the run (its model, optimizer, scheduler and state) and says where it goes on from. */
export function resumeRun(run: FitRun): void {
  const { opts, files, batches, log } = run;
  const done = readCheckpointInfo(files.last).epoch;
  if (opts.epochs < done) {
    throw new Error(`fit: cannot resume: the run in ${files.dir} has already done ${done} epochs, more than the ${opts.epochs} ` +
      `asked for; pass epochs (--epochs) of at least ${done + 1} to train on`);
  }
  const saved = loadCheckpoint(files.last, { model: opts.model, optimizer: run.optimizer, scheduler: run.scheduler });
  const extra = saved.extra as { best?: FitResult['best']; position?: EpochPosition };
  const state = run.state;
  state.epochsDone = saved.epoch;
  state.step = saved.step;
  state.best = extra?.best ?? null;
  state.position = extra?.position ?? state.position;
  truncateMetrics(files.metrics, state.epochsDone);
  const { nextBatch } = state.position;
  const where = nextBatch >= batches
    ? `, epoch ${state.epochsDone + 1} trained but not yet validated`
    : nextBatch > 0 ? `, epoch ${state.epochsDone + 1} at batch ${nextBatch}/${batches}` : '';
  log(`resumed from ${files.last}: ${state.epochsDone} epochs done${where}`);
  if (state.epochsDone >= opts.epochs) log(`all ${opts.epochs} epochs are done; nothing to train (ask for more epochs to go on)`);
}
