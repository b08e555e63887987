/**
 * fit()'s training of one epoch: optimizer steps over groups of `recipe.accumulate` batches (each step as
 * soon as its group is in, so that a stop saves right after it), clipping, the divergence checks, and the
 * stops between steps (a second Ctrl-C rewinds a step whose batches are only partly accumulated).
 */
import fs from 'fs';
import type { StateDict } from '../../nn/state-dict';
import { crossEntropy } from '../../nn/functional/loss';
import { clipGradNorm } from '../../optim/clip-grad';
import { Tensor } from '../../tensor/tensor';
import { defaultGenerator, type GeneratorState } from '../../tensor/random';
import { turnEventLoop, type ClipBatchLike } from './batch-source';
import { stopRequested } from './fit-interrupt';
import type { EpochPosition, FitRun } from './fit-run';
import { ProgressBar } from '../../train/progress';

export class TrainingDivergedError extends Error {}

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

/** The optimizer step under way: its group of batches (-1 when none is) and how many batches the group has. */
interface PendingStep {
  group: number;
  size: number;
}

/**
 * Trains epoch `epoch` (0-based) from the run's position on. 'stopped' when a stop came before its last
 * batch; 'trained' otherwise (a stop may still be pending). An epoch in which no step ran is an error.
 */
export async function trainEpoch(run: FitRun, epoch: number): Promise<'trained' | 'stopped'> {
  const { opts, state } = run;
  opts.model.train();
  run.now.phase = 'train';
  const bar = opts.progress === null ? null : new ProgressBar(`epoch ${epoch + 1}/${opts.epochs}`, run.batches, opts.progress);
  // Skipped videos counted before this call, when the epoch is resumed (the source counts this call's).
  const skippedBefore = state.position.skipped;
  const countSkipped = (): void => {
    state.position.skipped = skippedBefore + opts.train.lastEpochSkipped.length;
  };
  const pending: PendingStep = { group: -1, size: 0 };
  let boundary = stepBoundary(run);
  let ended = false;
  const batchesOf = opts.train.epoch(epoch, { startBatch: state.position.nextBatch })[Symbol.asyncIterator]();
  try {
    for (;;) {
      run.now.canRewind = boundary !== null && boundary.step === state.step;
      await turnEventLoop();
      // (boundary !== null is implied by canRewind; it is repeated for the type checker.)
      if (pending.group >= 0 && run.stop.hurried && run.now.canRewind && boundary !== null) {
        rewind(run, boundary, pending);
        break;
      }
      // A stop is only honoured between optimizer steps, so no half-accumulated gradient is ever lost or saved.
      if (pending.group < 0 && stopRequested(run)) break;
      const next = await batchesOf.next();
      if (next.done) {
        ended = true;
        break;
      }
      const lastOfGroup = trainOnBatch(run, epoch, next.value, pending);
      const { position } = state;
      bar?.update(position.nextBatch, { loss: position.lossSum / position.clips, lr: run.optimizer.paramGroups[0].lr, clips: position.clips });
      if (lastOfGroup) {
        // The step is taken as soon as its batches are in, so that a stop saves right after it.
        takeStep(run, epoch, pending);
        countSkipped();
        boundary = stepBoundary(run);
      }
    }
  } finally {
    await batchesOf.return?.();
  }
  if (ended) {
    // A last group whose final batches were empty (every video skipped) still has its step to take.
    takeStep(run, epoch, pending);
    state.position.nextBatch = run.batches;
    countSkipped();
  }
  bar?.finish();
  if (!ended && state.position.nextBatch < run.batches) return 'stopped';
  if (state.position.clips === 0) throw emptyEpochError(run, epoch);
  return 'trained';
}

/**
 * One batch's forward and backward pass into the step under way, whose group it joins (taking the previous
 * group's step first when that group's last batches were empty); true when it is its group's last batch.
 */
function trainOnBatch(run: FitRun, epoch: number, batch: ClipBatchLike, pending: PendingStep): boolean {
  const { recipe } = run.opts;
  const { position } = run.state;
  const batchIndex = batch.batchIndex ?? position.nextBatch;
  const group = Math.floor(batchIndex / recipe.accumulate);
  if (group !== pending.group) {
    // The previous group's last batches were empty (every video skipped): its step is taken now.
    takeStep(run, epoch, pending);
    pending.group = group;
    pending.size = Math.min(recipe.accumulate, run.batches - group * recipe.accumulate);
  }
  const loss = crossEntropy(run.opts.model.forward(batch.clips), batch.labels);
  const value = loss.item();
  if (!Number.isFinite(value)) diverged(run, `the training loss became ${value}`, epoch);
  // Each optimizer step averages its micro-batches' mean losses, as one big batch would.
  (pending.size > 1 ? loss.mul(1 / pending.size) : loss).backward();
  const clips = batch.labels.shape[0];
  position.lossSum += value * clips;
  position.clips += clips;
  position.nextBatch = batchIndex + 1;
  const lastOfGroup = Math.min((group + 1) * recipe.accumulate, run.batches) - 1;
  run.now.pendingBatches = lastOfGroup - batchIndex;
  return batchIndex === lastOfGroup;
}

/** The optimizer step of the pending group, if there is one: clipping, step, the scheduler's step. */
function takeStep(run: FitRun, epoch: number, pending: PendingStep): void {
  if (pending.group < 0) return;
  const { recipe } = run.opts;
  if (recipe.clipGradNorm > 0) {
    const norm = clipGradNorm(run.params, recipe.clipGradNorm);
    if (!Number.isFinite(norm)) diverged(run, `the gradient norm became ${norm}`, epoch);
  }
  run.optimizer.step();
  run.optimizer.zeroGrad();
  run.scheduler.step();
  run.state.step++;
  run.stepsThisCall++;
  pending.group = -1;
  run.now.pendingBatches = 0;
}

/** The state to rewind to before the next step; none without accumulation (every step is one batch). */
function stepBoundary(run: FitRun): StepBoundary | null {
  return run.opts.recipe.accumulate === 1 ? null : {
    step: run.state.step,
    position: { ...run.state.position },
    generator: defaultGenerator.getState(),
    buffers: Object.fromEntries(run.opts.model.namedBuffers().map(([key, b]) => [key, new Tensor(b.data.slice(), b.shape)])),
  };
}

/** Drops the pending step's accumulated batches: back to the boundary's buffers, generator and position. */
function rewind(run: FitRun, boundary: StepBoundary, pending: PendingStep): void {
  run.opts.model.loadStateDict(boundary.buffers, { strict: false });
  defaultGenerator.setState(boundary.generator);
  run.state.position = { ...boundary.position };
  run.optimizer.zeroGrad();
  pending.group = -1;
}

/** A NaN or infinite loss or gradient norm: the run stops without saving, so the last checkpoint stays good. */
function diverged(run: FitRun, what: string, epoch: number): never {
  const { files, state } = run;
  const kept = fs.existsSync(files.last)
    ? `the last good checkpoint is ${files.last} (${state.epochsDone} epochs done)`
    : 'no checkpoint was written yet';
  throw new TrainingDivergedError(
    `fit: ${what} in epoch ${epoch + 1} after ${state.step} optimizer steps; stopped without saving: ${kept}. ` +
      'Try a lower lr (--lr) or check the data.',
  );
}

function emptyEpochError(run: FitRun, epoch: number): Error {
  const first = run.opts.train.lastEpochSkipped[0];
  return new Error(`fit: no optimizer step ran in epoch ${epoch + 1}: every training batch was empty, ${run.state.position.skipped} videos ` +
    `skipped${first ? ` (the first, ${first.id}: ${first.reason})` : ''}; check the data (frames missing, or fewer than the segments?)`);
}
