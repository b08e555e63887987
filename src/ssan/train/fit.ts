/**
 * The training loop: epochs of the recipe's optimizer steps (with gradient accumulation and clipping),
 * validation after each, metrics appended to `<out>/metrics.jsonl`, and checkpoints that let a run be
 * continued exactly:
 *
 *   - `last.safetensors` after every epoch, `best.safetensors` for the best validation top-1; both written
 *     atomically (temporary file, then rename). At the end of an epoch the metrics line is appended first,
 *     then best, then last: a kill at any point leaves `last` at the previous epoch (resume redoes the
 *     epoch, drops its metrics line and writes the same best again) or everything at this one, and never
 *     a `last` whose record of the best is ahead of `best.safetensors`. Temporary files a killed run left
 *     are removed when the next run in the folder starts.
 *   - The outDir of an earlier run is never deleted: without `resume` or `overwrite`, fit refuses it.
 *   - Ctrl-C (or `stop.request()`) finishes the optimizer step under way, saves `last.safetensors` with the
 *     position inside the epoch, and returns, within a batch. During validation it stops at once and saves
 *     the epoch as trained but not validated; resume validates it. A second Ctrl-C drops a step whose
 *     batches are only partly accumulated and saves the state from before it; a third quits at once, but
 *     only when a checkpoint exists. fit awaits one turn of the event loop per batch, or a signal would only
 *     be handled after the epoch's last batch (batches that are ready come through promises alone).
 *   - A NaN or infinite loss (or gradient norm) stops the run with an error that names the epoch and step;
 *     so does an epoch in which no step ran (every video skipped). Nothing is saved, so the last
 *     checkpoint is the last good state.
 *   - `resume` loads `last.safetensors`: model, optimizer, scheduler, the random generator (dropout), the
 *     epoch and batch to go on from, and the partial epoch's loss. The loaders give the same batches for the
 *     same (seed, epoch), so a resumed run computes what the uninterrupted run would have.
 *
 * fit() below reads as the sequence of its parts, each in its own file: fit-out-dir.ts (the output folder),
 * fit-resume.ts, fit-interrupt.ts (Ctrl-C and StopRequest), fit-train-epoch.ts (an epoch's optimizer steps,
 * accumulation and the divergence checks), fit-validate.ts (validation and the epoch's metrics) and
 * fit-checkpoints.ts; fit-run.ts holds the run and the state they share.
 */
import { EvaluationStoppedError } from './evaluate';
import { listenForInterrupt, StopRequest, stopRequested } from './fit-interrupt';
import { saveInterrupted, recordEpoch } from './fit-checkpoints';
import { prepareOutDir } from './fit-out-dir';
import { resumeRun } from './fit-resume';
import { epochStart, fitResult, type Forward, type FitRun } from './fit-run';
import { trainEpoch } from './fit-train-epoch';
import { validateEpoch } from './fit-validate';
import type { BatchSource } from './batch-source';
import type { ProgressStream } from '../../train/progress';
import { buildOptimizer, TrainRecipe } from './recipe';
import type { RunFiles } from '../../train/run-files';

export { StopRequest } from './fit-interrupt';
export { TrainingDivergedError } from './fit-train-epoch';

export interface FitOptions {
  model: Forward;
  train: BatchSource;
  val: BatchSource;
  numClasses: number;
  recipe: TrainRecipe;
  /** Total epochs (at least 1); a resumed run goes on until this many are done. */
  epochs: number;
  /** Output folder (created): checkpoints and metrics.jsonl. */
  outDir: string;
  /** Continue from `<outDir>/last.safetensors`. */
  resume?: boolean;
  /**
   * Start a new run in an outDir that holds one, deleting its checkpoints and metrics first. Without this
   * (or resume) such a folder is refused.
   */
  overwrite?: boolean;
  /** Saved in every checkpoint (the run's settings, JSON), so evaluation and resume can rebuild the run. */
  config?: object;
  /** Where progress lines and the epoch summaries go (default console.log). */
  log?: (line: string) => void;
  /** The progress bar's stream (default stderr); null for none. */
  progress?: ProgressStream | null;
  /** Install a SIGINT handler that calls stop.request() (default true). */
  handleInterrupt?: boolean;
  /** Asks the run to stop as Ctrl-C does (see StopRequest); fit makes its own when omitted. */
  stop?: StopRequest;
  /** Stop after this many optimizer steps in this call, as if interrupted (tests of resume use it). */
  stopAfterSteps?: number;
  /**
   * Called after each validated epoch, once its metrics line is in metrics.jsonl and its checkpoints are
   * saved (so it may read them: metrics.jsonl holds every epoch of the run, a resumed one's earlier epochs
   * too); fit awaits it before the next epoch. What it throws ends the run with that error, the epoch
   * kept: a hook that must not stop training (drawing curves, say) catches its own errors.
   */
  onEpochEnd?: (metrics: EpochMetrics, files: RunFiles) => void | Promise<void>;
}

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valTop1: number;
  valTop5: number;
  /** The lr at the end of the epoch's training (before the plateau scheduler looks at it). */
  lr: number;
  perClassTop1: (number | null)[];
  trainClips: number;
  trainSkipped: number;
  valSkipped: number;
  seconds: number;
}

export interface FitResult {
  history: EpochMetrics[];
  best: { epoch: number; valTop1: number } | null;
  /** 'done' when every epoch ran; 'interrupted' after Ctrl-C (or a stop request, or stopAfterSteps). */
  status: 'done' | 'interrupted';
  files: RunFiles;
}

export async function fit(opts: FitOptions): Promise<FitResult> {
  const run = startRun(opts);
  if (opts.resume) resumeRun(run);
  const stopListening = listenForInterrupt(run);
  try {
    for (let epoch = run.state.epochsDone; epoch < opts.epochs; epoch++) {
      const started = performance.now();
      if (await trainEpoch(run, epoch) === 'stopped') {
        return saveInterrupted(run, `at epoch ${epoch + 1}, batch ${run.state.position.nextBatch}/${run.batches}`);
      }
      if (stopRequested(run)) return saveInterrupted(run, `after training epoch ${epoch + 1}, before its validation`);
      const metrics = await validateEpoch(run, epoch, started);
      if (metrics instanceof EvaluationStoppedError) {
        return saveInterrupted(run, `after training epoch ${epoch + 1}, at validation batch ${metrics.batchesDone}/${metrics.batches}`,
          ' (it validates this epoch again)');
      }
      recordEpoch(run, metrics);
      run.now.phase = 'epoch-end';
      await opts.onEpochEnd?.(metrics, run.files);
      if (stopRequested(run)) return fitResult(run, 'interrupted');
    }
  } finally {
    stopListening();
  }
  return fitResult(run, 'done');
}

/** Checks the options, builds the optimizer and readies the output folder: the run before its first epoch. */
function startRun(opts: FitOptions): FitRun {
  const log = opts.log ?? ((line: string) => console.log(line));
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1) {
    throw new Error(`fit: epochs must be a whole number of at least 1 (the run's total, counting the epochs a resumed run ` +
      `has done); got ${opts.epochs}`);
  }
  if (opts.resume && opts.overwrite) {
    throw new Error('fit: resume (--resume) continues the run in the output folder and overwrite (--overwrite) replaces it; choose one');
  }
  const batches = opts.train.batchesPerEpoch;
  if (batches < 1) throw new Error('fit: the training loader has no batches (fewer videos than one batch?)');
  const { optimizer, scheduler } = buildOptimizer(opts.model, opts.recipe, Math.ceil(batches / opts.recipe.accumulate));
  const params = opts.model.parameters();
  const files = prepareOutDir(opts, log);
  return {
    opts, optimizer, scheduler, params, files, log, batches,
    state: { epochsDone: 0, step: 0, best: null, position: epochStart() },
    stop: opts.stop ?? new StopRequest(),
    now: { phase: 'train', pendingBatches: 0, canRewind: false },
    stepsThisCall: 0,
    history: [],
  };
}
