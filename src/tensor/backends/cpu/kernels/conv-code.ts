/**
 * The three convolution passes in WebAssembly, each over (sample, group) pairs so threads can share
 * a batch: im2col or col2im (./im2col-code) around one GEMM (./gemm-code) per pair, the same
 * products as the reference (src/tensor/kernels/conv.ts). `columns`, `packedA`, `packedB` and
 * `scratch` are the calling thread's own buffers.
 *
 * Forward and backward-data deal the pairs one at a time from a counter in the shared memory that
 * every thread increments atomically: a worker that starts late (here it often waits 1-2 ms for its
 * core, which the garbage collector's threads take between a network's TypeScript ops) then takes
 * fewer pairs instead of keeping the others waiting at the join. Backward-filter gives each thread a
 * fixed range [first, last) instead: every thread sums its pairs into its own partial gradient, and
 * sums whose terms depended on timing would round differently from one run to the next.
 *
 * A pointwise convolution (a 1x1 kernel, stride 1, no padding: the descriptor's `pointwise` field)
 * has each pair's image as its column matrix, so its passes skip im2col and col2im and give the GEMM
 * the image slice itself: y = W_g · X, gx = W_gᵀ · gy written straight into gx, gw_g += gy · Xᵀ.
 */
import { ModuleBuilder } from '../wasm/module-builder';
import {
  Code, FunctionRef, Local, block, br, brIf, call, f32, f32x4, forLoop, get, i32, ifThen, increment, loop, set, v128, whileAtLeast,
} from '../wasm/instructions';
import { F32 } from './blocking';
import { GemmFunctions } from './gemm-code';
import { Im2colFunctions, convField } from './im2col-code';
import type { ConvField } from './conv-descriptor';

export interface ConvFunctions {
  convForward: FunctionRef;
  convBackwardData: FunctionRef;
  convBackwardFilter: FunctionRef;
  addInto: FunctionRef;
}

const c32 = i32.const;

/** How a pass's threads share the pairs, and the two parameters that say which pairs a thread runs. */
const SHARING_PARAMS = {
  /** `next`: address of the i32 counter of pairs taken (0 before the call); `count`: the pairs. */
  dealt: { next: 'i32', count: 'i32' },
  /** This thread's pairs, [first, last). */
  ranges: { first: 'i32', last: 'i32' },
} as const;

export type Sharing = keyof typeof SHARING_PARAMS;

/**
 * The parameters of a pass, in order: the descriptor, the pass's tensors `one`, `two`, `out` in
 * signature order, the sharing parameters, then this thread's buffers.
 */
function passParams(sharing: Sharing) {
  return {
    descriptor: 'i32', one: 'i32', two: 'i32', out: 'i32',
    ...SHARING_PARAMS[sharing],
    columns: 'i32', packedA: 'i32', packedB: 'i32', scratch: 'i32',
  } as const;
}

/** The parameters a pass's body uses. */
type PassParams = Record<'descriptor' | 'one' | 'two' | 'out' | 'columns' | 'packedA' | 'packedB' | 'scratch', Local>;

/** Byte addresses of one pair's slices: sample n, group g. */
interface PairAddresses {
  /** Input (or input gradient) [n, g*cg .. ]: (n*C + g*cg) * inVolume floats in. */
  image: (base: Local) => Code;
  /** Output (or output gradient) [n, g*og .. ]: (n*O + g*og) * cols floats in. */
  output: (base: Local) => Code;
  /** Weight (or weight gradient) [g*og .. ]: g*og*rows floats in. */
  weight: (base: Local) => Code;
}

export function addConvFunctions(module: ModuleBuilder, gemm: GemmFunctions, im2col: Im2colFunctions): ConvFunctions {
  /**
   * Declares one pass: loops over its pairs as `sharing` says, with `n`, `g` and the pair's addresses
   * in scope, and `body` giving the work of one pair.
   */
  const pass = (name: string, sharing: Sharing, body: (p: PassParams, at: PairAddresses, size: Sizes) => Code[]) =>
    module.func(name, passParams(sharing), ({ params, local }) => {
      const p: PassParams = params;
      const pair = local('i32', 'pair'), n = local('i32', 'n'), g = local('i32', 'g');
      const size: Sizes = {
        rows: local('i32', 'rows'), cols: local('i32', 'cols'),
        groupOutChannels: local('i32', 'groupOutChannels'),
        pointwise: local('i32', 'pointwise'),
      };
      const field = (name: ConvField) => convField(p.descriptor, name);
      const floats = (count: Code) => i32.mul(count, c32(F32));
      const at: PairAddresses = {
        image: (base) => i32.add(get(base), floats(i32.mul(
          i32.add(i32.mul(get(n), field('channels')), i32.mul(get(g), field('groupChannels'))), field('inVolume')))),
        output: (base) => i32.add(get(base), floats(i32.mul(
          i32.add(i32.mul(get(n), field('outChannels')), i32.mul(get(g), get(size.groupOutChannels))), get(size.cols)))),
        weight: (base) => i32.add(get(base), floats(i32.mul(i32.mul(get(g), get(size.groupOutChannels)), get(size.rows)))),
      };
      const onePair = [
        set(n, i32.divS(get(pair), field('groups'))),
        set(g, i32.remS(get(pair), field('groups'))),
        ...body(p, at, size),
      ];
      const pairs = 'next' in params
        // Take the next pair until none is left.
        ? block(loop(
          set(pair, i32.atomicAdd(get(params.next), c32(1))),
          brIf(1, i32.geS(get(pair), get(params.count))),
          ...onePair,
          br(0)))
        : forLoop(pair, get(params.first), get(params.last), c32(1), ...onePair);
      return [
        set(size.rows, field('rows')),
        set(size.cols, field('cols')),
        set(size.groupOutChannels, field('groupOutChannels')),
        set(size.pointwise, field('pointwise')),
        pairs,
      ];
    }, { exported: true });

  const bytes = (count: Local) => i32.mul(get(count), c32(F32));
  const buffers = (p: PassParams) => [get(p.packedA), get(p.packedB), get(p.scratch)];

  // (one, two, out) = (x, w, y). y = W_g (og x rows) · columns (rows x cols).
  const convForward = pass('convForward', 'dealt', (p, at, s) => {
    const product = (columns: Code) => call(gemm.gemm,
      get(s.groupOutChannels), get(s.cols), get(s.rows),
      at.weight(p.two), bytes(s.rows), c32(F32),
      columns, bytes(s.cols), c32(F32),
      at.output(p.out), bytes(s.cols), c32(0),
      ...buffers(p));
    return [
      ifThen(get(s.pointwise), [product(at.image(p.one))], [
        call(im2col.im2col, get(p.descriptor), at.image(p.one), get(p.columns)),
        product(get(p.columns)),
      ]),
    ];
  });

  // (one, two, out) = (gy, w, gx), gx zeroed by the caller unless pointwise.
  // columns = W_gᵀ (rows x og) · gy (og x cols), then folded onto gx; pointwise, gx is the columns.
  const convBackwardData = pass('convBackwardData', 'dealt', (p, at, s) => {
    const product = (columns: Code) => call(gemm.gemm,
      get(s.rows), get(s.cols), get(s.groupOutChannels),
      at.weight(p.two), c32(F32), bytes(s.rows),
      at.output(p.one), bytes(s.cols), c32(F32),
      columns, bytes(s.cols), c32(0),
      ...buffers(p));
    return [
      ifThen(get(s.pointwise), [product(at.image(p.out))], [
        product(get(p.columns)),
        call(im2col.col2im, get(p.descriptor), get(p.columns), at.image(p.out)),
      ]),
    ];
  });

  // (one, two, out) = (x, gy, gw), gw this thread's zeroed partial sum.
  // gw_g (og x rows) += gy (og x cols) · columnsᵀ (cols x rows).
  const convBackwardFilter = pass('convBackwardFilter', 'ranges', (p, at, s) => {
    const product = (columns: Code) => call(gemm.gemm,
      get(s.groupOutChannels), get(s.rows), get(s.cols),
      at.output(p.two), bytes(s.cols), c32(F32),
      columns, c32(F32), bytes(s.cols),
      at.weight(p.out), bytes(s.rows), c32(1),
      ...buffers(p));
    return [
      ifThen(get(s.pointwise), [product(at.image(p.one))], [
        call(im2col.im2col, get(p.descriptor), at.image(p.one), get(p.columns)),
        product(get(p.columns)),
      ]),
    ];
  });

  const addInto = module.func(
    'addInto',
    { dst: 'i32', src: 'i32', count: 'i32' },
    ({ params: { dst, src, count } }) => [
      whileAtLeast(count, 4,
        v128.store(get(dst), f32x4.add(v128.load(get(dst)), v128.load(get(src)))),
        increment(dst, c32(16)), increment(src, c32(16))),
      whileAtLeast(count, 1,
        f32.store(get(dst), f32.add(f32.load(get(dst)), f32.load(get(src)))),
        increment(dst, c32(F32)), increment(src, c32(F32))),
    ],
    { exported: true },
  );

  return { convForward, convBackwardData, convBackwardFilter, addInto };
}

interface Sizes {
  rows: Local;
  cols: Local;
  groupOutChannels: Local;
  /** The descriptor's `pointwise` flag: the pair's image is its column matrix. */
  pointwise: Local;
}
