/**
 * The training loop: epochs of the recipe's optimizer steps (with gradient accumulation and clipping),
 * validation after each, metrics appended to `<out>/metrics.jsonl`, and checkpoints that let a run be
 * continued exactly:
 *
 *   - `last.safetensors` after every epoch, `best.safetensors` for the best validation top-1; both written
 *     atomically (temporary file, then rename).
 *   - Ctrl-C finishes the optimizer step under way, saves `last.safetensors` with the position inside the
 *     epoch, and returns; a second Ctrl-C quits at once.
 *   - A NaN or infinite loss (or gradient norm) stops the run with an error that names the epoch and step;
 *     nothing is saved, so the last checkpoint is the last good state.
 *   - `resume` loads `last.safetensors`: model, optimizer, scheduler, the random generator (dropout), the
 *     epoch and batch to go on from, and the partial epoch's loss. The loaders give the same batches for the
 *     same (seed, epoch), so a resumed run computes what the uninterrupted run would have.
 */
import fs from 'fs';
import type { Module } from '../../nn/module';
import type { Tensor } from '../../tensor/tensor';
import { crossEntropy } from '../../nn/functional/loss';
import { clipGradNorm } from '../../optim/clip-grad';
import { loadCheckpoint, saveCheckpoint, StateValue } from '../../optim/checkpoint';
import type { BatchSource } from './batch-source';
import { evaluate } from './evaluate';
import { ProgressBar, ProgressStream, formatDuration, formatPercent } from './progress';
import { buildOptimizer, TrainRecipe } from './recipe';
import { appendJsonLine, runFiles, RunFiles, truncateMetrics } from './run-files';

type Forward = Module & { forward(x: Tensor): Tensor };

export interface FitOptions {
  model: Forward;
  train: BatchSource;
  val: BatchSource;
  numClasses: number;
  recipe: TrainRecipe;
  /** Total epochs; a resumed run goes on until this many are done. */
  epochs: number;
  /** Output folder (created): checkpoints and metrics.jsonl. */
  outDir: string;
  /** Continue from `<outDir>/last.safetensors`. */
  resume?: boolean;
  /** Saved in every checkpoint (the run's settings, JSON), so evaluation and resume can rebuild the run. */
  config?: object;
  /** Where progress lines and the epoch summaries go (default console.log). */
  log?: (line: string) => void;
  /** The progress bar's stream (default stderr); null for none. */
  progress?: ProgressStream | null;
  /** Install a SIGINT handler that saves and stops (default true). */
  handleInterrupt?: boolean;
  /** Stop after this many optimizer steps in this call, as if interrupted (tests of resume use it). */
  stopAfterSteps?: number;
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
  /** 'done' when every epoch ran; 'interrupted' after Ctrl-C (or stopAfterSteps). */
  status: 'done' | 'interrupted';
  files: RunFiles;
}

/** Where an interrupted epoch stands, kept in the checkpoint's extra. */
interface EpochPosition {
  nextBatch: number;
  lossSum: number;
  clips: number;
  skipped: number;
}

export class TrainingDivergedError extends Error {}

export async function fit(opts: FitOptions): Promise<FitResult> {
  const { model, recipe, numClasses } = opts;
  const log = opts.log ?? ((line: string) => console.log(line));
  const files = runFiles(opts.outDir);
  fs.mkdirSync(files.dir, { recursive: true });
  const batches = opts.train.batchesPerEpoch;
  if (batches < 1) throw new Error('fit: the training loader has no batches (fewer videos than one batch?)');
  const stepsPerEpoch = Math.ceil(batches / recipe.accumulate);
  const { optimizer, scheduler } = buildOptimizer(model, recipe, stepsPerEpoch);
  const params = model.parameters();

  let epochsDone = 0;
  let step = 0;
  let best: FitResult['best'] = null;
  let position: EpochPosition = { nextBatch: 0, lossSum: 0, clips: 0, skipped: 0 };
  if (opts.resume) {
    if (!fs.existsSync(files.last)) throw new Error(`fit: cannot resume: ${files.last} does not exist`);
    const saved = loadCheckpoint(files.last, { model, optimizer, scheduler });
    const extra = saved.extra as { best?: FitResult['best']; position?: EpochPosition };
    epochsDone = saved.epoch;
    step = saved.step;
    best = extra?.best ?? null;
    position = extra?.position ?? position;
    truncateMetrics(files.metrics, epochsDone);
    log(`resumed from ${files.last}: ${epochsDone} epochs done` + (position.nextBatch > 0 ? `, epoch ${epochsDone + 1} at batch ${position.nextBatch}/${batches}` : ''));
  } else {
    // A new run starts a new metrics file (the old one would mix two runs).
    fs.rmSync(files.metrics, { force: true });
  }

  const save = (file: string, pos: EpochPosition | null): void =>
    saveCheckpoint(file, {
      model, optimizer, scheduler, epoch: epochsDone, step,
      extra: { best, position: pos as unknown as StateValue, config: (opts.config ?? null) as StateValue },
    });

  let interrupts = 0;
  const onInterrupt = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    log('\ninterrupted: finishing this step, then saving last.safetensors (Ctrl-C again to quit without saving)');
  };
  if (opts.handleInterrupt ?? true) process.on('SIGINT', onInterrupt);
  let stepsThisCall = 0;
  const stopRequested = (): boolean => interrupts > 0 || (opts.stopAfterSteps !== undefined && stepsThisCall >= opts.stopAfterSteps);

  const history: EpochMetrics[] = [];
  try {
    for (let epoch = epochsDone; epoch < opts.epochs; epoch++) {
      const started = performance.now();
      model.train();
      const bar = opts.progress === null ? null : new ProgressBar(`epoch ${epoch + 1}/${opts.epochs}`, batches, opts.progress);
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
      };
      let index = position.nextBatch;
      for await (const batch of opts.train.epoch(epoch, { startBatch: position.nextBatch })) {
        const batchIndex = batch.batchIndex ?? index;
        index = batchIndex + 1;
        const group = Math.floor(batchIndex / recipe.accumulate);
        if (group !== pendingGroup) {
          flush();
          if (stopRequested()) break;
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
        position.nextBatch = index;
        bar?.update(index, { loss: position.lossSum / position.clips, lr: optimizer.paramGroups[0].lr, clips: position.clips });
      }
      // A stop is only honoured between optimizer steps, so no half-accumulated gradient is ever lost or saved.
      flush();
      position.skipped += opts.train.lastEpochSkipped.length;
      bar?.finish();
      if (stopRequested() && position.nextBatch < batches) {
        save(files.last, position);
        log(`saved ${files.last} at epoch ${epoch + 1}, batch ${position.nextBatch}/${batches}; continue with resume`);
        return { history, best, status: 'interrupted', files };
      }

      const lr = optimizer.paramGroups[0].lr;
      const val = await evaluate(model, opts.val, { numClasses });
      scheduler.step(val.loss);
      epochsDone = epoch + 1;
      const metrics: EpochMetrics = {
        epoch: epochsDone,
        trainLoss: position.clips > 0 ? position.lossSum / position.clips : NaN,
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
      save(files.last, null);
      if (isBest) save(files.best, null);
      log(epochSummary(metrics, isBest));
      if (stopRequested()) return { history, best, status: 'interrupted', files };
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  return { history, best, status: 'done', files };
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
