/**
 * ReduceLROnPlateau: lowers the lr when a watched metric (validation loss, accuracy) stops improving,
 * as PyTorch's. Call `step(metric)` once per epoch, after validation.
 *
 * A metric is an improvement when it beats the best so far by more than `threshold` (relative:
 * best · (1 ∓ threshold); absolute: best ∓ threshold). After more than `patience` epochs without one,
 * every group's lr becomes max(lr · factor, minLr) — unless that changes it by no more than `eps` —
 * and the next `cooldown` epochs are not counted as bad.
 */
import type { Optimizer } from '../optimizer';
import { describeValue, isRecord } from '../../tensor/plain-values';
import { checkCount, checkNumberArray, checkOptionsLike } from '../state-checks';
import type { SchedulerStateDict } from './lr-scheduler';
import { checkBetween, checkInteger } from './lr-scheduler';

export type PlateauMode = 'min' | 'max';
export type ThresholdMode = 'rel' | 'abs';

export interface ReduceLROnPlateauOptions {
  /** 'min': lower is better (a loss); 'max': higher is better (an accuracy). */
  mode?: PlateauMode;
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: ThresholdMode;
  cooldown?: number;
  /** A floor for every group, or one per group. */
  minLr?: number | number[];
  eps?: number;
}

/** The options as kept (and saved): every one set, minLr as one value per group. */
export type PlateauOptions = {
  mode: PlateauMode;
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: ThresholdMode;
  cooldown: number;
  minLrs: number[];
  eps: number;
};

function checkPlateauOptions(o: PlateauOptions, groups: number, where: string): void {
  if (o.mode !== 'min' && o.mode !== 'max') throw new Error(`${where}: mode must be 'min' or 'max'; got ${describeValue(o.mode)}`);
  if (o.thresholdMode !== 'rel' && o.thresholdMode !== 'abs') {
    throw new Error(`${where}: thresholdMode must be 'rel' or 'abs'; got ${describeValue(o.thresholdMode)}`);
  }
  if (!(o.factor >= 0 && o.factor < 1)) throw new Error(`${where}: factor must be in [0, 1); got ${o.factor}`);
  checkInteger(o.patience, 'patience', where, 0);
  checkInteger(o.cooldown, 'cooldown', where, 0);
  checkBetween(o.threshold, 'threshold', where, 0, Number.MAX_VALUE);
  checkBetween(o.eps, 'eps', where, 0, Number.MAX_VALUE);
  if (o.minLrs.length !== groups) throw new Error(`${where}: expected ${groups} minLr values (one per group); got ${o.minLrs.length}`);
  o.minLrs.forEach((m, i) => checkBetween(m, `minLr[${i}]`, where, 0, Number.MAX_VALUE));
}

export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  readonly options: PlateauOptions;
  /**
   * The best metric so far; null before the first metric (PyTorch starts from ±inf, which JSON cannot
   * hold; a best that is itself infinite is saved as null too and reads back as "none yet").
   */
  best: number | null = null;
  numBadEpochs = 0;
  cooldownCounter = 0;
  /** How many metrics have been seen. */
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    const groups = optimizer.paramGroups.length;
    const minLr = options.minLr ?? 0;
    const opts: PlateauOptions = {
      mode: options.mode ?? 'min',
      factor: options.factor ?? 0.1,
      patience: options.patience ?? 10,
      threshold: options.threshold ?? 1e-4,
      thresholdMode: options.thresholdMode ?? 'rel',
      cooldown: options.cooldown ?? 0,
      minLrs: Array.isArray(minLr) ? [...minLr] : new Array<number>(groups).fill(minLr),
      eps: options.eps ?? 1e-8,
    };
    checkPlateauOptions(opts, groups, 'ReduceLROnPlateau');
    this.optimizer = optimizer;
    this.options = opts;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether `metric` is an improvement on the best so far (a NaN never is). */
  isBetter(metric: number): boolean {
    if (this.best === null) return this.options.mode === 'min' ? metric < Infinity : metric > -Infinity;
    const { mode, threshold, thresholdMode } = this.options;
    if (mode === 'min') return thresholdMode === 'rel' ? metric < this.best * (1 - threshold) : metric < this.best - threshold;
    return thresholdMode === 'rel' ? metric > this.best * (threshold + 1) : metric > this.best + threshold;
  }

  step(metric: number): void {
    if (typeof metric !== 'number') throw new Error(`ReduceLROnPlateau.step: metric must be a number; got ${describeValue(metric)}`);
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.options.minLrs.length) {
      throw new Error(`ReduceLROnPlateau.step: the optimizer has ${groups.length} parameter groups; this scheduler was made for ${this.options.minLrs.length}`);
    }
    this.lastEpoch += 1;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.options.patience) {
      this.reduceLr();
      this.cooldownCounter = this.options.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = groups.map((g) => g.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      const newLr = Math.max(group.lr * this.options.factor, this.options.minLrs[i]);
      if (group.lr - newLr > this.options.eps) group.lr = newLr;
    });
  }

  /** The groups' learning rates after the last step (or at construction). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerStateDict {
    return {
      options: { ...this.options, minLrs: [...this.options.minLrs] },
      best: this.best !== null && Number.isFinite(this.best) ? this.best : null,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch,
      lastLr: [...this.lastLr],
    };
  }

  /** Restores a state dict from a ReduceLROnPlateau over the same number of groups; throws and changes nothing on a mismatch. */
  loadStateDict(stateDict: SchedulerStateDict): void {
    const where = 'ReduceLROnPlateau.loadStateDict';
    if (!isRecord(stateDict)) throw new Error(`${where}: expected an object; got ${describeValue(stateDict)}`);
    const groups = this.options.minLrs.length;
    const options = checkOptionsLike(stateDict.options, this.options, `${where}: options`);
    checkPlateauOptions(options, groups, `${where}: options`);
    const best = stateDict.best;
    if (best !== null && (typeof best !== 'number' || !Number.isFinite(best))) {
      throw new Error(`${where}: best must be a finite number or null; got ${describeValue(best)}`);
    }
    const numBadEpochs = checkCount(stateDict.numBadEpochs, `${where}: numBadEpochs`);
    const cooldownCounter = checkCount(stateDict.cooldownCounter, `${where}: cooldownCounter`);
    const lastEpoch = checkCount(stateDict.lastEpoch, `${where}: lastEpoch`);
    const lastLr = checkNumberArray(stateDict.lastLr, groups, `${where}: lastLr`);
    Object.assign(this.options, options);
    this.best = best;
    this.numBadEpochs = numBadEpochs;
    this.cooldownCounter = cooldownCounter;
    this.lastEpoch = lastEpoch;
    this.lastLr = lastLr;
  }
}
