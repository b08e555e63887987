/**
 * fit()'s checkpoints: `last.safetensors` on a stop (with the position inside the epoch) and at the end of
 * every epoch, `best.safetensors` for the best validation top-1, and the epoch's line in metrics.jsonl,
 * written in the order fit.ts's header explains.
 */
import { saveCheckpoint, StateValue } from '../../optim/checkpoint';
import type { EpochMetrics, FitResult } from './fit';
import { epochStart, fitResult, type EpochPosition, type FitRun } from './fit-run';
import { epochSummary } from './fit-validate';
import { appendJsonLine } from '../../train/run-files';

/** Saves the model, optimizer, scheduler and the run's state (position: where an unfinished epoch stands). */
export function saveRun(run: FitRun, file: string, position: EpochPosition | null): void {
  const { state } = run;
  saveCheckpoint(file, {
    model: run.opts.model, optimizer: run.optimizer, scheduler: run.scheduler, epoch: state.epochsDone, step: state.step,
    extra: { best: state.best, position: position as unknown as StateValue, config: (run.opts.config ?? null) as StateValue },
  });
}

/** Saves the epoch's position in last.safetensors and ends this call as interrupted. */
export function saveInterrupted(run: FitRun, where: string, note = ''): FitResult {
  saveRun(run, run.files.last, run.state.position);
  run.log(`saved ${run.files.last} ${where}; continue with resume${note}`);
  return fitResult(run, 'interrupted');
}

/** A validated epoch: its metrics line, then best (when it is), then last; then its summary in the log. */
export function recordEpoch(run: FitRun, metrics: EpochMetrics): void {
  const { state, files } = run;
  state.epochsDone = metrics.epoch;
  run.history.push(metrics);
  appendJsonLine(files.metrics, metrics);
  const isBest = state.best === null || metrics.valTop1 > state.best.valTop1;
  if (isBest) state.best = { epoch: state.epochsDone, valTop1: metrics.valTop1 };
  state.position = epochStart();
  // best before last: see fit.ts's header.
  if (isBest) saveRun(run, files.best, null);
  saveRun(run, files.last, null);
  run.log(epochSummary(metrics, isBest));
}
