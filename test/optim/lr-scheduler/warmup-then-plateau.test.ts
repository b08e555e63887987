import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor } from '../../../src';
import { LinearLR, ReduceLROnPlateau, SGD, WarmupThenPlateau } from '../../../src/optim';
import type { SchedulerStateDict } from '../../../src/optim';

function makeRun(itersPerEpoch: number, lr = 0.1) {
  const opt = new SGD([tensor([0], { requiresGrad: true })], { lr });
  const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: itersPerEpoch });
  const plateau = new ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 });
  return { opt, warmup, plateau, scheduler: new WarmupThenPlateau(warmup, plateau) };
}

describe('WarmupThenPlateau', () => {
  it('warms up per iteration through the first epoch, then steps the plateau scheduler per epoch', () => {
    const { opt, scheduler, plateau } = makeRun(4);
    const lr = () => opt.paramGroups[0].lr;
    expect(lr()).toBeCloseTo(0.01, 15);
    for (let i = 1; i <= 4; i++) {
      scheduler.step();
      expect(lr()).toBeCloseTo(0.01 + (0.09 * i) / 4, 14);
    }
    expect(scheduler.inWarmup).toBe(false);
    expect(lr()).toBeCloseTo(0.1, 15);
    scheduler.step(); // an iteration after the warm-up: nothing changes
    expect(lr()).toBeCloseTo(0.1, 15);
    scheduler.step(1.0); // epoch 1: first metric, an improvement
    scheduler.step(1.0); // epoch 2: no improvement, patience 0: halve
    expect(lr()).toBeCloseTo(0.05, 15);
    expect(plateau.lastEpoch).toBe(2);
    expect(scheduler.getLastLr()[0]).toBeCloseTo(0.05, 15);
  });

  it('ignores metrics reported while the warm-up is still running', () => {
    const { opt, scheduler, plateau } = makeRun(6);
    scheduler.step();
    scheduler.step(5);
    scheduler.step(5);
    expect(plateau.lastEpoch).toBe(0);
    expect(plateau.best).toBeNull();
    scheduler.step();
    expect(opt.paramGroups[0].lr).toBeCloseTo(0.01 + (0.09 * 2) / 6, 15);
  });

  it('restores mid-warm-up or mid-plateau from a JSON state dict and continues identically', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: undefined }), { maxLength: 16 }), fc.integer({ min: 0, max: 16 }), (calls, cut) => {
        const a = makeRun(5);
        const b = makeRun(5, 0.3);
        calls.slice(0, cut).forEach((m) => a.scheduler.step(m));
        b.opt.loadStateDict(a.opt.stateDict());
        b.scheduler.loadStateDict(JSON.parse(JSON.stringify(a.scheduler.stateDict())) as SchedulerStateDict);
        calls.slice(cut).forEach((m) => {
          a.scheduler.step(m);
          b.scheduler.step(m);
        });
        expect(b.opt.paramGroups[0].lr).toBe(a.opt.paramGroups[0].lr);
        expect(b.scheduler.stateDict()).toEqual(a.scheduler.stateDict());
      }),
      { numRuns: 30 },
    );
  });

  it('leaves both parts unchanged when one part of a state dict does not fit', () => {
    const { scheduler, warmup } = makeRun(3);
    scheduler.step();
    const saved = scheduler.stateDict() as Record<string, SchedulerStateDict>;
    const bad = { ...saved, warmup: { ...saved.warmup, lastEpoch: 3 }, plateau: { ...saved.plateau, cooldownCounter: 'x' } };
    const before = scheduler.stateDict();
    expect(() => scheduler.loadStateDict(bad)).toThrow(/ReduceLROnPlateau.loadStateDict: cooldownCounter must be a non-negative integer/);
    expect(scheduler.stateDict()).toEqual(before);
    expect(warmup.lastEpoch).toBe(1);
  });

  it('decayEpochs: after each listed epoch the lr is x factor whatever the metric, floored at minLr, and survives a state round trip', () => {
    const opt = new SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 });
    const warmup = new LinearLR(opt, { startFactor: 1, totalIters: 1 });
    // Patience 10: the plateau itself never acts in this test.
    const plateau = new ReduceLROnPlateau(opt, { patience: 10, factor: 0.1, minLr: 2e-4 });
    const scheduler = new WarmupThenPlateau(warmup, plateau, { decayEpochs: [2, 3, 5] });
    const lr = () => opt.paramGroups[0].lr;
    scheduler.step();
    const seen: number[] = [];
    for (let epoch = 1; epoch <= 5; epoch++) {
      // An improving metric every epoch: only the fixed steps change the lr.
      scheduler.step(1 / epoch);
      seen.push(lr());
      if (epoch === 2) {
        const copy = JSON.parse(JSON.stringify(scheduler.stateDict())) as SchedulerStateDict;
        const opt2 = new SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 });
        const other = new WarmupThenPlateau(
          new LinearLR(opt2, { startFactor: 1, totalIters: 1 }),
          new ReduceLROnPlateau(opt2, { patience: 10, factor: 0.1, minLr: 2e-4 }), { decayEpochs: [2, 3, 5] });
        opt2.paramGroups[0].lr = lr();
        other.loadStateDict(copy);
        other.step(1 / 3);
        expect(opt2.paramGroups[0].lr).toBeCloseTo(0.001, 15);
      }
    }
    expect(seen.map((v) => Number(v.toPrecision(6)))).toEqual([0.1, 0.01, 0.001, 0.001, 2e-4]);
    expect(() => new WarmupThenPlateau(warmup, plateau, { decayEpochs: [0] })).toThrow(/decayEpochs must be an array of epoch numbers >= 1/);
  });

  it('loads a state dict saved before the epoch count existed as epoch 0', () => {
    const { scheduler } = makeRun(2);
    const { epochs, ...old } = scheduler.stateDict();
    expect(epochs).toBe(0);
    expect(() => scheduler.loadStateDict(old)).not.toThrow();
    expect(() => scheduler.loadStateDict({ ...old, epochs: -1 })).toThrow(/epochs must be an integer >= 0/);
  });

  it('needs both schedulers on the same optimizer', () => {
    const a = makeRun(2);
    const b = makeRun(2);
    expect(() => new WarmupThenPlateau(a.warmup, b.plateau)).toThrow(/must drive the same optimizer/);
  });
});
