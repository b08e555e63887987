import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor } from '../../../src';
import { ReduceLROnPlateau, SGD } from '../../../src/optim';
import type { ReduceLROnPlateauOptions, SchedulerStateDict } from '../../../src/optim';

function twoGroups(lrs = [0.1, 0.02]): SGD {
  return new SGD(lrs.map((lr) => ({ params: [tensor([0], { requiresGrad: true })], lr })), { lr: 1 });
}

/** The first group's lr after each metric. */
function lrsAfter(options: ReduceLROnPlateauOptions, metrics: number[], lrs?: number[]): number[][] {
  const opt = twoGroups(lrs);
  const s = new ReduceLROnPlateau(opt, options);
  return metrics.map((m) => {
    s.step(m);
    return opt.paramGroups.map((g) => g.lr);
  });
}

describe('ReduceLROnPlateau', () => {
  it('reduces after more than `patience` epochs without improvement, then counts afresh', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), (patience) => {
        // One good epoch, then a flat metric forever.
        const metrics = [1, ...new Array<number>(3 * (patience + 1)).fill(1)];
        const first = lrsAfter({ patience, factor: 0.5 }, metrics).map((row) => row[0]);
        // Reductions land on epochs (patience + 1), 2 (patience + 1), ... counting the good epoch as 0.
        return first.every((lr, i) => Math.abs(lr - 0.1 * 0.5 ** Math.floor(i / (patience + 1))) < 1e-15);
      }),
      { numRuns: 12 },
    );
  });

  it('counts only improvements beyond the threshold, relative or absolute, for min and max', () => {
    // min / rel 10%: 0.95 is not better than 1 · 0.9, so with patience 0 it reduces at once.
    expect(lrsAfter({ patience: 0, threshold: 0.1 }, [1, 0.95])[1][0]).toBeCloseTo(0.01, 15);
    expect(lrsAfter({ patience: 0, threshold: 0.1 }, [1, 0.89])[1][0]).toBe(0.1);
    // min / abs 0.2: 0.85 is not below 1 − 0.2.
    expect(lrsAfter({ patience: 0, threshold: 0.2, thresholdMode: 'abs' }, [1, 0.85])[1][0]).toBeCloseTo(0.01, 15);
    expect(lrsAfter({ patience: 0, threshold: 0.2, thresholdMode: 'abs' }, [1, 0.79])[1][0]).toBe(0.1);
    // max: higher is better.
    expect(lrsAfter({ mode: 'max', patience: 0, threshold: 0.1 }, [1, 1.05])[1][0]).toBeCloseTo(0.01, 15);
    expect(lrsAfter({ mode: 'max', patience: 0, threshold: 0.1 }, [1, 1.11])[1][0]).toBe(0.1);
    expect(lrsAfter({ mode: 'max', patience: 0, thresholdMode: 'abs', threshold: 0.5 }, [1, 1.4])[1][0]).toBeCloseTo(0.01, 15);
  });

  it('ignores bad epochs during the cooldown after a reduction', () => {
    const lrs = lrsAfter({ patience: 0, cooldown: 2, factor: 0.5 }, [1, 2, 2, 2, 2]).map((r) => r[0]);
    expect(lrs).toEqual([0.1, 0.05, 0.05, 0.05, 0.025]);
  });

  it('never goes below minLr (per group), and skips changes no larger than eps', () => {
    const flat = new Array<number>(8).fill(1);
    const last = lrsAfter({ patience: 0, factor: 0.1, minLr: [0.005, 0.0001] }, flat).at(-1)!;
    expect(last).toEqual([0.005, 0.0001]);
    // 0.02 → 0.002 is a drop of 0.018 < eps 0.05: left alone, while 0.1 → 0.01 goes through.
    expect(lrsAfter({ patience: 0, eps: 0.05 }, [1, 1])[1]).toEqual([0.1 * 0.1, 0.02]);
  });

  it('counts a NaN metric as a bad epoch', () => {
    expect(lrsAfter({ patience: 1 }, [1, Number.NaN, Number.NaN]).map((r) => r[0])).toEqual([0.1, 0.1, 0.1 * 0.1]);
  });

  it('restores from a JSON state dict (best null before any metric) and continues identically', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { maxLength: 12 }), fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { maxLength: 12 }), (first, then) => {
        const options: ReduceLROnPlateauOptions = { patience: 1, cooldown: 1, factor: 0.5, threshold: 0.05, minLr: 0.001 };
        const opt = twoGroups();
        const s = new ReduceLROnPlateau(opt, options);
        for (const m of first) s.step(m);
        const saved = JSON.parse(JSON.stringify(s.stateDict())) as SchedulerStateDict;
        if (first.length === 0) expect(saved.best).toBeNull();

        const opt2 = twoGroups();
        opt2.loadStateDict(opt.stateDict());
        const s2 = new ReduceLROnPlateau(opt2, options);
        s2.loadStateDict(saved);
        for (const m of then) {
          s.step(m);
          s2.step(m);
        }
        expect(s2.getLastLr()).toEqual(s.getLastLr());
        expect(s2.stateDict()).toEqual(s.stateDict());
      }),
      { numRuns: 30 },
    );
  });

  it('checks its options and refuses a state dict that does not fit, changing nothing', () => {
    const opt = twoGroups();
    expect(() => new ReduceLROnPlateau(opt, { factor: 1 })).toThrow(/ReduceLROnPlateau: factor must be in \[0, 1\); got 1/);
    expect(() => new ReduceLROnPlateau(opt, { mode: 'up' as never })).toThrow(/mode must be 'min' or 'max'; got string "up"/);
    expect(() => new ReduceLROnPlateau(opt, { minLr: [0.1] })).toThrow(/expected 2 minLr values \(one per group\); got 1/);
    expect(() => new ReduceLROnPlateau(opt, { patience: 1.5 })).toThrow(/patience must be an integer >= 0; got 1.5/);
    const s = new ReduceLROnPlateau(opt);
    s.step(1);
    const before = s.stateDict();
    const good = s.stateDict() as Record<string, unknown>;
    const options = good.options as Record<string, unknown>;
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ ...good, best: 'low' }, /best must be a finite number or null; got string "low"/],
      [{ ...good, numBadEpochs: -1 }, /numBadEpochs must be a non-negative integer/],
      [{ ...good, options: { ...options, minLrs: [0] } }, /options.minLrs is array of length 1/],
      [{ ...good, options: { ...options, thresholdMode: 'log' } }, /thresholdMode must be 'rel' or 'abs'; got string "log"/],
    ];
    for (const [sd, message] of bad) {
      expect(() => s.loadStateDict(sd as SchedulerStateDict)).toThrow(message);
      expect(s.stateDict()).toEqual(before);
    }
  });
});
