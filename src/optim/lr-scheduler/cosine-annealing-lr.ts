/**
 * CosineAnnealingLR: the lr follows half a cosine from the initial lr down to etaMin over tMax steps,
 *
 *   lr(t) = etaMin + (base − etaMin) · (1 + cos(π t / tMax)) / 2,
 *
 * computed, as PyTorch, by its recursive (chainable) form; past tMax it climbs back up along the same
 * cosine (period 2 tMax) rather than staying at etaMin, exactly as PyTorch's sequence does.
 */
import type { Optimizer } from '../optimizer';
import { LRScheduler, checkBetween, checkInteger } from './lr-scheduler';

export type CosineAnnealingLROptions = { tMax: number; etaMin: number };

export class CosineAnnealingLR extends LRScheduler<CosineAnnealingLROptions> {
  /** PyTorch's T_max and eta_min (default 0). */
  constructor(optimizer: Optimizer, options: Partial<CosineAnnealingLROptions> & { tMax: number }) {
    super(optimizer, { tMax: options.tMax, etaMin: options.etaMin ?? 0 });
  }

  protected checkOptions(o: CosineAnnealingLROptions, where: string): void {
    checkInteger(o.tMax, 'tMax', where, 1);
    checkBetween(o.etaMin, 'etaMin', where, 0, Number.MAX_VALUE);
  }

  protected getLr(): number[] {
    const { tMax, etaMin } = this.options;
    const t = this.lastEpoch;
    const lrs = this.groupLrs();
    if (t === 0) return lrs;
    // At the bottom of the cosine the ratio below would divide by zero; PyTorch adds the first rise instead.
    if ((t - 1 - tMax) % (2 * tMax) === 0) {
      return lrs.map((lr, i) => lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return lrs.map(
      (lr) => ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (lr - etaMin) + etaMin,
    );
  }
}
