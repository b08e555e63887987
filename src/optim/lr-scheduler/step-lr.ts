/** StepLR: multiplies the lr by gamma every stepSize steps (epochs 0..stepSize−1 at the initial lr). */
import type { Optimizer } from '../optimizer';
import { LRScheduler, checkBetween, checkInteger } from './lr-scheduler';

export type StepLROptions = { stepSize: number; gamma: number };

export class StepLR extends LRScheduler<StepLROptions> {
  /** gamma defaults to 0.1, as PyTorch. */
  constructor(optimizer: Optimizer, options: Partial<StepLROptions> & { stepSize: number }) {
    super(optimizer, { stepSize: options.stepSize, gamma: options.gamma ?? 0.1 });
  }

  protected checkOptions(o: StepLROptions, where: string): void {
    checkInteger(o.stepSize, 'stepSize', where, 1);
    checkBetween(o.gamma, 'gamma', where, 0, Number.MAX_VALUE);
  }

  protected getLr(): number[] {
    const t = this.lastEpoch;
    if (t === 0 || t % this.options.stepSize !== 0) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.options.gamma);
  }
}
