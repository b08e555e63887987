/**
 * fit()'s Ctrl-C: a StopRequest that the training loop and validation look at, and the SIGINT handler that
 * asks it and tells the user what happens next, which depends on where the run is (see fit.ts's header).
 */
import fs from 'fs';
import type { FitRun } from './fit-run';

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

/** Where the run is: training (with batches still to come for the step under way), validating, or between epochs. */
export interface RunPhase {
  phase: 'train' | 'validate' | 'epoch-end';
  pendingBatches: number;
  /** Whether a second Ctrl-C can drop the step under way (see fit-train-epoch.ts's StepBoundary). */
  canRewind: boolean;
}

/** Whether the run should stop at the next point where it may: asked to, or stopAfterSteps reached. */
export function stopRequested(run: FitRun): boolean {
  const { stopAfterSteps } = run.opts;
  return run.stop.requested || (stopAfterSteps !== undefined && run.stepsThisCall >= stopAfterSteps);
}

/** Installs the SIGINT handler when the options ask for it (the default); returns what removes it. */
export function listenForInterrupt(run: FitRun): () => void {
  const onInterrupt = (): void => interrupted(run);
  if (run.opts.handleInterrupt ?? true) process.on('SIGINT', onInterrupt);
  return () => process.off('SIGINT', onInterrupt);
}

function interrupted(run: FitRun): void {
  const { now, files, log } = run;
  const count = run.stop.request();
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
}
