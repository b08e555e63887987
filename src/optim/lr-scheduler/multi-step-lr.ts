/**
 * MultiStepLR: multiplies the lr by gamma when the step count reaches each milestone. A milestone listed
 * twice applies gamma twice, as PyTorch's Counter of milestones does.
 */
import type { Optimizer } from '../optimizer';
import { LRScheduler, checkBetween, checkInteger } from './lr-scheduler';

export type MultiStepLROptions = { milestones: number[]; gamma: number };

export class MultiStepLR extends LRScheduler<MultiStepLROptions> {
  /** gamma defaults to 0.1, as PyTorch. The milestones are kept sorted. */
  constructor(optimizer: Optimizer, options: Partial<MultiStepLROptions> & { milestones: number[] }) {
    super(optimizer, { milestones: [...options.milestones].sort((a, b) => a - b), gamma: options.gamma ?? 0.1 });
  }

  protected checkOptions(o: MultiStepLROptions, where: string): void {
    if (!Array.isArray(o.milestones)) throw new Error(`${where}: milestones must be an array of step counts`);
    o.milestones.forEach((m, i) => checkInteger(m, `milestones[${i}]`, where, 0));
    checkBetween(o.gamma, 'gamma', where, 0, Number.MAX_VALUE);
  }

  protected getLr(): number[] {
    const hits = this.options.milestones.filter((m) => m === this.lastEpoch).length;
    if (hits === 0) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.options.gamma ** hits);
  }
}
