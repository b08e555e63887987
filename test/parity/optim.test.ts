/**
 * Parity with PyTorch 1.13 for src/optim, against test/fixtures/optim written by
 * scripts/make-optim-fixtures.py (CI never runs it; it reads the committed JSON).
 *
 * Optimizers: ten steps on a small MLP in float64 (loss from this project's F.linear, F.relu and
 * F.crossEntropy); the losses, the final parameters and the optimizer state must match to 1e-10, and the
 * state dict's groups must hold PyTorch's hyperparameters and indices. Schedulers: the lr of every group
 * after construction and after each step, to 1e-12 relative.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import { F, Tensor, tensor } from '../../src';
import {
  Adam, AdamW, CosineAnnealingLR, LinearLR, MultiStepLR, Optimizer, ReduceLROnPlateau, SGD, StepLR,
  WarmupThenPlateau,
} from '../../src/optim';
import type { ParamGroupOptions } from '../../src/optim';

interface Entry {
  shape: number[];
  values: number[];
  dtype?: 'int64';
}

interface OptimizerCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  options: Record<string, unknown>;
  groups: (Record<string, unknown> & { params: string[] })[] | null;
  params: Record<string, Entry>;
  x: Entry;
  y: Entry;
  losses: number[];
  final: Record<string, Entry>;
  state: Record<string, Record<string, Entry | number>>;
  paramGroups: Record<string, unknown>[];
}

interface SchedulerCase {
  name: string;
  scheduler: string;
  options: Record<string, unknown>;
  initialLrs: number[];
  calls: (number | null)[];
  lrs: number[][];
}

const FIXTURE_DIR = join(__dirname, '..', 'fixtures', 'optim');

function load<T>(file: string): T[] {
  return (JSON.parse(readFileSync(join(FIXTURE_DIR, file), 'utf8')) as { cases: T[] }).cases;
}

function fromEntry(e: Entry, requiresGrad = false): Tensor {
  if (e.dtype === 'int64') return tensor(Int32Array.from(e.values), { shape: e.shape, dtype: 'int32' });
  return tensor(Float64Array.from(e.values), { shape: e.shape, dtype: 'float64', requiresGrad });
}

/** Throws naming `what` and the worst element when |actual − expected| > tol · (1 + |expected|). */
function expectClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= tol * (1 + Math.abs(expected[i])))) {
      throw new Error(`${what}[${i}]: got ${actual[i]}, PyTorch ${expected[i]} (error ${err.toExponential(3)})`);
    }
  }
}

function makeOptimizer(c: OptimizerCase, params: Record<string, Tensor>): Optimizer {
  const input: Tensor[] | ParamGroupOptions[] = c.groups === null
    ? Object.values(params)
    : c.groups.map((g) => ({ ...g, params: g.params.map((name) => params[name]) }));
  switch (c.optimizer) {
    case 'SGD':
      return new SGD(input, c.options as { lr: number });
    case 'Adam':
      return new Adam(input, c.options);
    case 'AdamW':
      return new AdamW(input, c.options);
  }
}

describe('PyTorch parity: optimizers on a 2-layer MLP (float64, 10 steps)', () => {
  for (const c of load<OptimizerCase>('optimizers.json')) {
    it(c.name, () => {
      const params: Record<string, Tensor> = {};
      for (const [name, e] of Object.entries(c.params)) params[name] = fromEntry(e, true);
      const x = fromEntry(c.x);
      const y = fromEntry(c.y);
      const opt = makeOptimizer(c, params);
      const losses: number[] = [];
      for (let step = 0; step < c.losses.length; step++) {
        opt.zeroGrad();
        const hidden = F.relu(F.linear(x, params.w1, params.b1));
        const loss = F.crossEntropy(F.linear(hidden, params.w2, params.b2), y);
        loss.backward();
        losses.push(loss.item());
        opt.step();
      }
      expectClose('losses', losses, c.losses, 1e-10);
      for (const [name, e] of Object.entries(c.final)) expectClose(`final ${name}`, params[name].data, e.values, 1e-10);

      const sd = opt.stateDict();
      const order = Object.keys(c.params);
      expect(Object.keys(sd.state).map(Number)).toEqual(order.map((_, i) => i));
      order.forEach((name, i) => {
        const expected = c.state[name];
        expect(Object.keys(sd.state[i]).sort(), `state keys of ${name}`).toEqual(Object.keys(expected).sort());
        for (const [key, value] of Object.entries(expected)) {
          const actual = sd.state[i][key];
          if (typeof value === 'number') expect(actual, `${name}.${key}`).toBe(value);
          else expectClose(`state ${name}.${key}`, (actual as Tensor).data, value.values, 1e-10);
        }
      });
      expect(sd.paramGroups).toEqual(c.paramGroups);
    });
  }
});

function makeScheduler(c: SchedulerCase, opt: SGD): { step(metric?: number): void } {
  const o = c.options as never;
  switch (c.scheduler) {
    case 'LinearLR':
      return new LinearLR(opt, o);
    case 'StepLR':
      return new StepLR(opt, o);
    case 'MultiStepLR':
      return new MultiStepLR(opt, o);
    case 'CosineAnnealingLR':
      return new CosineAnnealingLR(opt, o);
    case 'ReduceLROnPlateau': {
      const plateau = new ReduceLROnPlateau(opt, o);
      return { step: (metric?: number) => plateau.step(metric as number) };
    }
    case 'WarmupThenPlateau': {
      const { warmup, plateau } = c.options as { warmup: never; plateau: never };
      return new WarmupThenPlateau(new LinearLR(opt, warmup), new ReduceLROnPlateau(opt, plateau));
    }
    default:
      throw new Error(`no scheduler named ${c.scheduler}`);
  }
}

describe('PyTorch parity: learning-rate schedules', () => {
  for (const c of load<SchedulerCase>('schedulers.json')) {
    it(c.name, () => {
      const opt = new SGD(
        c.initialLrs.map((lr, i) => ({ params: [tensor(new Float64Array(i + 2), { requiresGrad: true })], lr })),
        { lr: 0.5 },
      );
      const scheduler = makeScheduler(c, opt);
      const lrs = [opt.paramGroups.map((g) => g.lr)];
      for (const metric of c.calls) {
        opt.step();
        scheduler.step(metric ?? undefined);
        lrs.push(opt.paramGroups.map((g) => g.lr));
      }
      expect(lrs.length).toBe(c.lrs.length);
      lrs.forEach((row, i) => expectClose(`lrs after call ${i}`, row, c.lrs[i], 1e-12));
    });
  }
});
