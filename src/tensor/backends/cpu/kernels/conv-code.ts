/**
 * The three convolution passes in WebAssembly, each over a range [first, last) of (sample, group)
 * pairs so threads can share a batch: im2col or col2im (./im2col-code) around one GEMM
 * (./gemm-code) per pair, the same products as the reference (src/tensor/kernels/conv.ts).
 * `columns`, `packedA`, `packedB` and `scratch` are the calling thread's own buffers.
 */
import { ModuleBuilder } from '../wasm/module-builder';
import { Code, FunctionRef, Local, call, f32, f32x4, forLoop, get, i32, increment, set, v128, whileAtLeast } from '../wasm/instructions';
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

/** The parameters every pass takes; `one`, `two`, `out` are the pass's tensors in signature order. */
const PASS_PARAMS = {
  descriptor: 'i32', one: 'i32', two: 'i32', out: 'i32', first: 'i32', last: 'i32',
  columns: 'i32', packedA: 'i32', packedB: 'i32', scratch: 'i32',
} as const;

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
   * Declares one pass: loops over its pairs, with `n`, `g` and the pair's addresses in scope, and
   * `body` giving the work of one pair.
   */
  const pass = (name: string, body: (p: Record<keyof typeof PASS_PARAMS, Local>, at: PairAddresses, size: Sizes) => Code[]) =>
    module.func(name, PASS_PARAMS, ({ params: p, local }) => {
      const pair = local('i32', 'pair'), n = local('i32', 'n'), g = local('i32', 'g');
      const size: Sizes = {
        rows: local('i32', 'rows'), cols: local('i32', 'cols'),
        groupOutChannels: local('i32', 'groupOutChannels'),
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
      return [
        set(size.rows, field('rows')),
        set(size.cols, field('cols')),
        set(size.groupOutChannels, field('groupOutChannels')),
        forLoop(pair, get(p.first), get(p.last), c32(1),
          set(n, i32.divS(get(pair), field('groups'))),
          set(g, i32.remS(get(pair), field('groups'))),
          ...body(p, at, size)),
      ];
    }, { exported: true });

  const bytes = (count: Local) => i32.mul(get(count), c32(F32));
  const buffers = (p: Record<string, Local>) => [get(p.packedA), get(p.packedB), get(p.scratch)];

  // (one, two, out) = (x, w, y). y = W_g (og x rows) · columns (rows x cols).
  const convForward = pass('convForward', (p, at, s) => [
    call(im2col.im2col, get(p.descriptor), at.image(p.one), get(p.columns)),
    call(gemm.gemm,
      get(s.groupOutChannels), get(s.cols), get(s.rows),
      at.weight(p.two), bytes(s.rows), c32(F32),
      get(p.columns), bytes(s.cols), c32(F32),
      at.output(p.out), bytes(s.cols), c32(0),
      ...buffers(p)),
  ]);

  // (one, two, out) = (gy, w, gx), gx zeroed by the caller. columns = W_gᵀ (rows x og) · gy (og x cols),
  // then folded onto gx.
  const convBackwardData = pass('convBackwardData', (p, at, s) => [
    call(gemm.gemm,
      get(s.rows), get(s.cols), get(s.groupOutChannels),
      at.weight(p.two), c32(F32), bytes(s.rows),
      at.output(p.one), bytes(s.cols), c32(F32),
      get(p.columns), bytes(s.cols), c32(0),
      ...buffers(p)),
    call(im2col.col2im, get(p.descriptor), get(p.columns), at.image(p.out)),
  ]);

  // (one, two, out) = (x, gy, gw), gw this thread's zeroed partial sum.
  // gw_g (og x rows) += gy (og x cols) · columnsᵀ (cols x rows).
  const convBackwardFilter = pass('convBackwardFilter', (p, at, s) => [
    call(im2col.im2col, get(p.descriptor), at.image(p.one), get(p.columns)),
    call(gemm.gemm,
      get(s.groupOutChannels), get(s.rows), get(s.cols),
      at.output(p.two), bytes(s.cols), c32(F32),
      get(p.columns), c32(F32), bytes(s.cols),
      at.weight(p.out), bytes(s.rows), c32(1),
      ...buffers(p)),
  ]);

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
}
