/** The fixed-timetable schedulers: their closed forms, edge cases, initialLr, state dicts and checks. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor } from '../../src';
import { AdamW, CosineAnnealingLR, LRScheduler, LinearLR, MultiStepLR, SGD, StepLR } from '../../src/optim';
import type { SchedulerStateDict } from '../../src/optim';

const LRS = [0.1, 0.02];

function twoGroups(lrs = LRS): SGD {
  return new SGD(lrs.map((lr, i) => ({ params: [tensor(new Float64Array(i + 1), { requiresGrad: true })], lr })), { lr: 1 });
}

/** The lrs of every group after construction and after each of `steps` steps. */
function sequence(opt: SGD, scheduler: LRScheduler, steps: number): number[][] {
  const out = [opt.paramGroups.map((g) => g.lr)];
  for (let i = 0; i < steps; i++) {
    scheduler.step();
    out.push(opt.paramGroups.map((g) => g.lr));
  }
  return out;
}

/** Compares the chainable sequence with a closed form lr(base, t), relatively. */
function matchesClosedForm(seq: number[][], closed: (base: number, t: number) => number, tol = 1e-12): boolean {
  return seq.every((row, t) => row.every((lr, g) => Math.abs(lr - closed(LRS[g], t)) <= tol * (1 + Math.abs(closed(LRS[g], t)))));
}

describe('LinearLR', () => {
  it('follows base · (start + (end − start) · min(t, total) / total) and then stays', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 12 }),
        (start, end, total) => {
          const opt = twoGroups();
          const seq = sequence(opt, new LinearLR(opt, { startFactor: start, endFactor: end, totalIters: total }), total + 4);
          return matchesClosedForm(seq, (base, t) => base * (start + ((end - start) * Math.min(t, total)) / total), 1e-10);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("uses PyTorch's defaults (1/3 → 1 over 5) and rejects a zero or too large factor", () => {
    const opt = twoGroups();
    const s = new LinearLR(opt);
    expect(s.options).toEqual({ startFactor: 1 / 3, endFactor: 1, totalIters: 5 });
    expect(s.getLastLr()).toEqual(LRS.map((lr) => lr * (1 / 3)));
    expect(() => new LinearLR(twoGroups(), { startFactor: 0 })).toThrow(/LinearLR: startFactor must be > 0/);
    expect(() => new LinearLR(twoGroups(), { endFactor: 1.5 })).toThrow(/LinearLR: endFactor must be a number in \[0, 1\]; got 1.5/);
    expect(() => new LinearLR(twoGroups(), { totalIters: 0 })).toThrow(/LinearLR: totalIters must be an integer >= 1; got 0/);
  });
});

describe('StepLR and MultiStepLR', () => {
  it('StepLR follows base · gamma^floor(t / stepSize)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), (stepSize, gamma) => {
        const opt = twoGroups();
        const seq = sequence(opt, new StepLR(opt, { stepSize, gamma }), 20);
        return matchesClosedForm(seq, (base, t) => base * gamma ** Math.floor(t / stepSize), 1e-10);
      }),
      { numRuns: 30 },
    );
  });

  it('MultiStepLR multiplies by gamma at each milestone, twice for a repeated one, in any order given', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 15 }), { maxLength: 5 }), (milestones) => {
        const opt = twoGroups();
        const seq = sequence(opt, new MultiStepLR(opt, { milestones, gamma: 0.5 }), 18);
        // A milestone 0 applies at construction (step 0), as in PyTorch.
        const passed = (t: number) => milestones.filter((m) => m <= t).length;
        return matchesClosedForm(seq, (base, t) => base * 0.5 ** passed(t));
      }),
      { numRuns: 30 },
    );
  });

  it('rejects a non-positive step size and fractional milestones', () => {
    expect(() => new StepLR(twoGroups(), { stepSize: 0 })).toThrow(/StepLR: stepSize must be an integer >= 1; got 0/);
    expect(() => new MultiStepLR(twoGroups(), { milestones: [2, 3.5] })).toThrow(/MultiStepLR: milestones\[1\] must be an integer >= 0; got 3.5/);
  });
});

describe('CosineAnnealingLR', () => {
  it('follows etaMin + (base − etaMin)(1 + cos(π t / tMax)) / 2, back up after tMax', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.constantFrom(0, 0.001, 0.01), (tMax, etaMin) => {
        const opt = twoGroups();
        const seq = sequence(opt, new CosineAnnealingLR(opt, { tMax, etaMin }), 3 * tMax + 2);
        return matchesClosedForm(seq, (base, t) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2, 1e-9);
      }),
      { numRuns: 30 },
    );
  });

  it('reaches exactly etaMin at tMax', () => {
    const opt = twoGroups();
    const s = new CosineAnnealingLR(opt, { tMax: 4, etaMin: 0.005 });
    for (let i = 0; i < 4; i++) s.step();
    expect(s.getLastLr()).toEqual([0.005, 0.005]);
  });
});

describe('LRScheduler base', () => {
  it('records initialLr once, so a second scheduler starts from the same base', () => {
    const opt = twoGroups();
    const first = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    first.step();
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual(LRS);
    const second = new CosineAnnealingLR(opt, { tMax: 10 });
    expect(second.baseLrs).toEqual(LRS);
    // Chainable: both act on the current lr.
    expect(opt.paramGroups.map((g) => g.lr)).toEqual(LRS.map((lr) => lr * 0.5));
  });

  it('drives the lr any optimizer steps with', () => {
    const p = tensor([1], { dtype: 'float64', requiresGrad: true });
    const opt = new AdamW([p], { lr: 0.1, weightDecay: 0 });
    const s = new StepLR(opt, { stepSize: 1, gamma: 0.1 });
    s.step();
    p.grad = tensor([5], { dtype: 'float64' });
    opt.step();
    // Adam's first step moves by about lr: here the scheduled 0.01, not 0.1.
    expect(1 - p.data[0]).toBeCloseTo(0.01, 8);
  });

  it('keeps initialLr in the optimizer state dict, as PyTorch', () => {
    const opt = twoGroups();
    new StepLR(opt, { stepSize: 2 });
    expect(opt.stateDict().paramGroups[1].initialLr).toBe(0.02);
  });

  it('a scheduler restored with its optimizer continues the same sequence', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), fc.constantFrom('linear', 'step', 'multistep', 'cosine'), (k, kind) => {
        const make = (opt: SGD): LRScheduler => {
          if (kind === 'linear') return new LinearLR(opt, { startFactor: 0.2, totalIters: 6 });
          if (kind === 'step') return new StepLR(opt, { stepSize: 3, gamma: 0.3 });
          if (kind === 'multistep') return new MultiStepLR(opt, { milestones: [3, 7, 7], gamma: 0.2 });
          return new CosineAnnealingLR(opt, { tMax: 5, etaMin: 0.001 });
        };
        const opt = twoGroups();
        const s = make(opt);
        for (let i = 0; i < k; i++) s.step();
        const optState = opt.stateDict();
        const schedState = JSON.parse(JSON.stringify(s.stateDict())) as SchedulerStateDict;

        const opt2 = twoGroups([0.7, 0.7]);
        const s2 = make(opt2);
        opt2.loadStateDict(optState);
        s2.loadStateDict(schedState);
        expect(s2.getLastLr()).toEqual(s.getLastLr());
        return JSON.stringify(sequence(opt2, s2, 8)) === JSON.stringify(sequence(opt, s, 8));
      }),
      { numRuns: 30 },
    );
  });

  it('refuses a state dict that does not fit, changing nothing', () => {
    const opt = twoGroups();
    const s = new StepLR(opt, { stepSize: 3, gamma: 0.5 });
    s.step();
    const before = s.stateDict();
    const good = s.stateDict() as Record<string, unknown>;
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ ...good, baseLrs: [0.1] }, /StepLR.loadStateDict: baseLrs must be an array of 2 numbers; got array of length 1/],
      [{ ...good, lastEpoch: -2 }, /lastEpoch must be a non-negative integer; got number -2/],
      [{ ...good, options: { stepSize: 3 } }, /options has keys \[stepSize\]; expected \[gamma, stepSize\]/],
      [{ ...good, options: { stepSize: 0, gamma: 0.5 } }, /StepLR.loadStateDict: options: stepSize must be an integer >= 1; got 0/],
      [{ ...good, options: { stepSize: '3', gamma: 0.5 } }, /options.stepSize is string "3"/],
    ];
    for (const [sd, message] of bad) {
      expect(() => s.loadStateDict(sd as SchedulerStateDict)).toThrow(message);
      expect(s.stateDict()).toEqual(before);
    }
  });

  it('refuses to step when the optimizer gained a group after it was made', () => {
    const opt = twoGroups();
    const s = new StepLR(opt, { stepSize: 2 });
    opt.addParamGroup({ params: [tensor([1], { requiresGrad: true })] });
    expect(() => s.step()).toThrow(/StepLR.step: the optimizer has 3 parameter groups; this scheduler was made for 2/);
  });
});
