/**
 * LRScheduler: the base of the schedulers that change the learning rate on a fixed timetable (LinearLR,
 * StepLR, MultiStepLR, CosineAnnealingLR), as PyTorch's. Each `step()` advances `lastEpoch` by one and
 * sets every group's `lr` from the subclass's `getLr()`, which works in PyTorch's chainable form: the
 * new lr is computed from the group's current lr, so schedulers compose and the sequences match
 * PyTorch's to rounding. Construction already takes the first step (lastEpoch 0), as PyTorch does.
 *
 * Call `optimizer.step()` first and `scheduler.step()` after it, once per epoch (or per iteration, for
 * a warm-up that counts iterations).
 */
import type { Optimizer } from '../optimizer';
import { describeValue, isRecord } from '../../tensor/plain-values';
import { JsonValue, checkCount, checkNumberArray, checkOptionsLike } from '../state-checks';

/** A scheduler's options: numbers and arrays of numbers, so that its state dict is JSON. */
export type SchedulerOptions = Record<string, number | number[]>;

/** A scheduler state dict: JSON throughout. */
export type SchedulerStateDict = { [key: string]: JsonValue };

export abstract class LRScheduler<O extends SchedulerOptions = SchedulerOptions> {
  readonly optimizer: Optimizer;
  /** The options the schedule follows; kept here (not in subclass fields) so the base can save them. */
  readonly options: O;
  /** Each group's lr when the first scheduler was attached (its `initialLr`). */
  baseLrs: number[];
  /** How many steps have been taken since construction; 0 right after it. */
  lastEpoch = -1;
  private lastLr: number[] = [];

  constructor(optimizer: Optimizer, options: O) {
    this.checkOptions(options, `${this.constructor.name}`);
    this.optimizer = optimizer;
    this.options = options;
    for (const group of optimizer.paramGroups) if (group.initialLr === undefined) group.initialLr = group.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.step();
  }

  /** The options' rules; throws naming `where`. Called before anything is set, so it must not use `this`'s fields. */
  protected abstract checkOptions(options: O, where: string): void;

  /** The lrs for the epoch `lastEpoch` (already advanced), from the groups' current lrs. */
  protected abstract getLr(): number[];

  /** The groups' current learning rates. */
  protected groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  step(): void {
    if (this.optimizer.paramGroups.length !== this.baseLrs.length) {
      throw new Error(
        `${this.constructor.name}.step: the optimizer has ${this.optimizer.paramGroups.length} parameter groups; ` +
          `this scheduler was made for ${this.baseLrs.length}`,
      );
    }
    this.lastEpoch += 1;
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = lrs[i];
    });
    this.lastLr = [...lrs];
  }

  /** The learning rates this scheduler set last, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerStateDict {
    return {
      lastEpoch: this.lastEpoch,
      baseLrs: [...this.baseLrs],
      lastLr: [...this.lastLr],
      options: { ...this.options },
    };
  }

  /**
   * Restores the counters and options of a state dict from the same kind of scheduler. The groups' lrs
   * are not touched: they come back with the optimizer's own state dict. Throws and changes nothing on
   * a mismatch.
   */
  loadStateDict(stateDict: SchedulerStateDict): void {
    const where = `${this.constructor.name}.loadStateDict`;
    if (!isRecord(stateDict)) throw new Error(`${where}: expected an object; got ${describeValue(stateDict)}`);
    const groups = this.baseLrs.length;
    const lastEpoch = checkCount(stateDict.lastEpoch, `${where}: lastEpoch`);
    const baseLrs = checkNumberArray(stateDict.baseLrs, groups, `${where}: baseLrs`);
    const lastLr = checkNumberArray(stateDict.lastLr, groups, `${where}: lastLr`);
    const options = checkOptionsLike(stateDict.options, this.options, `${where}: options`);
    this.checkOptions(options, `${where}: options`);
    this.lastEpoch = lastEpoch;
    this.baseLrs = baseLrs;
    this.lastLr = lastLr;
    Object.assign(this.options, options);
  }
}

/** An integer >= min, or an error naming the scheduler and option. */
export function checkInteger(value: number, name: string, where: string, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new Error(`${where}: ${name} must be an integer >= ${min}; got ${value}`);
}

/** A finite number in [min, max], or an error naming the scheduler and option. */
export function checkBetween(value: number, name: string, where: string, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${where}: ${name} must be a number in [${min}, ${max}]; got ${value}`);
  }
}
