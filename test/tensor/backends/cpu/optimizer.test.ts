/**
 * The cpu backend's fused optimizer updates against the TypeScript reference, on one thread and on
 * two (parallel threshold at zero): random lists of parameters of odd lengths, every hyperparameter
 * choice, several steps (SGD's first step sets the momentum buffer; Adam's slots at different step
 * counts), a list longer than one trip through the shared memory; and optim.SGD / optim.Adam stepping
 * a model-sized parameter list on the cpu backend against the same optimizer on `ts`.
 *
 * The kernels compute in float32 and the reference in float64, so they agree to float32 rounding.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, optim, withBackend } from '../../../../src';
import {
  AdamSlot, AdamUpdateArgs, SgdSlot, SgdUpdateArgs, adamUpdate as referenceAdamUpdate, sgdUpdate as referenceSgdUpdate,
} from '../../../../src/tensor/kernels/optimizer';
import { adamUpdateInMemory, sgdUpdateInMemory } from '../../../../src/tensor/backends/cpu/optimizer';
import { randomArray, relativeError, seedArb } from '../../../helpers';
import { onCpuThreads } from './cpu-threads';

const RUNS = 30;
const STEPS = 3;
const TOLERANCE = 2e-5;

const lengthsArb = fc.array(fc.integer({ min: 1, max: 150 }), { minLength: 1, maxLength: 5 });

const sgdHyperArb = fc
  .record({
    lr: fc.double({ min: 0, max: 0.5, noNaN: true }),
    momentum: fc.constantFrom(0, 0.9, 0.5),
    dampening: fc.constantFrom(0, 0.1),
    weightDecay: fc.constantFrom(0, 1e-4, 0.1),
    nesterov: fc.boolean(),
    maximize: fc.boolean(),
  })
  .map((h) => (h.nesterov ? { ...h, momentum: h.momentum || 0.9, dampening: 0 } : h));

const adamHyperArb = fc.record({
  lr: fc.double({ min: 1e-4, max: 0.1, noNaN: true }),
  beta1: fc.constantFrom(0.9, 0.5, 0),
  beta2: fc.constantFrom(0.999, 0.9),
  eps: fc.constantFrom(1e-8, 1e-3),
  weightDecay: fc.constantFrom(0, 1e-2),
  decoupled: fc.boolean(),
  maximize: fc.boolean(),
  amsgrad: fc.boolean(),
});

/** Each array of `arrays` within the tolerance of its twin in `want`. */
function expectClose(got: (Float32Array | null)[], want: (Float32Array | null)[]): void {
  got.forEach((g, i) => {
    if (g === null) return expect(want[i]).toBeNull();
    expect(relativeError(g, want[i]!), `array ${i}`).toBeLessThanOrEqual(TOLERANCE);
  });
}

function sgdSlots(lengths: number[], seed: number, momentum: boolean): SgdSlot[] {
  return lengths.map((n, i) => ({
    param: randomArray(n, seed + 3 * i),
    grad: randomArray(n, seed + 3 * i + 1),
    momentumBuffer: momentum ? new Float32Array(n) : null,
    firstStep: true,
  }));
}

const copySgd = (slots: SgdSlot[]): SgdSlot[] =>
  slots.map((s) => ({ ...s, param: s.param.slice(), grad: s.grad.slice(), momentumBuffer: s.momentumBuffer?.slice() ?? null }));

/** Runs STEPS steps of both, new gradients each step, and compares parameters and buffers. */
function compareSgd(hyper: Omit<SgdUpdateArgs, 'slots'>, lengths: number[], seed: number): void {
  const want = sgdSlots(lengths, seed, hyper.momentum !== 0);
  const got = copySgd(want);
  for (let step = 0; step < STEPS; step++) {
    referenceSgdUpdate({ ...hyper, slots: want });
    sgdUpdateInMemory({ ...hyper, slots: got });
    expectClose(got.map((s) => s.param as Float32Array), want.map((s) => s.param as Float32Array));
    expectClose(got.map((s) => s.momentumBuffer as Float32Array | null), want.map((s) => s.momentumBuffer as Float32Array | null));
    for (const slots of [want, got]) {
      slots.forEach((s, i) => {
        s.firstStep = false;
        s.grad.set(randomArray(s.grad.length, seed + 100 * (step + 1) + i));
      });
    }
  }
}

describe.each([1, 2])('cpu optimizer kernels on %i thread(s)', (threads) => {
  onCpuThreads(threads);

  it('SGD matches the reference: momentum, dampening, Nesterov, weight decay, maximize', () => {
    fc.assert(fc.property(sgdHyperArb, lengthsArb, seedArb, (hyper, lengths, seed) => compareSgd(hyper, lengths, seed)), { numRuns: RUNS });
  });

  it('SGD matches over more parameters than one trip through the memory holds', () => {
    compareSgd({ lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 1e-4, nesterov: true, maximize: false }, [(1 << 20) + 37, 5, 1000], 7);
  });

  it('leaves to the reference the slots it cannot run: float64, no buffer under momentum, another AMSGrad choice', () => {
    const hyper = { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov: false, maximize: false };
    const make = (): SgdSlot[] => [
      { param: randomArray(40, 1), grad: randomArray(40, 2), momentumBuffer: new Float32Array(40), firstStep: true },
      { param: randomArray(9, 3), grad: randomArray(9, 4), momentumBuffer: null, firstStep: false },
      { param: Float64Array.from(randomArray(7, 5)), grad: Float64Array.from(randomArray(7, 6)), momentumBuffer: new Float64Array(7), firstStep: true },
    ];
    const want = make(), got = make();
    referenceSgdUpdate({ ...hyper, slots: want });
    sgdUpdateInMemory({ ...hyper, slots: got });
    got.forEach((s, i) => expect(relativeError(s.param, want[i].param), `slot ${i}`).toBeLessThanOrEqual(TOLERANCE));

    const adamSlots = (): AdamSlot[] => [true, false].map((ams, i) => ({
      param: randomArray(33, i), grad: randomArray(33, i + 5), expAvg: new Float32Array(33), expAvgSq: new Float32Array(33),
      maxExpAvgSq: ams ? new Float32Array(33) : null, step: 1,
    }));
    const adamHyper = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, maximize: false };
    const wantAdam = adamSlots(), gotAdam = adamSlots();
    referenceAdamUpdate({ ...adamHyper, slots: wantAdam });
    adamUpdateInMemory({ ...adamHyper, slots: gotAdam });
    gotAdam.forEach((s, i) => expect(relativeError(s.param, wantAdam[i].param), `Adam slot ${i}`).toBeLessThanOrEqual(TOLERANCE));
  });

  it('Adam and AdamW match the reference, AMSGrad and mixed step counts included', () => {
    fc.assert(
      fc.property(adamHyperArb, lengthsArb, seedArb, ({ amsgrad, ...hyper }, lengths, seed) => {
        const make = (): AdamSlot[] => lengths.map((n, i) => ({
          param: randomArray(n, seed + i),
          grad: randomArray(n, seed + 50 + i),
          expAvg: new Float32Array(n),
          expAvgSq: new Float32Array(n),
          maxExpAvgSq: amsgrad ? new Float32Array(n) : null,
          step: 1 + (i % 3), // parameters that joined the optimizer at different times
        }));
        const want = make();
        const got = make();
        for (let step = 0; step < STEPS; step++) {
          const args: Omit<AdamUpdateArgs, 'slots'> = hyper;
          referenceAdamUpdate({ ...args, slots: want });
          adamUpdateInMemory({ ...args, slots: got });
          for (const key of ['param', 'expAvg', 'expAvgSq', 'maxExpAvgSq'] as const) {
            expectClose(got.map((s) => s[key] as Float32Array | null), want.map((s) => s[key] as Float32Array | null));
          }
          for (const slots of [want, got]) slots.forEach((s) => s.step++);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('optimizers on the cpu backend', () => {
  /** A model-sized list of float32 parameters (conv weights, BatchNorm vectors, a linear layer) with gradients. */
  function parameters(): Tensor[] {
    const shapes = [[64, 32, 3, 3], [64], [64], [128, 64, 3, 3], [128], [10, 128], [10]];
    return shapes.map((shape, i) => new Tensor(randomArray(shape.reduce((a, b) => a * b, 1), i), shape).requiresGrad_());
  }

  function run(backend: 'ts' | 'cpu', make: (params: Tensor[]) => optim.Optimizer): Tensor[] {
    return withBackend(backend, () => {
      const params = parameters();
      const opt = make(params);
      for (let step = 0; step < 4; step++) {
        params.forEach((p, i) => { p.grad = new Tensor(randomArray(p.numel(), 1000 * step + i), p.shape); });
        opt.step();
      }
      return params;
    });
  }

  const cases: [string, (params: Tensor[]) => optim.Optimizer][] = [
    ['SGD, Nesterov, two groups', (params) => new optim.SGD(
      [{ params: params.filter((p) => p.ndim > 1) }, { params: params.filter((p) => p.ndim === 1), weightDecay: 0 }],
      { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 })],
    ['SGD, dampening', (params) => new optim.SGD(params, { lr: 0.1, momentum: 0.5, dampening: 0.3 })],
    ['Adam', (params) => new optim.Adam(params, { lr: 1e-2, weightDecay: 1e-3 })],
    ['AdamW, AMSGrad', (params) => new optim.AdamW(params, { lr: 1e-2, amsgrad: true })],
  ];

  it.each(cases)('%s steps as on the reference', (_, make) => {
    const want = run('ts', make);
    const got = run('cpu', make);
    got.forEach((p, i) => expect(relativeError(p.data, want[i].data), `param ${i}`).toBeLessThanOrEqual(TOLERANCE));
  });
});
