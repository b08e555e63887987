/**
 * The optimizers' updates in WebAssembly (the algorithms of src/tensor/kernels/optimizer.ts), over
 * a list of slices of parameters: each entry names a run of one parameter (its values, gradient and
 * state at byte addresses, and its length), so the driver (../optimizer.ts) can cut a model's
 * parameters into equal shares per thread, large tensors split and small ones grouped.
 *
 * The arithmetic is float32 throughout, as PyTorch's on float32 tensors; the reference computes in
 * float64 and rounds on store, so the two agree to float32 rounding, not bit for bit.
 *
 * The hyperparameters sit in memory (the worker pool passes only i32 arguments). Every choice that is fixed
 * for a call or an entry (momentum or not, Nesterov, weight decay, first step, AMSGrad) selects its
 * own loop, so the loops carry no per-element branch.
 */
import { ModuleBuilder } from '../wasm/module-builder';
import { Code, FunctionRef, Local, f32, f32x4, forLoop, get, i32, ifThen, increment, set, v128, whileAtLeast } from '../wasm/instructions';
import type { ValueType } from '../wasm/opcodes';
import { F32 } from './blocking';

/** Byte offsets of SGD's hyperparameter block: f32 values, then i32 choices. */
export const SGD_HYPER = {
  negativeLr: 0, momentum: 4, oneMinusDampening: 8, weightDecay: 12, sign: 16,
  /** 0: no momentum, 1: momentum, 2: Nesterov. */
  mode: 20,
  /** 1 when weightDecay is not 0. */
  decay: 24,
  bytes: 28,
} as const;
/** An SGD entry: i32 param, grad, buffer addresses, element count, first-step flag. */
export const SGD_ENTRY = { param: 0, grad: 4, buffer: 8, count: 12, first: 16, bytes: 20 } as const;

/** Adam's hyperparameter block: f32 values, then i32 choices. */
export const ADAM_HYPER = {
  beta1: 0, oneMinusBeta1: 4, beta2: 8, oneMinusBeta2: 12, eps: 16, weightDecay: 20, shrink: 24, sign: 28,
  /** 0: none, 1: coupled (Adam), 2: decoupled (AdamW). */
  decay: 32,
  amsgrad: 36,
  bytes: 40,
} as const;
/** An Adam entry: i32 addresses and count, then the parameter's f32 step size (negated) and √(1 − β2^t). */
export const ADAM_ENTRY = {
  param: 0, grad: 4, expAvg: 8, expAvgSq: 12, maxExpAvgSq: 16, count: 20, negativeStepSize: 24, biasCorrection2Sqrt: 28, bytes: 32,
} as const;

export interface OptimizerFunctions {
  sgdUpdate: FunctionRef;
  adamUpdate: FunctionRef;
}

const c32 = i32.const;

/** The operations a loop body needs, for four lanes at once or for one (the tail). */
interface Lanes {
  type: ValueType;
  bytes: number;
  load(address: Code): Code;
  store(address: Code, value: Code): Code;
  add(a: Code, b: Code): Code;
  mul(a: Code, b: Code): Code;
  div(a: Code, b: Code): Code;
  max(a: Code, b: Code): Code;
  sqrt(a: Code): Code;
}

const VECTOR: Lanes = {
  type: 'v128', bytes: 16, load: (a) => v128.load(a), store: (a, v) => v128.store(a, v),
  add: f32x4.add, mul: f32x4.mul, div: f32x4.div, max: f32x4.max, sqrt: f32x4.sqrt,
};
const SCALAR: Lanes = {
  type: 'f32', bytes: F32, load: (a) => f32.load(a), store: (a, v) => f32.store(a, v),
  add: f32.add, mul: f32.mul, div: f32.div, max: f32.max, sqrt: f32.sqrt,
};

/** A constant of a loop, held in a local of each lane width. */
interface Constant {
  vector: Local;
  scalar: Local;
}

type Declare = (type: ValueType, name?: string) => Local;

/** Reads the f32 at `hyper + offset` into a scalar local and its splat into a vector local. */
function constant(local: Declare, from: Code, name: string): { value: Constant; init: Code[] } {
  const value = { vector: local('v128', `${name}4`), scalar: local('f32', name) };
  return { value, init: [set(value.scalar, from), set(value.vector, f32x4.splat(get(value.scalar)))] };
}

const pick = (c: Constant, lanes: Lanes): Code => get(lanes === VECTOR ? c.vector : c.scalar);

/** The vector loop then the scalar tail over `count` elements, advancing every pointer. */
function lanesLoop(count: Local, pointers: Local[], body: (lanes: Lanes) => Code[]): Code[] {
  return [VECTOR, SCALAR].map((lanes) =>
    whileAtLeast(count, lanes.bytes / F32, ...body(lanes), ...pointers.map((p) => increment(p, c32(lanes.bytes)))));
}

export function addOptimizerFunctions(module: ModuleBuilder): OptimizerFunctions {
  const sgdUpdate = module.func(
    'sgdUpdate',
    { list: 'i32', count: 'i32', hyper: 'i32' },
    ({ params: { list, count, hyper }, local }) => {
      const hyperF32 = (offset: number) => f32.load(get(hyper), offset);
      const consts = {
        negativeLr: constant(local, hyperF32(SGD_HYPER.negativeLr), 'negativeLr'),
        momentum: constant(local, hyperF32(SGD_HYPER.momentum), 'momentum'),
        oneMinusDampening: constant(local, hyperF32(SGD_HYPER.oneMinusDampening), 'oneMinusDampening'),
        weightDecay: constant(local, hyperF32(SGD_HYPER.weightDecay), 'weightDecay'),
        sign: constant(local, hyperF32(SGD_HYPER.sign), 'sign'),
      };
      const c = Object.fromEntries(Object.entries(consts).map(([k, v]) => [k, v.value])) as Record<keyof typeof consts, Constant>;
      const [mode, decay, e, entry, p, g, buf, n] = ['mode', 'decay', 'e', 'entry', 'p', 'g', 'buf', 'n'].map((name) => local('i32', name));
      const dv = local('v128', 'd4'), ds = local('f32', 'd');
      const bv = local('v128', 'b4'), bs = local('f32', 'b');

      /** One loop variant: the update with these choices fixed. */
      const variant = (withDecay: boolean, momentum: 0 | 1 | 2, first: boolean): Code[] =>
        lanesLoop(n, momentum === 0 ? [p, g] : [p, g, buf], (L) => {
          const d = L === VECTOR ? dv : ds;
          const b = L === VECTOR ? bv : bs;
          const body: Code[] = [set(d, L.mul(L.load(get(g)), pick(c.sign, L)))];
          if (withDecay) body.push(set(d, L.add(get(d), L.mul(pick(c.weightDecay, L), L.load(get(p))))));
          if (momentum !== 0) {
            body.push(
              set(b, first ? get(d) : L.add(L.mul(L.load(get(buf)), pick(c.momentum, L)), L.mul(pick(c.oneMinusDampening, L), get(d)))),
              L.store(get(buf), get(b)),
              set(d, momentum === 2 ? L.add(get(d), L.mul(pick(c.momentum, L), get(b))) : get(b)),
            );
          }
          body.push(L.store(get(p), L.add(L.load(get(p)), L.mul(pick(c.negativeLr, L), get(d)))));
          return body;
        });

      const byFirst = (withDecay: boolean, momentum: 1 | 2): Code =>
        ifThen(i32.load(get(entry), SGD_ENTRY.first), variant(withDecay, momentum, true), variant(withDecay, momentum, false));
      const byMode = (withDecay: boolean): Code[] => [
        ifThen(i32.eqz(get(mode)), variant(withDecay, 0, false), [
          ifThen(i32.eq(get(mode), c32(1)), [byFirst(withDecay, 1)], [byFirst(withDecay, 2)]),
        ]),
      ];
      return [
        ...Object.values(consts).flatMap((k) => k.init),
        set(mode, i32.load(get(hyper), SGD_HYPER.mode)),
        set(decay, i32.load(get(hyper), SGD_HYPER.decay)),
        forLoop(e, c32(0), get(count), c32(1),
          set(entry, i32.add(get(list), i32.mul(get(e), c32(SGD_ENTRY.bytes)))),
          set(p, i32.load(get(entry), SGD_ENTRY.param)),
          set(g, i32.load(get(entry), SGD_ENTRY.grad)),
          set(buf, i32.load(get(entry), SGD_ENTRY.buffer)),
          set(n, i32.load(get(entry), SGD_ENTRY.count)),
          ifThen(get(decay), byMode(true), byMode(false))),
      ];
    },
    { exported: true },
  );

  const adamUpdate = module.func(
    'adamUpdate',
    { list: 'i32', count: 'i32', hyper: 'i32' },
    ({ params: { list, count, hyper }, local }) => {
      const hyperF32 = (offset: number) => f32.load(get(hyper), offset);
      const [e, entry, decay, amsgrad, p, g, m, v, vMax, n] =
        ['e', 'entry', 'decay', 'amsgrad', 'p', 'g', 'm', 'v', 'vMax', 'n'].map((name) => local('i32', name));
      const consts = {
        beta1: constant(local, hyperF32(ADAM_HYPER.beta1), 'beta1'),
        oneMinusBeta1: constant(local, hyperF32(ADAM_HYPER.oneMinusBeta1), 'oneMinusBeta1'),
        beta2: constant(local, hyperF32(ADAM_HYPER.beta2), 'beta2'),
        oneMinusBeta2: constant(local, hyperF32(ADAM_HYPER.oneMinusBeta2), 'oneMinusBeta2'),
        eps: constant(local, hyperF32(ADAM_HYPER.eps), 'eps'),
        weightDecay: constant(local, hyperF32(ADAM_HYPER.weightDecay), 'weightDecay'),
        shrink: constant(local, hyperF32(ADAM_HYPER.shrink), 'shrink'),
        sign: constant(local, hyperF32(ADAM_HYPER.sign), 'sign'),
      };
      // Per entry: the parameter's own bias corrections.
      const perEntry = {
        negativeStepSize: constant(local, f32.load(get(entry), ADAM_ENTRY.negativeStepSize), 'negativeStepSize'),
        biasCorrection2Sqrt: constant(local, f32.load(get(entry), ADAM_ENTRY.biasCorrection2Sqrt), 'biasCorrection2Sqrt'),
      };
      const c = Object.fromEntries(Object.entries({ ...consts, ...perEntry }).map(([k, x]) => [k, x.value])) as
        Record<keyof typeof consts | keyof typeof perEntry, Constant>;
      const gv = local('v128', 'g4'), gs = local('f32', 'g');
      const mv = local('v128', 'm4'), ms = local('f32', 'm');
      const sv = local('v128', 'second4'), ss = local('f32', 'second');

      const variant = (decayMode: 0 | 1 | 2, withMax: boolean): Code[] =>
        lanesLoop(n, withMax ? [p, g, m, v, vMax] : [p, g, m, v], (L) => {
          const gr = L === VECTOR ? gv : gs;
          const mr = L === VECTOR ? mv : ms;
          const second = L === VECTOR ? sv : ss;
          const body: Code[] = [set(gr, L.mul(L.load(get(g)), pick(c.sign, L)))];
          if (decayMode === 2) body.push(L.store(get(p), L.mul(L.load(get(p)), pick(c.shrink, L))));
          if (decayMode === 1) body.push(set(gr, L.add(get(gr), L.mul(pick(c.weightDecay, L), L.load(get(p))))));
          body.push(
            set(mr, L.add(L.mul(L.load(get(m)), pick(c.beta1, L)), L.mul(pick(c.oneMinusBeta1, L), get(gr)))),
            L.store(get(m), get(mr)),
            set(second, L.add(L.mul(L.load(get(v)), pick(c.beta2, L)), L.mul(pick(c.oneMinusBeta2, L), L.mul(get(gr), get(gr))))),
            L.store(get(v), get(second)),
          );
          if (withMax) body.push(set(second, L.max(L.load(get(vMax)), get(second))), L.store(get(vMax), get(second)));
          const denom = L.add(L.div(L.sqrt(get(second)), pick(c.biasCorrection2Sqrt, L)), pick(c.eps, L));
          body.push(L.store(get(p), L.add(L.load(get(p)), L.div(L.mul(pick(c.negativeStepSize, L), get(mr)), denom))));
          return body;
        });
      const byMax = (decayMode: 0 | 1 | 2): Code[] => [ifThen(get(amsgrad), variant(decayMode, true), variant(decayMode, false))];
      return [
        ...Object.values(consts).flatMap((k) => k.init),
        set(decay, i32.load(get(hyper), ADAM_HYPER.decay)),
        set(amsgrad, i32.load(get(hyper), ADAM_HYPER.amsgrad)),
        forLoop(e, c32(0), get(count), c32(1),
          set(entry, i32.add(get(list), i32.mul(get(e), c32(ADAM_ENTRY.bytes)))),
          set(p, i32.load(get(entry), ADAM_ENTRY.param)),
          set(g, i32.load(get(entry), ADAM_ENTRY.grad)),
          set(m, i32.load(get(entry), ADAM_ENTRY.expAvg)),
          set(v, i32.load(get(entry), ADAM_ENTRY.expAvgSq)),
          set(vMax, i32.load(get(entry), ADAM_ENTRY.maxExpAvgSq)),
          set(n, i32.load(get(entry), ADAM_ENTRY.count)),
          ...Object.values(perEntry).flatMap((k) => k.init),
          ifThen(i32.eqz(get(decay)), byMax(0), [ifThen(i32.eq(get(decay), c32(1)), byMax(1), byMax(2))])),
      ];
    },
    { exported: true },
  );

  return { sgdUpdate, adamUpdate };
}
