/**
 * im2col and col2im in WebAssembly, over three spatial dims, with the layout of the reference
 * (src/tensor/kernels/im2col.ts): one column-matrix row per (channel, kd, kh, kw), one column per
 * output position. The sizes come from a convolution descriptor (./conv-descriptor), whose tap tables
 * give, for each kernel tap, the output range that reads inside the input; the loops walk only those
 * ranges, one contiguous run along the width at a time, so no bound is tested per element.
 */
import { FunctionScope, ModuleBuilder } from '../wasm/module-builder';
import {
  Code, FunctionRef, Local, block, br, brIf, call, f32, f32x4, forLoop, get, i32, ifThen, increment, loop, memory, set, v128,
  whileAtLeast,
} from '../wasm/instructions';
import type { ValueType } from '../wasm/opcodes';
import { ConvField, TAP_BYTES, TAP_HI, TAP_LO, TAP_OFFSET, convFieldOffset } from './conv-descriptor';
import { F32 } from './blocking';

export interface Im2colFunctions {
  im2col: FunctionRef;
  col2im: FunctionRef;
  /**
   * im2col without the clearing, into a column matrix whose rows are `rowStride` bytes apart:
   * (descriptor, image, columns, rowStride). The caller zeroes the matrix first (reads in the padding
   * are the zeros left there). With a row stride of several samples' columns, one sample's columns go
   * at its column offset, so a GEMM can take several samples at once.
   */
  im2colRuns: FunctionRef;
  /** col2im from a column matrix whose rows are `rowStride` bytes apart: (descriptor, columns, image, rowStride). */
  col2imRuns: FunctionRef;
  /** Copies `rows` rows of `count` floats: (dst, dstStride, src, srcStride, rows, count), strides in bytes. */
  copyRows: FunctionRef;
}

const c32 = i32.const;

/** Runs shorter than this are copied in the loop nest, not by a call (a small output's are 1-4 long). */
const SHORT_RUN = 4;

/** The i32 `field` of the descriptor at `descriptor`. */
export function convField(descriptor: Local, field: ConvField): Code {
  return i32.load(get(descriptor), convFieldOffset(field));
}

export function addIm2colFunctions(module: ModuleBuilder): Im2colFunctions {
  const gatherRun = addGatherRun(module);
  const scatterAddRun = addScatterAddRun(module);
  /**
   * A function over every run of the column matrix (rows `rowStride` bytes apart): runs of SHORT_RUN
   * or more go to `longRun`, shorter ones are done in place by `oneElement`, one element at a time
   * (`count` serves every run of a tap, so a copy of it counts down).
   */
  const runsFunction = (
    name: string, params: { descriptor: 'i32'; image: 'i32'; columns: 'i32'; rowStride: 'i32' },
    longRun: FunctionRef, oneElement: (columnAt: Local, imageAt: Local) => Code,
  ) => module.func(name, params, (scope) => {
    const { descriptor, image, columns, rowStride } = scope.params;
    const left = scope.local('i32', 'left');
    return forEachRun(scope, descriptor, image, columns, get(rowStride), (columnAt, imageAt, count, imageStep) =>
      ifThen(i32.geS(get(count), c32(SHORT_RUN)), [call(longRun, get(columnAt), get(imageAt), get(count), imageStep)], [
        set(left, get(count)),
        whileAtLeast(left, 1,
          oneElement(columnAt, imageAt),
          increment(columnAt, c32(F32)), increment(imageAt, imageStep)),
      ]));
  });
  const im2colRuns = runsFunction('im2colRuns', { descriptor: 'i32', image: 'i32', columns: 'i32', rowStride: 'i32' },
    gatherRun, (columnAt, imageAt) => f32.store(get(columnAt), f32.load(get(imageAt))));
  // Overlapping windows add up, so the caller starts the image from zeros.
  const col2imRuns = runsFunction('col2imRuns', { descriptor: 'i32', columns: 'i32', image: 'i32', rowStride: 'i32' },
    scatterAddRun, (columnAt, imageAt) => f32.store(get(imageAt), f32.add(f32.load(get(imageAt)), f32.load(get(columnAt)))));
  const rowBytes = (descriptor: Local) => i32.mul(convField(descriptor, 'cols'), c32(F32));
  const im2col = module.func(
    'im2col',
    { descriptor: 'i32', image: 'i32', columns: 'i32' },
    ({ params: { descriptor, image, columns } }) => [
      // Reads in the padding are zeros: clear everything, then copy the runs that read inside.
      memory.fill(get(columns), c32(0), i32.mul(convField(descriptor, 'rows'), rowBytes(descriptor))),
      call(im2colRuns, get(descriptor), get(image), get(columns), rowBytes(descriptor)),
    ],
    { exported: true },
  );
  const col2im = module.func(
    'col2im',
    { descriptor: 'i32', columns: 'i32', image: 'i32' },
    ({ params: { descriptor, columns, image } }) => [
      call(col2imRuns, get(descriptor), get(columns), get(image), rowBytes(descriptor)),
    ],
    { exported: true },
  );
  const copyRows = module.func(
    'copyRows',
    { dst: 'i32', dstStride: 'i32', src: 'i32', srcStride: 'i32', rows: 'i32', count: 'i32' },
    ({ params: { dst, dstStride, src, srcStride, rows, count }, local }) => {
      const r = local('i32', 'r');
      return [
        forLoop(r, c32(0), get(rows), c32(1),
          call(gatherRun, get(dst), get(src), get(count), c32(F32)),
          increment(dst, get(dstStride)),
          increment(src, get(srcStride))),
      ];
    },
  );
  return { im2col, col2im, im2colRuns, col2imRuns, copyRows };
}

/**
 * The loop nest shared by im2col and col2im: for each column-matrix row (`rowStride` bytes after the
 * previous one) and each (od, oh) whose input row exists, `visit(columnAt, imageAt, count, imageStep)`
 * with byte addresses of the run's first column-matrix element and first image element, its length,
 * and the image step in bytes (stride * 4). `visit` may move `columnAt` and `imageAt` but not
 * change `count`, which serves every run of a tap.
 */
function forEachRun<P extends Record<string, ValueType>>(
  scope: FunctionScope<P>,
  descriptor: Local,
  image: Local,
  columns: Local,
  rowStride: Code,
  visit: (columnAt: Local, imageAt: Local, count: Local, imageStep: Code) => Code,
): Code[] {
  const { local } = scope;
  const field = (name: ConvField) => convField(descriptor, name);
  const names = ['channel', 'a', 'b', 'e', 'od', 'oh'] as const;
  const [channel, a, b, e, od, oh] = names.map((n) => local('i32', n));
  const [height, width, outHeight, outWidth, strideDepth, strideHeight] =
    (['inHeight', 'inWidth', 'outHeight', 'outWidth', 'strideDepth', 'strideHeight'] as const).map((f) => local('i32', f));
  const imageStep = local('i32', 'imageStep');
  const rowBytes = local('i32', 'rowBytes');
  const channelAt = local('i32', 'channelAt'), rowAt = local('i32', 'rowAt');
  const columnAt = local('i32', 'columnAt'), imageAt = local('i32', 'imageAt'), count = local('i32', 'count');
  const tap = ['Depth', 'Height', 'Width'].map((dim) => ({
    entry: local('i32', `tap${dim}`),
    offset: local('i32', `offset${dim}`),
    lo: local('i32', `lo${dim}`),
    hi: local('i32', `hi${dim}`),
  }));
  const [tapD, tapH, tapW] = tap;
  const tables: ConvField[] = ['depthTaps', 'heightTaps', 'widthTaps'];
  /** Loads tap `index` of dim `dim` into that dim's offset, lo and hi. */
  const readTap = (dim: number, index: Local): Code[] => [
    set(tap[dim].entry, i32.add(i32.add(get(descriptor), field(tables[dim])), i32.mul(get(index), c32(TAP_BYTES)))),
    set(tap[dim].offset, i32.load(get(tap[dim].entry), TAP_OFFSET)),
    set(tap[dim].lo, i32.load(get(tap[dim].entry), TAP_LO)),
    set(tap[dim].hi, i32.load(get(tap[dim].entry), TAP_HI)),
  ];

  // Input row of (od, oh): ((od * sd + offsetD) * H + oh * sh + offsetH) * W; the run starts at
  // column lo * sw + offsetW of it.
  const inputRow = i32.add(
    i32.mul(i32.add(i32.mul(get(od), get(strideDepth)), get(tapD.offset)), get(height)),
    i32.add(i32.mul(get(oh), get(strideHeight)), get(tapH.offset)));
  const runStart = i32.add(i32.mul(get(tapW.lo), field('strideWidth')), get(tapW.offset));
  const outputIndex = i32.add(i32.mul(i32.add(i32.mul(get(od), get(outHeight)), get(oh)), get(outWidth)), get(tapW.lo));

  return [
    set(height, field('inHeight')), set(width, field('inWidth')),
    set(outHeight, field('outHeight')), set(outWidth, field('outWidth')),
    set(strideDepth, field('strideDepth')), set(strideHeight, field('strideHeight')),
    set(imageStep, i32.mul(field('strideWidth'), c32(F32))),
    set(rowBytes, rowStride),
    set(rowAt, get(columns)),
    forLoop(channel, c32(0), field('groupChannels'), c32(1),
      set(channelAt, i32.add(get(image), i32.mul(i32.mul(get(channel), field('inVolume')), c32(F32)))),
      forLoop(a, c32(0), field('kernelDepth'), c32(1),
        ...readTap(0, a),
        forLoop(b, c32(0), field('kernelHeight'), c32(1),
          ...readTap(1, b),
          forLoop(e, c32(0), field('kernelWidth'), c32(1),
            ...readTap(2, e),
            set(count, i32.sub(get(tapW.hi), get(tapW.lo))),
            ifThen(i32.gtS(get(count), c32(0)), [
              forLoop(od, get(tapD.lo), get(tapD.hi), c32(1),
                forLoop(oh, get(tapH.lo), get(tapH.hi), c32(1),
                  set(imageAt, i32.add(get(channelAt),
                    i32.mul(i32.add(i32.mul(inputRow, get(width)), runStart), c32(F32)))),
                  set(columnAt, i32.add(get(rowAt), i32.mul(outputIndex, c32(F32)))),
                  visit(columnAt, imageAt, count, get(imageStep)))),
            ]),
            increment(rowAt, get(rowBytes)))))),
  ];
}

/** columns[0..count) = image[0], image[step], ...: one run of im2col (vectors when the stride is 1). */
function addGatherRun(module: ModuleBuilder): FunctionRef {
  return module.func(
    'gatherRun',
    { dst: 'i32', src: 'i32', count: 'i32', srcStep: 'i32' },
    ({ params: { dst, src, count, srcStep } }) => [
      ifThen(i32.eq(get(srcStep), c32(F32)), [
        whileAtLeast(count, 4,
          v128.store(get(dst), v128.load(get(src))),
          increment(dst, c32(16)), increment(src, c32(16))),
      ]),
      // Stride 2 (a strided conv's taps, the stem's 7x7): the even lanes of two vectors. Four outputs
      // read eight floats, the last one past the run, so the loop keeps one output in hand (count > 4)
      // and never reads beyond the run's last element.
      ifThen(i32.eq(get(srcStep), c32(2 * F32)), [
        block(loop(
          brIf(1, i32.leS(get(count), c32(4))),
          v128.store(get(dst), v128.shuffleF32(v128.load(get(src)), v128.load(get(src), 16), [0, 2, 4, 6])),
          increment(dst, c32(16)), increment(src, c32(32)),
          set(count, i32.sub(get(count), c32(4))),
          br(0))),
      ]),
      whileAtLeast(count, 1,
        f32.store(get(dst), f32.load(get(src))),
        increment(dst, c32(F32)), increment(src, get(srcStep))),
    ],
  );
}

/** image[0], image[step], ... += columns[0..count): one run of col2im. */
function addScatterAddRun(module: ModuleBuilder): FunctionRef {
  return module.func(
    'scatterAddRun',
    { src: 'i32', dst: 'i32', count: 'i32', dstStep: 'i32' },
    ({ params: { src, dst, count, dstStep } }) => [
      ifThen(i32.eq(get(dstStep), c32(F32)), [
        whileAtLeast(count, 4,
          v128.store(get(dst), f32x4.add(v128.load(get(dst)), v128.load(get(src)))),
          increment(dst, c32(16)), increment(src, c32(16))),
      ]),
      whileAtLeast(count, 1,
        f32.store(get(dst), f32.add(f32.load(get(dst)), f32.load(get(src)))),
        increment(src, c32(F32)), increment(dst, get(dstStep))),
    ],
  );
}
