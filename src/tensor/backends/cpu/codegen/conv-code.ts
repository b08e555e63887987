/**
 * The three convolution passes in WebAssembly, each over units of work so threads can share a batch:
 * im2col or col2im (./im2col-code) around one GEMM (./gemm-code) per unit, the same products as the
 * reference (src/tensor/kernels/conv.ts). `columns`, `packedA`, `packedB` and `scratch` are the
 * calling thread's own buffers.
 *
 * A unit is a block of the descriptor's `blockSamples` consecutive samples (the last block may hold
 * fewer) with one group: unit u is block u / groups, group u % groups. With one sample per block the
 * unit is a (sample, group) pair and its GEMM has the pair's `cols` columns. With more, the block's
 * column matrices sit side by side in one matrix of rows x (samples * cols), each sample's at its
 * column offset, so a layer with a small output (a few columns per sample) still runs GEMMs wide
 * enough to fill the micro-kernel's tiles. Outputs are sample-major ([n, o, cols]), so the block's
 * GEMM writes (or reads) an og x (samples * cols) matrix in the thread's block scratch, which
 * lies in `columns` after the largest column matrix, and each sample's og x cols slice is copied
 * from (or to) it.
 *
 * Forward and backward-data deal the units one at a time from a counter in the shared memory that every
 * thread increments atomically: a worker that starts late (on the project's 2-core machine, in November
 * 2026, one often waited 1-2 ms for its core, which the garbage collector's threads take between a
 * network's TypeScript ops) then takes fewer units instead of keeping the others waiting at the join.
 * Backward-filter gives each thread a fixed range [first, last) instead: every thread sums its units into
 * its own partial gradient, and sums whose terms depended on timing would round differently from one run to
 * the next.
 *
 * A pointwise convolution (a 1x1 kernel, stride 1, no padding: the descriptor's `pointwise` field)
 * run pair by pair has each pair's image as its column matrix, so its passes skip im2col and col2im
 * and give the GEMM the image slice itself: y = W_g · X, gx = W_gᵀ · gy written straight into gx,
 * gw_g += gy · Xᵀ. In blocks of several samples, whose images are not side by side, each sample's
 * image is copied into the block's column matrix at its column offset (backward-data copies the
 * other way, into gx), which is what im2col and col2im come to for such a kernel.
 */
import { ModuleBuilder } from '../wasm/module-builder';
import {
  Code, FunctionRef, Local, block, br, brIf, call, f32, f32x4, forLoop, get, i32, ifThen, increment, loop, memory, set, v128, whileAtLeast,
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

/** How a pass's threads share the units, and the two parameters that say which units a thread runs. */
const SHARING_PARAMS = {
  /** `next`: address of the i32 counter of units taken (0 before the call); `count`: the units. */
  dealt: { next: 'i32', count: 'i32' },
  /** This thread's units, [first, last). */
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

/** Byte addresses of one pair's slices: sample n, group g (the pass's locals). */
interface PairAddresses {
  /** Input (or input gradient) [n, g*cg .. ]: (n*C + g*cg) * inVolume floats in. */
  image: (base: Local) => Code;
  /** Output (or output gradient) [n, g*og .. ]: (n*O + g*og) * cols floats in. */
  output: (base: Local) => Code;
  /** Weight (or weight gradient) [g*og .. ]: g*og*rows floats in. */
  weight: (base: Local) => Code;
}

/** What a block's body works with besides the pair addresses (whose `n` it sets per sample). */
interface BlockLocals {
  /** The block's first sample, and how many it holds. */
  first: Local;
  samples: Local;
  /** samples * cols: the columns of the block's GEMM, and the row length of its matrices. */
  width: Local;
  /** The sample index the body's loops set `n` from. */
  sample: Local;
  /** Byte address of the thread's block scratch (og x width), after its column matrix. */
  blockScratch: Local;
  /** Sets `n` to sample `sample` of the block. */
  setSample: Code;
}

export function addConvFunctions(module: ModuleBuilder, gemm: GemmFunctions, im2col: Im2colFunctions): ConvFunctions {
  /**
   * Declares one pass: loops over its units as `sharing` says; a unit of one sample runs `pairBody`
   * with `n`, `g` and the pair's addresses in scope, a unit of several runs `blockBody`.
   */
  const pass = (
    name: string, sharing: Sharing,
    pairBody: (p: PassParams, at: PairAddresses, size: Sizes) => Code[],
    blockBody: (p: PassParams, at: PairAddresses, size: Sizes, b: BlockLocals) => Code[],
  ) =>
    module.func(name, passParams(sharing), ({ params, local }) => {
      const p: PassParams = params;
      const unit = local('i32', 'unit'), n = local('i32', 'n'), g = local('i32', 'g');
      const blockSamples = local('i32', 'blockSamples');
      const size: Sizes = {
        rows: local('i32', 'rows'), cols: local('i32', 'cols'),
        groupOutChannels: local('i32', 'groupOutChannels'),
        pointwise: local('i32', 'pointwise'),
      };
      const b: BlockLocals = {
        first: local('i32', 'first'), samples: local('i32', 'samples'), width: local('i32', 'width'),
        sample: local('i32', 'sample'), blockScratch: local('i32', 'blockScratch'),
        setSample: [],
      };
      b.setSample = set(n, i32.add(get(b.first), get(b.sample)));
      const field = (name: ConvField) => convField(p.descriptor, name);
      const floats = (count: Code) => i32.mul(count, c32(F32));
      const at: PairAddresses = {
        image: (base) => i32.add(get(base), floats(i32.mul(
          i32.add(i32.mul(get(n), field('channels')), i32.mul(get(g), field('groupChannels'))), field('inVolume')))),
        output: (base) => i32.add(get(base), floats(i32.mul(
          i32.add(i32.mul(get(n), field('outChannels')), i32.mul(get(g), get(size.groupOutChannels))), get(size.cols)))),
        weight: (base) => i32.add(get(base), floats(i32.mul(i32.mul(get(g), get(size.groupOutChannels)), get(size.rows)))),
      };
      const oneUnit = [
        set(g, i32.remS(get(unit), field('groups'))),
        set(b.first, i32.mul(i32.divS(get(unit), field('groups')), get(blockSamples))),
        ifThen(i32.eq(get(blockSamples), c32(1)), [
          set(n, get(b.first)),
          ...pairBody(p, at, size),
        ], [
          set(b.samples, i32.sub(field('batch'), get(b.first))),
          ifThen(i32.gtS(get(b.samples), get(blockSamples)), [set(b.samples, get(blockSamples))]),
          set(b.width, i32.mul(get(b.samples), get(size.cols))),
          ...blockBody(p, at, size, b),
        ]),
      ];
      const units = 'next' in params
        // Take the next unit until none is left.
        ? block(loop(
          set(unit, i32.atomicAdd(get(params.next), c32(1))),
          brIf(1, i32.geS(get(unit), get(params.count))),
          ...oneUnit,
          br(0)))
        : forLoop(unit, get(params.first), get(params.last), c32(1), ...oneUnit);
      return [
        set(size.rows, field('rows')),
        set(size.cols, field('cols')),
        set(size.groupOutChannels, field('groupOutChannels')),
        set(size.pointwise, field('pointwise')),
        set(blockSamples, field('blockSamples')),
        // The block scratch follows the largest column matrix, rows x (blockSamples * cols).
        set(b.blockScratch, i32.add(get(p.columns),
          floats(i32.mul(get(size.rows), i32.mul(get(blockSamples), get(size.cols)))))),
        units,
      ];
    }, { exported: true });

  const bytes = (count: Local) => i32.mul(get(count), c32(F32));
  const buffers = (p: PassParams) => [get(p.packedA), get(p.packedB), get(p.scratch)];
  /** Byte address `offset` + sample * cols floats: a sample's column offset in a block matrix. */
  const sampleColumn = (offset: Local, s: Sizes, b: BlockLocals) =>
    i32.add(get(offset), i32.mul(i32.mul(get(b.sample), get(s.cols)), c32(F32)));
  /** For each sample of the block: `n` set, then `body`. */
  const eachSample = (b: BlockLocals, ...body: Code[]) =>
    forLoop(b.sample, c32(0), get(b.samples), c32(1), b.setSample, ...body);
  /**
   * The block's column matrix (rows x width): cleared, then each sample's im2col; pointwise, each
   * sample's image (rows = channels of the group, cols = its volume) copied in as it is.
   */
  const blockIm2col = (p: PassParams, at: PairAddresses, s: Sizes, b: BlockLocals): Code[] => [
    ifThen(get(s.pointwise), [
      eachSample(b, call(im2col.copyRows,
        sampleColumn(p.columns, s, b), bytes(b.width), at.image(p.one), bytes(s.cols), get(s.rows), get(s.cols))),
    ], [
      memory.fill(get(p.columns), c32(0), i32.mul(i32.mul(get(s.rows), get(b.width)), c32(F32))),
      eachSample(b, call(im2col.im2colRuns, get(p.descriptor), at.image(p.one), sampleColumn(p.columns, s, b), bytes(b.width))),
    ]),
  ];
  /** The block scratch (og x width) = each sample's slice of the output-shaped tensor `source`. */
  const gatherOutputs = (source: Local, at: PairAddresses, s: Sizes, b: BlockLocals): Code =>
    eachSample(b, call(im2col.copyRows,
      sampleColumn(b.blockScratch, s, b), bytes(b.width), at.output(source), bytes(s.cols),
      get(s.groupOutChannels), get(s.cols)));

  /**
   * One pair's product over its input image's columns: pointwise, the image itself is the column
   * matrix; otherwise im2col writes it into the columns buffer first.
   */
  const overColumns = (p: PassParams, at: PairAddresses, s: Sizes, product: (columns: Code) => Code): Code =>
    ifThen(get(s.pointwise), [product(at.image(p.one))], [
      call(im2col.im2col, get(p.descriptor), at.image(p.one), get(p.columns)),
      product(get(p.columns)),
    ]);

  // (one, two, out) = (x, w, y). y = W_g (og x rows) · columns (rows x cols).
  const convForward = pass('convForward', 'dealt', (p, at, s) => {
    const product = (columns: Code) => call(gemm.gemm,
      get(s.groupOutChannels), get(s.cols), get(s.rows),
      at.weight(p.two), bytes(s.rows), c32(F32),
      columns, bytes(s.cols), c32(F32),
      at.output(p.out), bytes(s.cols), c32(0),
      ...buffers(p));
    return [overColumns(p, at, s, product)];
  }, (p, at, s, b) => [
    ...blockIm2col(p, at, s, b),
    // block scratch (og x width) = W_g (og x rows) · columns (rows x width), then each sample's slice to y.
    call(gemm.gemm,
      get(s.groupOutChannels), get(b.width), get(s.rows),
      at.weight(p.two), bytes(s.rows), c32(F32),
      get(p.columns), bytes(b.width), c32(F32),
      get(b.blockScratch), bytes(b.width), c32(0),
      ...buffers(p)),
    eachSample(b, call(im2col.copyRows,
      at.output(p.out), bytes(s.cols), sampleColumn(b.blockScratch, s, b), bytes(b.width),
      get(s.groupOutChannels), get(s.cols))),
  ]);

  // (one, two, out) = (gy, w, gx), gx zeroed by the caller unless pointwise.
  // columns = W_gᵀ (rows x og) · gy (og x cols), then folded onto gx; pointwise, gx is the columns
  // (in blocks, each sample's columns are copied to it).
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
  }, (p, at, s, b) => [
    gatherOutputs(p.one, at, s, b),
    // columns (rows x width) = W_gᵀ (rows x og) · block scratch (og x width), each sample's folded onto gx.
    call(gemm.gemm,
      get(s.rows), get(b.width), get(s.groupOutChannels),
      at.weight(p.two), c32(F32), bytes(s.rows),
      get(b.blockScratch), bytes(b.width), c32(F32),
      get(p.columns), bytes(b.width), c32(0),
      ...buffers(p)),
    ifThen(get(s.pointwise), [
      eachSample(b, call(im2col.copyRows,
        at.image(p.out), bytes(s.cols), sampleColumn(p.columns, s, b), bytes(b.width), get(s.rows), get(s.cols))),
    ], [
      eachSample(b, call(im2col.col2imRuns, get(p.descriptor), sampleColumn(p.columns, s, b), at.image(p.out), bytes(b.width))),
    ]),
  ]);

  // (one, two, out) = (x, gy, gw), gw this thread's zeroed partial sum.
  // gw_g (og x rows) += gy (og x cols) · columnsᵀ (cols x rows).
  const convBackwardFilter = pass('convBackwardFilter', 'ranges', (p, at, s) => {
    const product = (columns: Code) => call(gemm.gemm,
      get(s.groupOutChannels), get(s.rows), get(s.cols),
      at.output(p.two), bytes(s.cols), c32(F32),
      columns, c32(F32), bytes(s.cols),
      at.weight(p.out), bytes(s.rows), c32(1),
      ...buffers(p));
    return [overColumns(p, at, s, product)];
  }, (p, at, s, b) => [
    gatherOutputs(p.two, at, s, b),
    ...blockIm2col(p, at, s, b),
    // gw_g (og x rows) += block scratch (og x width) · columnsᵀ (width x rows).
    call(gemm.gemm,
      get(s.groupOutChannels), get(s.rows), get(b.width),
      get(b.blockScratch), bytes(b.width), c32(F32),
      get(p.columns), c32(F32), bytes(b.width),
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
  /** The descriptor's `pointwise` flag: the pair's image is its column matrix. */
  pointwise: Local;
}
