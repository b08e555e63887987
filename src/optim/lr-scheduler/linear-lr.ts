/**
 * LinearLR: multiplies each group's initial lr by a factor that moves linearly from startFactor to
 * endFactor over totalIters steps, then stays. With startFactor < 1 = endFactor it is the usual warm-up;
 * stepped once per iteration, totalIters is the warm-up length in iterations.
 *
 *   lr(0) = base · startFactor,  lr(t) = base · (start + (end − start) · min(t, totalIters) / totalIters)
 *
 * computed in PyTorch's chainable form (each step multiplies the previous lr), which gives the same
 * numbers as PyTorch's up to rounding.
 */
import type { Optimizer } from '../optimizer';
import { LRScheduler, checkBetween, checkInteger } from './lr-scheduler';

export type LinearLROptions = { startFactor: number; endFactor: number; totalIters: number };

export class LinearLR extends LRScheduler<LinearLROptions> {
  /** Defaults as PyTorch: startFactor 1/3, endFactor 1, totalIters 5. */
  constructor(optimizer: Optimizer, options: Partial<LinearLROptions> = {}) {
    super(optimizer, {
      startFactor: options.startFactor ?? 1 / 3,
      endFactor: options.endFactor ?? 1,
      totalIters: options.totalIters ?? 5,
    });
  }

  protected checkOptions(o: LinearLROptions, where: string): void {
    // A start factor of 0 would make the chainable form divide by zero at the first step.
    if (!(o.startFactor > 0)) throw new Error(`${where}: startFactor must be > 0 (and <= 1); got ${o.startFactor}`);
    checkBetween(o.startFactor, 'startFactor', where, 0, 1);
    checkBetween(o.endFactor, 'endFactor', where, 0, 1);
    checkInteger(o.totalIters, 'totalIters', where, 1);
  }

  protected getLr(): number[] {
    const { startFactor: start, endFactor: end, totalIters } = this.options;
    const t = this.lastEpoch;
    if (t === 0) return this.groupLrs().map((lr) => lr * start);
    if (t > totalIters) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * (1 + (end - start) / (totalIters * start + (t - 1) * (end - start))));
  }
}
