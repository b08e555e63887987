/**
 * WarmupThenPlateau: a linear warm-up counted in iterations, then ReduceLROnPlateau counted in epochs —
 * the schedule of the training loop, behind one `step(metric?)`:
 *
 *   const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: itersPerEpoch });
 *   const plateau = new ReduceLROnPlateau(opt, { factor: 0.1, patience: 5 });
 *   const scheduler = new WarmupThenPlateau(warmup, plateau);
 *   for (const epoch of epochs) {
 *     for (const batch of batches) { ...; opt.step(); opt.zeroGrad(); scheduler.step(); }   // per iteration
 *     scheduler.step(validationLoss);                                                      // per epoch
 *   }
 *
 * `step()` without a metric advances the warm-up while it lasts (warmup.totalIters calls) and does
 * nothing afterwards. `step(metric)` hands the metric to the plateau scheduler once the warm-up is over;
 * a metric reported while the lr is still warming up is ignored, so the plateau scheduler's patience
 * and best value start with the first epoch that ends after the warm-up. In PyTorch the same schedule
 * is LinearLR stepped per iteration for the warm-up, then ReduceLROnPlateau stepped per epoch.
 *
 * `decayEpochs` adds fixed steps on top, as MultiStepLR's milestones counted in epochs: after the
 * epoch numbered in it (1-based, its metric reported), every group's lr is multiplied by the plateau's
 * factor (floored at its minLr) whatever the metric did. A short run can then end at a low lr without
 * waiting for a plateau that its budget has no room for.
 */
import type { Optimizer } from '../optimizer';
import { describeValue, isRecord } from '../../tensor/plain-values';
import type { SchedulerStateDict } from './lr-scheduler';
import { LinearLR } from './linear-lr';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau';

export class WarmupThenPlateau {
  readonly optimizer: Optimizer;
  private lastLr: number[];
  /** Epochs whose metric has been reported (warm-up epochs included). */
  private epochs = 0;
  readonly decayEpochs: readonly number[];

  constructor(readonly warmup: LinearLR, readonly plateau: ReduceLROnPlateau, options: { decayEpochs?: readonly number[] } = {}) {
    if (warmup.optimizer !== plateau.optimizer) {
      throw new Error('WarmupThenPlateau: the warm-up and the plateau scheduler must drive the same optimizer');
    }
    const decayEpochs = options.decayEpochs ?? [];
    if (!Array.isArray(decayEpochs) || !decayEpochs.every((e) => Number.isInteger(e) && e >= 1)) {
      throw new Error(`WarmupThenPlateau: decayEpochs must be an array of epoch numbers >= 1; got ${describeValue(decayEpochs)}`);
    }
    this.decayEpochs = [...decayEpochs];
    this.optimizer = warmup.optimizer;
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** True while warm-up steps remain. */
  get inWarmup(): boolean {
    return this.warmup.lastEpoch < this.warmup.options.totalIters;
  }

  /** Without a metric: one training iteration. With one: the end of an epoch, after validation. */
  step(metric?: number): void {
    if (metric === undefined) {
      if (this.inWarmup) this.warmup.step();
    } else {
      if (typeof metric !== 'number') throw new Error(`WarmupThenPlateau.step: metric must be a number; got ${describeValue(metric)}`);
      if (!this.inWarmup) this.plateau.step(metric);
      this.epochs++;
      if (this.decayEpochs.includes(this.epochs)) this.decay();
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** One fixed step of decayEpochs: each group's lr times the plateau's factor, not below its minLr. */
  private decay(): void {
    const { factor, minLrs } = this.plateau.options;
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = Math.max(g.lr * factor, minLrs[i])));
  }

  /** The groups' learning rates after the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerStateDict {
    return { warmup: this.warmup.stateDict(), plateau: this.plateau.stateDict(), lastLr: [...this.lastLr], epochs: this.epochs };
  }

  /** Restores both schedulers; if either part does not fit, throws with both left as they were. */
  loadStateDict(stateDict: SchedulerStateDict): void {
    const where = 'WarmupThenPlateau.loadStateDict';
    if (!isRecord(stateDict) || !isRecord(stateDict.warmup) || !isRecord(stateDict.plateau)) {
      throw new Error(`${where}: expected { warmup: {...}, plateau: {...}, lastLr: [...] }; got ${describeValue(stateDict)}`);
    }
    const lastLr = stateDict.lastLr;
    const groups = this.optimizer.paramGroups.length;
    if (!Array.isArray(lastLr) || lastLr.length !== groups || !lastLr.every((v) => typeof v === 'number')) {
      throw new Error(`${where}: lastLr must be an array of ${groups} numbers; got ${describeValue(lastLr)}`);
    }
    // A state saved before the epoch count existed had no fixed decay steps to count toward.
    const epochs = stateDict.epochs ?? 0;
    if (!Number.isInteger(epochs) || (epochs as number) < 0) {
      throw new Error(`${where}: epochs must be an integer >= 0; got ${describeValue(epochs)}`);
    }
    const warmupBefore = this.warmup.stateDict();
    this.warmup.loadStateDict(stateDict.warmup as SchedulerStateDict);
    try {
      this.plateau.loadStateDict(stateDict.plateau as SchedulerStateDict);
    } catch (err) {
      this.warmup.loadStateDict(warmupBefore);
      throw err;
    }
    this.lastLr = [...(lastLr as number[])];
    this.epochs = epochs as number;
  }
}
