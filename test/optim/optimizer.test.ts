/** The Optimizer base: construction and groups, zeroGrad, step's checks, stateDict / loadStateDict. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, noGrad, isGradEnabled, tensor } from '../../src';
import { Adam, AdamW, Optimizer, SGD } from '../../src/optim';
import type { OptimizerStateDict } from '../../src/optim';
import { seedArb, seeded } from '../helpers';

const SHAPES = [[3, 2], [2], [4, 1, 2]];

function makeParams(seed: number, dtype: 'float32' | 'float64' = 'float64'): Tensor[] {
  return SHAPES.map((s, i) => seeded(s, seed + i, { dtype }));
}

function setGrads(params: Tensor[], seed: number): void {
  params.forEach((p, i) => {
    p.grad = seeded([...p.shape], seed * 7 + i, { requiresGrad: false });
  });
}

function clone(params: Tensor[]): Tensor[] {
  return params.map((p) => tensor(p.data.slice(), { shape: [...p.shape], requiresGrad: true }));
}

type Kind = 'SGD' | 'Adam' | 'AdamW';

/** Two groups, so that indices count across groups and each group has its own hyperparameters. */
function makeOptimizer(kind: Kind, params: Tensor[]): Optimizer {
  const groups = [{ params: [params[0], params[1]] }, { params: [params[2]], lr: 0.03, weightDecay: 0.2 }];
  if (kind === 'SGD') return new SGD(groups, { lr: 0.1, momentum: 0.9, nesterov: true });
  if (kind === 'Adam') return new Adam(groups, { lr: 0.01, amsgrad: true });
  return new AdamW(groups, { lr: 0.01 });
}

/** The state dict as comparable plain data: tensors become { shape, values }. */
function snapshot(sd: OptimizerStateDict): unknown {
  return JSON.parse(
    JSON.stringify(sd, (_k, v: unknown) => (v instanceof Tensor ? { shape: v.shape, values: Array.from(v.data) } : v)),
  );
}

describe('Optimizer construction and parameter groups', () => {
  it('takes any iterable of tensors as one group, with the defaults', () => {
    const params = makeParams(1);
    function* gen(): Generator<Tensor> {
      yield* params;
    }
    const opt = new SGD(gen(), { lr: 0.1, momentum: 0.5 });
    expect(opt.paramGroups.length).toBe(1);
    expect(opt.paramGroups[0].params).toEqual(params);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.1, momentum: 0.5, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
  });

  it('fills each group from the defaults, without sharing arrays with them', () => {
    const params = makeParams(2);
    const opt = new Adam([{ params: [params[0]] }, { params: [params[1], params[2]], lr: 0.5, betas: [0.5, 0.6] }], { lr: 0.01 });
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.5, betas: [0.5, 0.6], eps: 1e-8 });
    opt.paramGroups[0].betas[0] = 0.1;
    expect(opt.defaults.betas[0]).toBe(0.9);
    opt.addParamGroup({ params: [seeded([2], 9)], weightDecay: 0.3 });
    expect(opt.paramGroups[2]).toMatchObject({ lr: 0.01, weightDecay: 0.3, betas: [0.9, 0.999] });
  });

  it('updates each group with its own lr and weight decay, as separate optimizers would', () => {
    fc.assert(
      fc.property(seedArb, fc.double({ min: 0.001, max: 0.5, noNaN: true }), fc.constantFrom(0, 0.01, 0.3), (seed, lr2, wd2) => {
        const [a, b, c] = makeParams(seed);
        const [a2, b2, c2] = clone([a, b, c]);
        const grouped = new SGD([{ params: [a, b] }, { params: [c], lr: lr2, weightDecay: wd2 }], { lr: 0.1, momentum: 0.9 });
        const first = new SGD([a2, b2], { lr: 0.1, momentum: 0.9 });
        const second = new SGD([c2], { lr: lr2, weightDecay: wd2, momentum: 0.9 });
        for (let step = 0; step < 3; step++) {
          setGrads([a, b, c], seed + step);
          setGrads([a2, b2, c2], seed + step);
          grouped.step();
          first.step();
          second.step();
        }
        return [a, b, c].every((p, i) => p.data.every((x, j) => x === [a2, b2, c2][i].data[j]));
      }),
      { numRuns: 20 },
    );
  });

  it('rejects what cannot be optimized, naming the group and the parameter', () => {
    const [a, b] = makeParams(3);
    expect(() => new SGD([], { lr: 0.1 })).toThrow(/SGD: got an empty parameter list/);
    expect(() => new SGD(a as never, { lr: 0.1 })).toThrow(/SGD: params is a single Tensor; pass an iterable of tensors/);
    expect(() => new SGD(5 as never, { lr: 0.1 })).toThrow(/params must be an iterable of tensors or of parameter groups; got number 5/);
    expect(() => new SGD([a, { params: [b] }] as never, { lr: 0.1 })).toThrow(/not a mix/);
    expect(() => new SGD([a, a.mul(2)], { lr: 0.1 })).toThrow(/parameter group 0, params\[1\] is not a leaf tensor/);
    expect(() => new SGD([tensor([1, 2], { dtype: 'int32' })], { lr: 0.1 })).toThrow(/params\[0\] is int32/);
    expect(() => new SGD([{ params: [a] }, { params: [b, a] }], { lr: 0.1 })).toThrow(/parameter group 1, params\[1\] appears more than once/);
    expect(() => new SGD([{ params: [a], weight_decay: 0.1 } as never], { lr: 0.1 })).toThrow(/sets 'weight_decay', which is not a hyperparameter of SGD/);
    expect(() => new Adam([{ params: [a], betas: 0.9 } as never])).toThrow(/sets betas to number 0.9/);
  });
});

describe('zeroGrad and step', () => {
  it('zeroGrad sets grads to null by default, or zeroes them in place', () => {
    const params = makeParams(4);
    const opt = new SGD(params, { lr: 0.1 });
    setGrads(params, 1);
    const g = params[0].grad!;
    opt.zeroGrad(false);
    expect(params[0].grad).toBe(g);
    expect(g.data.every((x) => x === 0)).toBe(true);
    opt.zeroGrad();
    expect(params.every((p) => p.grad === null)).toBe(true);
  });

  it('skips parameters without a gradient, leaving them and their state untouched', () => {
    const [a, b, c] = makeParams(5);
    const before = Array.from(b.data);
    const opt = new Adam([a, b, c]);
    setGrads([a, b, c], 2);
    b.grad = null;
    opt.step();
    expect(Array.from(b.data)).toEqual(before);
    expect(opt.state.has(b)).toBe(false);
    expect(opt.state.has(a)).toBe(true);
  });

  it('checks every gradient shape before changing anything', () => {
    const [a, b] = makeParams(6);
    const opt = new SGD([a, b], { lr: 0.1 });
    setGrads([a, b], 3);
    b.grad = seeded([5], 1, { requiresGrad: false });
    const before = Array.from(a.data);
    expect(() => opt.step()).toThrow(/SGD.step: group 0, params\[1\] has shape \[2\] but its grad has shape \[5\]/);
    expect(Array.from(a.data)).toEqual(before);
  });

  it('runs a closure with gradients on (even inside noGrad) and returns its result', () => {
    const [a] = makeParams(7);
    const opt = new SGD([a], { lr: 0.1 });
    const result = noGrad(() =>
      opt.step(() => {
        expect(isGradEnabled()).toBe(true);
        const loss = a.mul(a).sum();
        loss.backward();
        return loss.item();
      }),
    );
    expect(typeof result).toBe('number');
    expect(a.grad).not.toBeNull();
  });

  it('records nothing for backward: a parameter stays a leaf after step', () => {
    const [a] = makeParams(8);
    const opt = new Adam([a]);
    setGrads([a], 1);
    opt.step();
    expect(a.isLeaf).toBe(true);
    expect(a.gradFn).toBeNull();
  });
});

describe('stateDict / loadStateDict', () => {
  it("uses PyTorch's layout: indices across groups, hyperparameters beside them, JSON apart from tensors", () => {
    const params = makeParams(9);
    const opt = makeOptimizer('Adam', params);
    setGrads(params, 1);
    opt.step();
    const sd = opt.stateDict();
    expect(sd.paramGroups.map((g) => g.params)).toEqual([[0, 1], [2]]);
    expect(sd.paramGroups[1]).toEqual({ lr: 0.03, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.2, amsgrad: true, maximize: false, params: [2] });
    expect(Object.keys(sd.state)).toEqual(['0', '1', '2']);
    expect(sd.state[0].step).toBe(1);
    expect(sd.state[2].expAvg).toBeInstanceOf(Tensor);
    // A snapshot: later steps do not change it.
    const saved = Array.from((sd.state[0].expAvg as Tensor).data);
    opt.step();
    expect(Array.from((sd.state[0].expAvg as Tensor).data)).toEqual(saved);
  });

  for (const kind of ['SGD', 'Adam', 'AdamW'] as Kind[]) {
    it(`${kind}: a run restored from a state dict (through JSON) continues exactly as the original`, () => {
      fc.assert(
        fc.property(seedArb, fc.integer({ min: 1, max: 4 }), fc.boolean(), (seed, before, asFloat32) => {
          const params = makeParams(seed, asFloat32 ? 'float32' : 'float64');
          const opt = makeOptimizer(kind, params);
          for (let s = 0; s < before; s++) {
            setGrads(params, seed + s);
            opt.step();
          }
          opt.paramGroups[1].lr = 0.007; // as a scheduler would
          const sd = opt.stateDict();
          // The checkpoint writer keeps tensors apart and the rest as JSON; mimic that round trip.
          const tensors: Tensor[] = [];
          const json = JSON.stringify(sd, (_k, v: unknown) => (v instanceof Tensor ? { tensor: tensors.push(v) - 1 } : v));
          const restored = JSON.parse(json, (_k, v: unknown) =>
            v !== null && typeof v === 'object' && 'tensor' in v ? tensors[(v as { tensor: number }).tensor] : v,
          ) as OptimizerStateDict;

          const copies = params.map((p) => tensor(p.data.slice(), { shape: [...p.shape], dtype: p.dtype, requiresGrad: true }));
          const resumed = makeOptimizer(kind, copies);
          resumed.loadStateDict(restored);
          expect(resumed.paramGroups[1].lr).toBe(0.007);
          for (let s = 0; s < 3; s++) {
            setGrads(params, seed + 100 + s);
            setGrads(copies, seed + 100 + s);
            opt.step();
            resumed.step();
          }
          return params.every((p, i) => p.data.every((x, j) => x === copies[i].data[j]));
        }),
        { numRuns: 15 },
      );
    });
  }

  it('copies loaded tensors into the parameters dtype', () => {
    const params64 = makeParams(10);
    const opt64 = makeOptimizer('SGD', params64);
    setGrads(params64, 1);
    opt64.step();
    const params32 = makeParams(10, 'float32');
    const opt32 = makeOptimizer('SGD', params32);
    opt32.loadStateDict(opt64.stateDict());
    const buffer = opt32.state.get(params32[0])!.momentumBuffer as Tensor;
    expect(buffer.dtype).toBe('float32');
    expect(buffer).not.toBe(opt64.state.get(params64[0])!.momentumBuffer);
  });

  /** A state dict from a trained Adam, altered by `change`, must be refused with `message` and change nothing. */
  function expectRefused(change: (sd: OptimizerStateDict) => unknown, message: RegExp): void {
    const source = makeParams(11);
    const trained = makeOptimizer('Adam', source);
    setGrads(source, 1);
    trained.step();
    const bad = trained.stateDict();
    change(bad);

    const params = makeParams(12);
    const opt = makeOptimizer('Adam', params);
    setGrads(params, 2);
    opt.step();
    const before = snapshot(opt.stateDict());
    expect(() => opt.loadStateDict(bad)).toThrow(message);
    expect(snapshot(opt.stateDict())).toEqual(before);
  }

  it('refuses a state dict that does not fit, and changes nothing', () => {
    expectRefused((sd) => sd.paramGroups.pop(), /Adam.loadStateDict: the state dict has 1 parameter group\(s\); this optimizer has 2/);
    expectRefused((sd) => sd.paramGroups[0].params.pop(), /paramGroups\[0\] has 1 parameter\(s\) in the state dict; this optimizer's group has 2/);
    expectRefused((sd) => {
      sd.state[2].expAvg = seeded([2, 2], 1, { requiresGrad: false });
    }, /state\[2\]\.expAvg has shape \[2, 2\]; its parameter has shape \[4, 1, 2\]/);
    expectRefused((sd) => delete sd.state[1].maxExpAvgSq, /state\[1\]\.maxExpAvgSq is undefined; expected a Tensor/);
    expectRefused((sd) => {
      sd.state[1].momentumBuffer = 1;
    }, /state\[1\] has 'momentumBuffer'; Adam keeps \[expAvg, expAvgSq, maxExpAvgSq, step\] per parameter/);
    expectRefused((sd) => {
      sd.state[7] = sd.state[0];
    }, /state has an entry for parameter index 7, which no group lists/);
    expectRefused((sd) => {
      sd.paramGroups[1].lr = -1;
    }, /paramGroups\[1\]: lr must be a finite number >= 0; got -1/);
    expectRefused((sd) => delete sd.paramGroups[0].eps, /paramGroups\[0\] lacks the hyperparameter 'eps'/);
    expectRefused((sd) => {
      sd.paramGroups[0].momentum = 0.9;
    }, /paramGroups\[0\] has 'momentum', which is not a hyperparameter of Adam/);
    expectRefused((sd) => {
      sd.paramGroups[0].betas = [0.9];
    }, /paramGroups\[0\]\.betas is array of length 1/);
    expectRefused((sd) => {
      sd.state[0].step = Number.NaN;
    }, /state\[0\]\.step is number NaN; expected a finite number/);
  });

  it('refuses a state dict of another kind of optimizer', () => {
    const params = makeParams(13);
    const sgd = makeOptimizer('SGD', params);
    const adam = makeOptimizer('Adam', makeParams(13));
    expect(() => adam.loadStateDict(sgd.stateDict())).toThrow(/Adam.loadStateDict: paramGroups\[0\] has 'momentum'/);
    expect(() => adam.loadStateDict({} as never)).toThrow(/expected \{ state: \{...\}, paramGroups: \[...\] \}/);
  });
});
