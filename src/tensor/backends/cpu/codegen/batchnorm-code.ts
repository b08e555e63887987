/**
 * BatchNorm in WebAssembly: the forward (batch statistics, then the affine, optionally with ReLU) and
 * the backward (the per-channel sums, then the input's gradient, optionally through the ReLU's mask),
 * with the arithmetic of the reference (src/tensor/kernels/batchnorm.ts).
 *
 * Each call runs channels [first, last) from start to end, so threads split a layer by channel and
 * never share a sum. A channel's data (its n runs of s values, 25-100 KB for the ResNet shapes) is
 * read from memory once: the second pass over it (the squared deviations, the affine, the gradient)
 * finds it in the cache, so the forward costs one read and one write of the tensor however many
 * passes it makes.
 *
 * Statistics and sums are float64, as in the reference: each f32 pair is widened exactly and added
 * in f64x2 lanes. The elementwise outputs are f32 arithmetic with f32 coefficients (as PyTorch's CPU
 * kernels do), so they differ from the reference's float64 arithmetic by float32 rounding.
 */
import { ModuleBuilder } from '../wasm/module-builder';
import {
  Code, Local, f32, f32x4, f64, f64x2, forLoop, get, i32, ifThen, increment, select, set, v128, whileAtLeast,
} from '../wasm/instructions';
import { F32 } from './blocking';

/** Bits of the forward's `flags`. */
export const FORWARD_FLAGS = { training: 1, relu: 2 } as const;
/** Bits of the backward's `flags`. */
export const BACKWARD_FLAGS = { training: 1, mask: 2, sums: 4, grad: 8 } as const;

const c32 = i32.const;
const F64 = 8;
const VECTOR_BYTES = 16;
const HIGH_LANES: [number, number, number, number] = [2, 3, 2, 3];

/** Whether `bit` is set in the i32 `flags`. */
const has = (flags: Local, bit: number): Code => i32.and(get(flags), c32(bit));

/** The f64 sum of a pair of f64x2 accumulators and a scalar one. */
const total = (a: Local, b: Local, tail: Local): Code =>
  f64.add(
    f64.add(f64.add(f64x2.extractLane(get(a), 0), f64x2.extractLane(get(a), 1)),
      f64.add(f64x2.extractLane(get(b), 0), f64x2.extractLane(get(b), 1))),
    get(tail));

/** The f64x2 pair of the two high f32 lanes of `v`. */
const promoteHigh = (v: Code): Code => f64x2.promoteLow(v128.shuffleF32(v, v, HIGH_LANES));

/** The locals that walk one channel's n runs. */
interface Walk {
  i: Local;
  /** Bytes from a tensor's start to the current run. */
  at: Local;
  left: Local;
  n: Local;
  /** Bytes from one sample's run to the next's: c * s * 4. */
  stride: Local;
  /** Bytes from a tensor's start to the channel's first run: ch * s * 4. */
  channelAt: Local;
  s: Local;
}

/**
 * For each of the channel's runs: every pointer set to its tensor's run, then `vector` four values at
 * a time and `scalar` one at a time, each pointer moving past what was read.
 */
function eachRun(w: Walk, pointers: [Local, Local][], vector: Code[], scalar: Code[]): Code {
  return forLoop(w.i, c32(0), get(w.n), c32(1),
    set(w.at, i32.add(get(w.channelAt), i32.mul(get(w.i), get(w.stride)))),
    ...pointers.map(([pointer, base]) => set(pointer, i32.add(get(base), get(w.at)))),
    set(w.left, get(w.s)),
    whileAtLeast(w.left, 4, ...vector, ...pointers.map(([p]) => increment(p, c32(VECTOR_BYTES)))),
    whileAtLeast(w.left, 1, ...scalar, ...pointers.map(([p]) => increment(p, c32(F32)))));
}

export function addBatchNormFunctions(module: ModuleBuilder): void {
  addForward(module);
  addBackward(module);
}

/**
 * batchNormForward: for each channel, in training, the mean and Σ(x - mean)² (written to `mean` and
 * `squares`) and invStd (to `invStd`); in eval those are read. Then out = x * scale + shift with
 * scale = invStd * weight and shift = bias - mean * scale, and max(0, .) with the relu flag. `weight`
 * and `bias` are f32 vectors (the driver writes ones and zeros when the layer has none), the
 * statistics f64 vectors, `params` holds eps as an f64.
 */
function addForward(module: ModuleBuilder): void {
  module.func(
    'batchNormForward',
    {
      x: 'i32', out: 'i32', n: 'i32', c: 'i32', s: 'i32', first: 'i32', last: 'i32',
      mean: 'i32', invStd: 'i32', squares: 'i32', weight: 'i32', bias: 'i32', params: 'i32', flags: 'i32',
    },
    ({ params: p, local }) => {
      const ch = local('i32', 'ch');
      const w: Walk = {
        i: local('i32', 'i'), at: local('i32', 'at'), left: local('i32', 'left'), n: p.n,
        stride: local('i32', 'stride'), channelAt: local('i32', 'channelAt'), s: p.s,
      };
      const px = local('i32', 'px'), po = local('i32', 'po');
      const [acc0, acc1, d, mv, a4, b4] = ['acc0', 'acc1', 'd', 'mv', 'a4', 'b4'].map((name) => local('v128', name));
      const [tail, td, m, inv, sum, count, scale, shift] =
        ['tail', 'td', 'm', 'inv', 'sum', 'count', 'scale', 'shift'].map((name) => local('f64', name));
      const [a32, b32] = ['a32', 'b32'].map((name) => local('f32', name));
      const zeroAccumulators = [set(acc0, v128.zero()), set(acc1, v128.zero()), set(tail, f64.fromI32(c32(0)))];
      const channelF64 = (base: Local) => i32.add(get(base), i32.mul(get(ch), c32(F64)));
      const channelF32 = (base: Local) => i32.add(get(base), i32.mul(get(ch), c32(F32)));
      const affine = (relu: boolean): Code => {
        const activate = relu ? (v: Code) => f32x4.max(v, v128.zero()) : (v: Code) => v;
        const activateScalar = relu ? (v: Code) => f32.max(v, f32.const(0)) : (v: Code) => v;
        return eachRun(w, [[px, p.x], [po, p.out]],
          [v128.store(get(po), activate(f32x4.add(f32x4.mul(v128.load(get(px)), get(a4)), get(b4))))],
          [f32.store(get(po), activateScalar(f32.add(
            f32.mul(f32.load(get(px)), get(a32)), get(b32))))]);
      };
      return [
        set(w.stride, i32.mul(i32.mul(get(p.c), get(p.s)), c32(F32))),
        set(count, f64.fromI32(i32.mul(get(p.n), get(p.s)))),
        forLoop(ch, get(p.first), get(p.last), c32(1),
          set(w.channelAt, i32.mul(i32.mul(get(ch), get(p.s)), c32(F32))),
          ifThen(has(p.flags, FORWARD_FLAGS.training), [
            // The mean: Σx in f64.
            ...zeroAccumulators,
            eachRun(w, [[px, p.x]],
              [set(acc0, f64x2.add(get(acc0), f64x2.loadF32Pair(get(px)))),
                set(acc1, f64x2.add(get(acc1), f64x2.loadF32Pair(get(px), 8)))],
              [set(tail, f64.add(get(tail), f64.fromF32(f32.load(get(px)))))]),
            set(m, f64.div(total(acc0, acc1, tail), get(count))),
            f64.store(channelF64(p.mean), get(m)),
            // Σ(x - mean)², the second pass reading the channel from the cache.
            ...zeroAccumulators,
            set(mv, f64x2.splat(get(m))),
            eachRun(w, [[px, p.x]],
              [set(d, f64x2.sub(f64x2.loadF32Pair(get(px)), get(mv))),
                set(acc0, f64x2.add(get(acc0), f64x2.mul(get(d), get(d)))),
                set(d, f64x2.sub(f64x2.loadF32Pair(get(px), 8), get(mv))),
                set(acc1, f64x2.add(get(acc1), f64x2.mul(get(d), get(d))))],
              [set(td, f64.sub(f64.fromF32(f32.load(get(px))), get(m))),
                set(tail, f64.add(get(tail), f64.mul(get(td), get(td))))]),
            set(sum, total(acc0, acc1, tail)),
            f64.store(channelF64(p.squares), get(sum)),
            set(inv, f64.div(f64.fromI32(c32(1)),
              f64.sqrt(f64.add(f64.div(get(sum), get(count)), f64.load(get(p.params)))))),
            f64.store(channelF64(p.invStd), get(inv)),
          ], [
            set(m, f64.load(channelF64(p.mean))),
            set(inv, f64.load(channelF64(p.invStd))),
          ]),
          set(scale, f64.mul(get(inv), f64.fromF32(f32.load(channelF32(p.weight))))),
          set(shift, f64.sub(f64.fromF32(f32.load(channelF32(p.bias))), f64.mul(get(m), get(scale)))),
          set(a32, f64.toF32(get(scale))),
          set(b32, f64.toF32(get(shift))),
          set(a4, f32x4.splat(get(a32))),
          set(b4, f32x4.splat(get(b32))),
          ifThen(has(p.flags, FORWARD_FLAGS.relu), [affine(true)], [affine(false)])),
      ];
    },
    { exported: true },
  );
}

/**
 * batchNormBackward: for each channel, with the sums flag, Σg and Σg·(x - mean) (to `sumG`, `sumGX`);
 * with the grad flag, gx = a * (g - b - (x - mean) * k) with a = invStd * weight and, in training,
 * b = Σg / count and k = Σg·(x - mean) * invStd² / count (0 in eval). With the mask flag, g is taken
 * as 0 wherever y <= 0 (or NaN) in both passes: the ReLU that followed the forward.
 */
function addBackward(module: ModuleBuilder): void {
  module.func(
    'batchNormBackward',
    {
      g: 'i32', x: 'i32', y: 'i32', gx: 'i32', n: 'i32', c: 'i32', s: 'i32', first: 'i32', last: 'i32',
      mean: 'i32', invStd: 'i32', weight: 'i32', sumG: 'i32', sumGX: 'i32', flags: 'i32',
    },
    ({ params: p, local }) => {
      const ch = local('i32', 'ch');
      const w: Walk = {
        i: local('i32', 'i'), at: local('i32', 'at'), left: local('i32', 'left'), n: p.n,
        stride: local('i32', 'stride'), channelAt: local('i32', 'channelAt'), s: p.s,
      };
      const [pg, px, py, pq] = ['pg', 'px', 'py', 'pq'].map((name) => local('i32', name));
      const [sg0, sg1, sx0, sx1, gv, xv, t0, t1, mv, a4, b4, k4, m4] =
        ['sg0', 'sg1', 'sx0', 'sx1', 'gv', 'xv', 't0', 't1', 'mv', 'a4', 'b4', 'k4', 'm4'].map((name) => local('v128', name));
      const [tg, tx, ts, m, inv, sG, sGX, count, scale, offset, slope] =
        ['tg', 'tx', 'ts', 'm', 'inv', 'sG', 'sGX', 'count', 'scale', 'offset', 'slope'].map((name) => local('f64', name));
      const [gs, a32, b32, k32, m32] = ['gs', 'a32', 'b32', 'k32', 'm32'].map((name) => local('f32', name));
      const channelF64 = (base: Local) => i32.add(get(base), i32.mul(get(ch), c32(F64)));
      /** The gradient's four values at pg, zero where y <= 0 when masked. */
      const gradientVector = (masked: boolean): Code =>
        masked ? v128.and(v128.load(get(pg)), f32x4.gt(v128.load(get(py)), v128.zero())) : v128.load(get(pg));
      const gradientScalar = (masked: boolean): Code =>
        masked ? select(f32.load(get(pg)), f32.const(0), f32.gt(f32.load(get(py)), f32.const(0))) : f32.load(get(pg));
      const pointers = (masked: boolean, ...rest: [Local, Local][]): [Local, Local][] =>
        [[pg, p.g], [px, p.x], ...(masked ? [[py, p.y] as [Local, Local]] : []), ...rest];
      const sums = (masked: boolean): Code => eachRun(w, pointers(masked),
        [
          set(gv, gradientVector(masked)),
          set(xv, v128.load(get(px))),
          set(t0, f64x2.promoteLow(get(gv))),
          set(t1, promoteHigh(get(gv))),
          set(sg0, f64x2.add(get(sg0), get(t0))),
          set(sg1, f64x2.add(get(sg1), get(t1))),
          set(sx0, f64x2.add(get(sx0), f64x2.mul(get(t0), f64x2.sub(f64x2.promoteLow(get(xv)), get(mv))))),
          set(sx1, f64x2.add(get(sx1), f64x2.mul(get(t1), f64x2.sub(promoteHigh(get(xv)), get(mv))))),
        ],
        [
          set(ts, f64.fromF32(gradientScalar(masked))),
          set(tg, f64.add(get(tg), get(ts))),
          set(tx, f64.add(get(tx), f64.mul(get(ts), f64.sub(f64.fromF32(f32.load(get(px))), get(m))))),
        ]);
      const inputGrad = (masked: boolean): Code => eachRun(w, pointers(masked, [pq, p.gx]),
        [v128.store(get(pq), f32x4.mul(get(a4), f32x4.sub(
          f32x4.sub(gradientVector(masked), get(b4)),
          f32x4.mul(f32x4.sub(v128.load(get(px)), get(m4)), get(k4)))))],
        [
          set(gs, gradientScalar(masked)),
          f32.store(get(pq), f32.mul(get(a32), f32.sub(
            f32.sub(get(gs), get(b32)),
            f32.mul(f32.sub(f32.load(get(px)), get(m32)), get(k32))))),
        ]);
      return [
        set(w.stride, i32.mul(i32.mul(get(p.c), get(p.s)), c32(F32))),
        set(count, f64.fromI32(i32.mul(get(p.n), get(p.s)))),
        forLoop(ch, get(p.first), get(p.last), c32(1),
          set(w.channelAt, i32.mul(i32.mul(get(ch), get(p.s)), c32(F32))),
          set(m, f64.load(channelF64(p.mean))),
          set(inv, f64.load(channelF64(p.invStd))),
          ifThen(has(p.flags, BACKWARD_FLAGS.sums), [
            ...[sg0, sg1, sx0, sx1].map((acc) => set(acc, v128.zero())),
            set(tg, f64.fromI32(c32(0))), set(tx, f64.fromI32(c32(0))),
            set(mv, f64x2.splat(get(m))),
            ifThen(has(p.flags, BACKWARD_FLAGS.mask), [sums(true)], [sums(false)]),
            set(sG, total(sg0, sg1, tg)),
            set(sGX, total(sx0, sx1, tx)),
            f64.store(channelF64(p.sumG), get(sG)),
            f64.store(channelF64(p.sumGX), get(sGX)),
          ]),
          ifThen(has(p.flags, BACKWARD_FLAGS.grad), [
            set(scale, f64.mul(get(inv), f64.fromF32(f32.load(i32.add(get(p.weight), i32.mul(get(ch), c32(F32))))))),
            ifThen(has(p.flags, BACKWARD_FLAGS.training), [
              set(offset, f64.div(get(sG), get(count))),
              set(slope, f64.div(f64.mul(f64.mul(get(sGX), get(inv)), get(inv)), get(count))),
            ], [
              set(offset, f64.fromI32(c32(0))),
              set(slope, f64.fromI32(c32(0))),
            ]),
            // The coefficients rounded to f32 once, for the vectors and the scalar tail alike.
            set(a32, f64.toF32(get(scale))), set(b32, f64.toF32(get(offset))),
            set(k32, f64.toF32(get(slope))), set(m32, f64.toF32(get(m))),
            set(a4, f32x4.splat(get(a32))), set(b4, f32x4.splat(get(b32))),
            set(k4, f32x4.splat(get(k32))), set(m4, f32x4.splat(get(m32))),
            ifThen(has(p.flags, BACKWARD_FLAGS.mask), [inputGrad(true)], [inputGrad(false)]),
          ])),
      ];
    },
    { exported: true },
  );
}

