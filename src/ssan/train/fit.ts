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
 */
import fs from 'fs';
import path from 'path';
import type { Module } from '../../nn/module';
import type { StateDict } from '../../nn/state-dict';
import { Tensor } from '../../tensor/tensor';
import { defaultGenerator, type GeneratorState } from '../../tensor/random';
import { crossEntropy } from '../../nn/functional/loss';
import { clipGradNorm } from '../../optim/clip-grad';
import { loadCheckpoint, readCheckpointInfo, saveCheckpoint, StateValue } from '../../optim/checkpoint';
import { turnEventLoop, type BatchSource } from './batch-source';
import { evaluate, EvaluationStoppedError } from './evaluate';
import { ProgressBar, ProgressStream, formatDuration, formatPercent } from './progress';
import { buildOptimizer, TrainRecipe } from './recipe';
import {
  appendJsonLine, existingRunFiles, removeStaleTemporaryFiles, runFilePaths, runFiles, RunFiles, truncateMetrics,
} from './run-files';

type Forward = Module & { forward(x: Tensor): Tensor };

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

/**
 * A request to stop a running fit(), what its Ctrl-C handler makes; a program can make one itself. The
 * first request finishes the optimizer step under way (or stops validation), saves and returns; a second
 * also drops a step whose batches are only partly accumulated.
 */
export class StopRequest {
  private count = 0;

  /** Asks once more; returns how many times it has been asked. */
  request(): number {
    return ++this.count;
  }

  get requested(): boolean {
    return this.count > 0;
  }

  get hurried(): boolean {
    return this.count > 1;
  }
}

/**
 * Where an interrupted epoch stands, kept in the checkpoint's extra. nextBatch equal to the epoch's batch
 * count means it was trained and stopped during its validation.
 */
interface EpochPosition {
  nextBatch: number;
  lossSum: number;
  clips: number;
  skipped: number;
}

/**
 * What a second Ctrl-C rewinds to: the state between two optimizer steps. It stays valid until the next
 * step; a step taken early because a group's last batch was empty is not followed by one, so until the
 * next boundary a second Ctrl-C cannot rewind and the step is finished.
 */
interface StepBoundary {
  step: number;
  position: EpochPosition;
  generator: GeneratorState;
  /** BatchNorm's running statistics change on every forward pass, not only on optimizer steps. */
  buffers: StateDict;
}

export class TrainingDivergedError extends Error {}

export async function fit(opts: FitOptions): Promise<FitResult> {
  const { model, recipe, numClasses } = opts;
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
  const stepsPerEpoch = Math.ceil(batches / recipe.accumulate);
  const { optimizer, scheduler } = buildOptimizer(model, recipe, stepsPerEpoch);
  const params = model.parameters();
  const files = prepareOutDir(opts, log);

  let epochsDone = 0;
  let step = 0;
  let best: FitResult['best'] = null;
  let position: EpochPosition = { nextBatch: 0, lossSum: 0, clips: 0, skipped: 0 };
  if (opts.resume) {
    const done = readCheckpointInfo(files.last).epoch;
    if (opts.epochs < done) {
      throw new Error(`fit: cannot resume: the run in ${files.dir} has already done ${done} epochs, more than the ${opts.epochs} ` +
        `asked for; pass epochs (--epochs) of at least ${done + 1} to train on`);
    }
    const saved = loadCheckpoint(files.last, { model, optimizer, scheduler });
    const extra = saved.extra as { best?: FitResult['best']; position?: EpochPosition };
    epochsDone = saved.epoch;
    step = saved.step;
    best = extra?.best ?? null;
    position = extra?.position ?? position;
    truncateMetrics(files.metrics, epochsDone);
    const where = position.nextBatch >= batches
      ? `, epoch ${epochsDone + 1} trained but not yet validated`
      : position.nextBatch > 0 ? `, epoch ${epochsDone + 1} at batch ${position.nextBatch}/${batches}` : '';
    log(`resumed from ${files.last}: ${epochsDone} epochs done${where}`);
    if (epochsDone >= opts.epochs) log(`all ${opts.epochs} epochs are done; nothing to train (ask for more epochs to go on)`);
  }

  const save = (file: string, pos: EpochPosition | null): void =>
    saveCheckpoint(file, {
      model, optimizer, scheduler, epoch: epochsDone, step,
      extra: { best, position: pos as unknown as StateValue, config: (opts.config ?? null) as StateValue },
    });

  // What the Ctrl-C handler tells the user depends on where the run is.
  const now = { phase: 'train' as 'train' | 'validate' | 'epoch-end', pendingBatches: 0, canRewind: false };
  const stop = opts.stop ?? new StopRequest();
  const onInterrupt = (): void => {
    const count = stop.request();
    if (count === 1) {
      if (now.phase === 'validate') {
        log('\ninterrupted: stopping validation and saving last.safetensors (resume validates this epoch again)');
      } else if (now.phase === 'epoch-end') {
        log('\ninterrupted: the epoch is saved; stopping before the next one');
      } else if (now.pendingBatches > 0) {
        log(`\ninterrupted: finishing this optimizer step (${now.pendingBatches} more batches), then saving last.safetensors; ` +
          'Ctrl-C again to drop them and save the state from before this step');
      } else {
        log('\ninterrupted: saving last.safetensors after this batch');
      }
    } else if (count === 2 && now.phase === 'train' && now.pendingBatches > 0 && now.canRewind) {
      log('\ninterrupted again: dropping this step\'s accumulated batches; saving the state from before it after this batch');
    } else if (!fs.existsSync(files.last)) {
      log('\nalready stopping: last.safetensors is saved after this batch (there is no earlier checkpoint, so this one is waited for)');
    } else if (count === 2) {
      log('\nalready stopping: last.safetensors is saved after this batch (Ctrl-C once more quits without saving; the previous last.safetensors stays)');
    } else {
      log(`\nquitting without saving; ${files.last} keeps the state it had`);
      process.exit(130);
    }
  };
  if (opts.handleInterrupt ?? true) process.on('SIGINT', onInterrupt);
  let stepsThisCall = 0;
  const stopRequested = (): boolean => stop.requested || (opts.stopAfterSteps !== undefined && stepsThisCall >= opts.stopAfterSteps);

  const history: EpochMetrics[] = [];
  /** Saves the epoch's position in last.safetensors and ends this call as interrupted. */
  const stopSaved = (where: string, note = ''): FitResult => {
    save(files.last, position);
    log(`saved ${files.last} ${where}; continue with resume${note}`);
    return { history, best, status: 'interrupted', files };
  };
  try {
    for (let epoch = epochsDone; epoch < opts.epochs; epoch++) {
      const started = performance.now();
      model.train();
      now.phase = 'train';
      const bar = opts.progress === null ? null : new ProgressBar(`epoch ${epoch + 1}/${opts.epochs}`, batches, opts.progress);
      // Skipped videos counted before this call, when the epoch is resumed (the source counts this call's).
      const skippedBefore = position.skipped;
      let pendingGroup = -1;
      let pendingSize = 0;
      const flush = (): void => {
        if (pendingGroup < 0) return;
        if (recipe.clipGradNorm > 0) {
          const norm = clipGradNorm(params, recipe.clipGradNorm);
          if (!Number.isFinite(norm)) diverged(`the gradient norm became ${norm}`, epoch, step, files, epochsDone);
        }
        optimizer.step();
        optimizer.zeroGrad();
        scheduler.step();
        step++;
        stepsThisCall++;
        pendingGroup = -1;
        now.pendingBatches = 0;
      };
      const snapshot = (): StepBoundary | null => recipe.accumulate === 1 ? null : {
        step,
        position: { ...position },
        generator: defaultGenerator.getState(),
        buffers: Object.fromEntries(model.namedBuffers().map(([key, b]) => [key, new Tensor(b.data.slice(), b.shape)])),
      };
      let boundary = snapshot();
      let ended = false;
      const batchesOf = opts.train.epoch(epoch, { startBatch: position.nextBatch })[Symbol.asyncIterator]();
      try {
        for (;;) {
          now.canRewind = boundary !== null && boundary.step === step;
          await turnEventLoop();
          // (boundary !== null is implied by canRewind; it is repeated for the type checker.)
          if (pendingGroup >= 0 && stop.hurried && now.canRewind && boundary !== null) {
            model.loadStateDict(boundary.buffers, { strict: false });
            defaultGenerator.setState(boundary.generator);
            position = { ...boundary.position };
            optimizer.zeroGrad();
            pendingGroup = -1;
            break;
          }
          // A stop is only honoured between optimizer steps, so no half-accumulated gradient is ever lost or saved.
          if (pendingGroup < 0 && stopRequested()) break;
          const next = await batchesOf.next();
          if (next.done) {
            ended = true;
            break;
          }
          const batch = next.value;
          const batchIndex = batch.batchIndex ?? position.nextBatch;
          const group = Math.floor(batchIndex / recipe.accumulate);
          if (group !== pendingGroup) {
            // The previous group's last batches were empty (every video skipped): its step is taken now.
            flush();
            pendingGroup = group;
            pendingSize = Math.min(recipe.accumulate, batches - group * recipe.accumulate);
          }
          const loss = crossEntropy(model.forward(batch.clips), batch.labels);
          const value = loss.item();
          if (!Number.isFinite(value)) diverged(`the training loss became ${value}`, epoch, step, files, epochsDone);
          // Each optimizer step averages its micro-batches' mean losses, as one big batch would.
          (pendingSize > 1 ? loss.mul(1 / pendingSize) : loss).backward();
          const clips = batch.labels.shape[0];
          position.lossSum += value * clips;
          position.clips += clips;
          position.nextBatch = batchIndex + 1;
          const lastOfGroup = Math.min((group + 1) * recipe.accumulate, batches) - 1;
          now.pendingBatches = lastOfGroup - batchIndex;
          bar?.update(position.nextBatch, { loss: position.lossSum / position.clips, lr: optimizer.paramGroups[0].lr, clips: position.clips });
          if (batchIndex === lastOfGroup) {
            // The step is taken as soon as its batches are in, so that a stop saves right after it.
            flush();
            position.skipped = skippedBefore + opts.train.lastEpochSkipped.length;
            boundary = snapshot();
          }
        }
      } finally {
        await batchesOf.return?.();
      }
      if (ended) {
        // A last group whose final batches were empty (every video skipped) still has its step to take.
        flush();
        position.nextBatch = batches;
        position.skipped = skippedBefore + opts.train.lastEpochSkipped.length;
      }
      bar?.finish();
      if (!ended && position.nextBatch < batches) return stopSaved(`at epoch ${epoch + 1}, batch ${position.nextBatch}/${batches}`);
      if (position.clips === 0) {
        const first = opts.train.lastEpochSkipped[0];
        throw new Error(`fit: no optimizer step ran in epoch ${epoch + 1}: every training batch was empty, ${position.skipped} videos ` +
          `skipped${first ? ` (the first, ${first.id}: ${first.reason})` : ''}; check the data (frames missing, or fewer than the segments?)`);
      }
      if (stopRequested()) return stopSaved(`after training epoch ${epoch + 1}, before its validation`);

      now.phase = 'validate';
      const lr = optimizer.paramGroups[0].lr;
      let val;
      try {
        val = await evaluate(model, opts.val, { numClasses, shouldStop: () => stop.requested });
      } catch (e) {
        if (!(e instanceof EvaluationStoppedError)) throw e;
        return stopSaved(`after training epoch ${epoch + 1}, at validation batch ${e.batchesDone}/${e.batches}`, ' (it validates this epoch again)');
      }
      scheduler.step(val.loss);
      epochsDone = epoch + 1;
      const metrics: EpochMetrics = {
        epoch: epochsDone,
        trainLoss: position.lossSum / position.clips,
        valLoss: val.loss,
        valTop1: val.top1,
        valTop5: val.top5,
        lr,
        perClassTop1: val.perClass,
        trainClips: position.clips,
        trainSkipped: position.skipped,
        valSkipped: val.skipped.length,
        seconds: (performance.now() - started) / 1000,
      };
      history.push(metrics);
      appendJsonLine(files.metrics, metrics);
      const isBest = best === null || metrics.valTop1 > best.valTop1;
      if (isBest) best = { epoch: epochsDone, valTop1: metrics.valTop1 };
      position = { nextBatch: 0, lossSum: 0, clips: 0, skipped: 0 };
      // best before last: see the header.
      if (isBest) save(files.best, null);
      save(files.last, null);
      log(epochSummary(metrics, isBest));
      now.phase = 'epoch-end';
      await opts.onEpochEnd?.(metrics, files);
      if (stopRequested()) return { history, best, status: 'interrupted', files };
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  return { history, best, status: 'done', files };
}

/**
 * Checks the output folder against the options and gets it ready: refuses a file, an earlier run without
 * resume or overwrite, and resume without a checkpoint, each with what to do instead; deletes the earlier
 * run on overwrite; removes temporary files that a killed run left.
 */
function prepareOutDir(opts: FitOptions, log: (line: string) => void): RunFiles {
  const files = runFiles(opts.outDir);
  const dir = files.dir;
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new Error(`fit: cannot create the output folder ${dir}: a part of its path is a file`);
    if (code !== 'ENOENT') throw new Error(`fit: cannot use the output folder ${dir}: ${(e as Error).message}`);
  }
  if (stat && !stat.isDirectory()) throw new Error(`fit: the output folder ${dir} is a file; name a folder (outDir, --out)`);
  const existing = stat ? existingRunFiles(files) : [];
  const names = existing.map((f) => path.basename(f)).join(', ');
  if (opts.resume) {
    if (!stat) throw new Error(`fit: cannot resume: the output folder ${dir} does not exist; check the folder (--out), or start a new run without resume`);
    if (!existing.includes(files.last)) {
      throw new Error(`fit: cannot resume: ${dir} holds no checkpoint (last.safetensors)` +
        (existing.length > 0
          ? `, only ${names}: the run stopped before saving one; start it again with overwrite (--overwrite)`
          : '; check the folder (--out), or start a new run without resume'));
    }
  } else if (existing.length > 0) {
    if (!opts.overwrite) {
      throw new Error(`fit: ${dir} already holds a training run (${names}); continue it with resume (--resume), ` +
        'replace it with overwrite (--overwrite), or choose another output folder (--out)');
    }
    for (const file of runFilePaths(files)) fs.rmSync(file, { force: true });
    log(`overwrite: deleted the earlier run in ${dir} (${names})`);
  }
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`fit: cannot create the output folder ${dir}` +
      (code === 'ENOTDIR' || code === 'EEXIST' ? ': a part of its path is a file' : `: ${(e as Error).message}`));
  }
  const removed = removeStaleTemporaryFiles(files);
  if (removed.length > 0) log(`removed temporary files that a killed run left in ${dir}: ${removed.join(', ')}`);
  return files;
}

function diverged(what: string, epoch: number, step: number, files: RunFiles, epochsDone: number): never {
  const kept = fs.existsSync(files.last)
    ? `the last good checkpoint is ${files.last} (${epochsDone} epochs done)`
    : 'no checkpoint was written yet';
  throw new TrainingDivergedError(
    `fit: ${what} in epoch ${epoch + 1} after ${step} optimizer steps; stopped without saving: ${kept}. ` +
      'Try a lower lr (--lr) or check the data.',
  );
}

function epochSummary(m: EpochMetrics, isBest: boolean): string {
  const skipped = m.trainSkipped + m.valSkipped > 0 ? `  skipped videos: ${m.trainSkipped} train, ${m.valSkipped} val` : '';
  return (
    `epoch ${m.epoch}: train loss ${m.trainLoss.toFixed(4)}  val loss ${m.valLoss.toFixed(4)}  ` +
    `top-1 ${formatPercent(m.valTop1)}  top-5 ${formatPercent(m.valTop5)}  lr ${m.lr.toExponential(2)}  ${formatDuration(m.seconds)}` +
    (isBest ? '  (best)' : '') + skipped
  );
}
