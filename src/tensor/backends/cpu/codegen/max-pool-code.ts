/**
 * Max pooling in WebAssembly, with the reference's result bit for bit (src/tensor/kernels/pooling.ts):
 * each window picks its first maximum in row-major order, a NaN replacing whatever came before it.
 * A running best and its index are updated with `bitselect` (`select` in the scalar loop) on
 * `v > best || v != v`, so no branch depends on the data: the reference's `if` mispredicts on new
 * maxima and on the ties of a ReLU's zeros.
 *
 * The frame. With padding, or windows that run past the input's end (ceil mode), each plane is first
 * copied into a frame of -Infinity large enough to hold every window whole. Then every window has
 * the same shape, and four neighbouring output columns run as the four lanes of a vector, each lane
 * stepping through its own window in row-major order. A -Infinity of the frame never replaces a best
 * (it is not greater than the starting -Infinity, nor NaN), so the picks are the reference's, whose
 * windows are the frame's cut to the input; a window's starting index (its first input element, or -1
 * when it has none) comes from a table the driver writes. Without padding or overhang the plane is
 * read where it is.
 *
 * An output row runs as pairs of vectors (two independent compare-select chains: one alone waits on
 * its own latency), then one vector, then one last vector moved back to end at the row's end (its
 * overlap with the one before recomputes the same values); a row narrower than a vector runs the
 * scalar loop. Lane j reads frame column c0 + j * stride: how four such values are gathered depends
 * on the stride, so there is one function per kind of stride, chosen once per call.
 *
 * The driver (../max-pool.ts) writes the descriptor below and gives each thread its own planes and
 * its own frame.
 */
import { ModuleBuilder } from '../wasm/module-builder';
import {
  Code, FunctionRef, Local, block, br, brIf, call, f32, f32x4, forLoop, get, i32, i32x4, ifThen, increment, loop,
  select, set, v128, whileAtLeast,
} from '../wasm/instructions';
import { F32 } from './blocking';

/**
 * The descriptor: an i32x4 of the lanes' column offsets [0, s, 2s, 3s] (s the column stride), then
 * these i32 fields, then the table of first indices ([outHeight, outWidth] i32).
 */
export const MAX_POOL_FIELDS = [
  'inWidth', 'inHeight',
  /** Bytes of one input plane. */
  'inPlaneBytes',
  /** 1 when each plane is copied into the frame first, 0 when it is read in place. */
  'framed',
  'frameHeight', 'frameWidth',
  /** Where the input starts in the frame: the padding. */
  'frameTop', 'frameLeft',
  'outHeight', 'outWidth',
  'kernelHeight', 'kernelWidth', 'strideHeight', 'strideWidth', 'dilationHeight', 'dilationWidth',
  /** Byte offset of the first-index table from the descriptor's start. */
  'firstIndices',
] as const;

export type MaxPoolField = (typeof MAX_POOL_FIELDS)[number];

const c32 = i32.const;
const VECTOR_BYTES = 16;
const LANE_OFFSETS_BYTES = VECTOR_BYTES;

/** Byte offset of a field in the descriptor. */
export function maxPoolFieldOffset(field: MaxPoolField): number {
  return LANE_OFFSETS_BYTES + MAX_POOL_FIELDS.indexOf(field) * 4;
}

/** Bytes of the descriptor's fixed part; the first-index table follows. */
export const MAX_POOL_HEADER_BYTES = LANE_OFFSETS_BYTES + MAX_POOL_FIELDS.length * 4;

/** Bytes past a frame's frameHeight x frameWidth f32 that the stride-2 gather may read (one f32) and the fill writes. */
const FRAME_SLACK_BYTES = 16;

/** Bytes of one thread's frame: what the kernel fills with -Infinity, in whole vectors. */
export function frameBytes(frameHeight: number, frameWidth: number): number {
  return Math.ceil((frameHeight * frameWidth * F32) / VECTOR_BYTES) * VECTOR_BYTES + FRAME_SLACK_BYTES;
}

/** Loads four f32 at lane 0's byte address `at` and `stride` apart (`strideBytes`: stride x 4, 8, 12). */
interface Gather {
  name: string;
  /** The column stride this gather serves (null: any). */
  stride: number | null;
  load(at: Local, strideBytes: Local[]): Code;
}

const GATHERS: Gather[] = [
  { name: 'stride1', stride: 1, load: (at) => v128.load(get(at)) },
  {
    // The even lanes of eight consecutive values: reads one f32 past lane 3's (the driver leaves room).
    name: 'stride2', stride: 2,
    load: (at) => v128.shuffleF32(v128.load(get(at)), v128.load(get(at), VECTOR_BYTES), [0, 2, 4, 6]),
  },
  {
    name: 'anyStride', stride: null,
    load: (at, [one, two, three]) => {
      let v = v128.load32Zero(get(at));
      v = v128.load32Lane(i32.add(get(at), get(one)), v, 1);
      v = v128.load32Lane(i32.add(get(at), get(two)), v, 2);
      return v128.load32Lane(i32.add(get(at), get(three)), v, 3);
    },
  },
];

const PARAMS = { descriptor: 'i32', x: 'i32', out: 'i32', indices: 'i32', planes: 'i32', frame: 'i32' } as const;

/**
 * maxPool2d(descriptor, x, out, indices, planes, frame): `planes` planes from x (byte addresses
 * throughout), their maxima to out and the picked elements' in-plane indices to indices, `frame`
 * this thread's frame (unused when the descriptor says the planes are read in place).
 */
export function addMaxPoolFunctions(module: ModuleBuilder): void {
  const variants = GATHERS.map((gather) => ({ gather, fn: addMaxPoolLoops(module, gather) }));
  module.func('maxPool2d', PARAMS, ({ params: p, local }) => {
    const stride = local('i32', 'stride');
    const args = [p.descriptor, p.x, p.out, p.indices, p.planes, p.frame].map(get);
    const dispatch = variants.reduceRight<Code[]>((otherwise, { gather, fn }) =>
      gather.stride === null
        ? [call(fn, ...args)]
        : [ifThen(i32.eq(get(stride), c32(gather.stride)), [call(fn, ...args)], otherwise)], []);
    return [set(stride, i32.load(get(p.descriptor), maxPoolFieldOffset('strideWidth'))), ...dispatch];
  }, { exported: true });
}

/** `for (; i < end; i += step) body`, continuing from i's current value. */
function continueLoop(i: Local, end: Local, step: number, ...body: Code[]): Code {
  return block(loop(brIf(1, i32.geS(get(i), get(end))), ...body, increment(i, c32(step)), br(0)));
}

function addMaxPoolLoops(module: ModuleBuilder, gather: Gather): FunctionRef {
  return module.func(`maxPool2d_${gather.name}`, PARAMS, ({ params: p, local }) => {
    const field = (name: MaxPoolField) => i32.load(get(p.descriptor), maxPoolFieldOffset(name));
    const i32s = (...names: string[]) => names.map((name) => local('i32', name));
    const [inW, inH, inPlaneBytes, framed, frameW, frameTop, frameLeft, outH, outW, kH, kW, sH, sW, dH, dW] =
      i32s('inW', 'inH', 'inPlaneBytes', 'framed', 'frameW', 'frameTop', 'frameLeft', 'outH', 'outW',
        'kH', 'kW', 'sH', 'sW', 'dH', 'dW');
    const [planeIndex, source, oh, ow, kh, kw, row, firstRow, rowAt, rowIndex, tapAt, tapIndex, pairEnd, vectorEnd] =
      i32s('planeIndex', 'source', 'oh', 'ow', 'kh', 'kw', 'row', 'firstRow', 'rowAt', 'rowIndex', 'tapAt',
        'tapIndex', 'pairEnd', 'vectorEnd');
    const [frameRowBytes, dWBytes, dHRowBytes, dHRowIndex, at, end, count, from, to, position, index, take] =
      i32s('frameRowBytes', 'dWBytes', 'dHRowBytes', 'dHRowIndex', 'at', 'end', 'count', 'from', 'to', 'position',
        'index', 'take');
    const strideBytes = i32s('stride1Bytes', 'stride2Bytes', 'stride3Bytes');
    const best = local('f32', 'best'), value = local('f32', 'value');
    const [lanes, dWLanes, groupLanes, negativeInfinity] =
      ['lanes', 'dWLanes', 'groupLanes', 'negativeInfinity'].map((name) => local('v128', name));
    /** Per vector of a pair: the address it reads, its best, index, candidate index, value, mask. */
    const groups = [0, 1].map((g) => {
      const vector = (name: string) => local('v128', `${name}${g}`);
      return {
        at: local('i32', `at${g}`), best: vector('best'), index: vector('index'),
        candidate: vector('candidate'), value: vector('value'), take: vector('take'),
      };
    });

    /**
     * Output columns [ow, ow + 4 * count) of row oh: `count` vectors, the second 4 columns after the
     * first, their compare-select chains interleaved.
     */
    const vectors = (count: 1 | 2): Code[] => {
      const used = groups.slice(0, count);
      const columnBytes = (g: number) => i32.shl(i32.add(get(ow), c32(4 * g)), c32(2));
      return [
        ...used.flatMap((v, g) => [
          set(v.best, get(negativeInfinity)),
          set(v.index, v128.load(i32.add(get(firstRow), columnBytes(g)))),
        ]),
        // Frame address and input index of lane 0's first element in the window's first row.
        set(tapAt, i32.add(get(rowAt), i32.shl(i32.mul(get(ow), get(sW)), c32(2)))),
        set(tapIndex, i32.add(get(rowIndex), i32.mul(get(ow), get(sW)))),
        forLoop(kh, c32(0), get(kH), c32(1),
          ...used.flatMap((v, g) => [
            set(v.at, g === 0 ? get(tapAt) : i32.add(get(tapAt), i32.shl(i32.mul(get(sW), c32(4 * g)), c32(2)))),
            set(v.candidate, i32x4.add(i32x4.splat(get(tapIndex)), get(g === 0 ? lanes : groupLanes))),
          ]),
          forLoop(kw, c32(0), get(kW), c32(1),
            ...used.map((v) => set(v.value, gather.load(v.at, strideBytes))),
            ...used.map((v) => set(v.take, v128.or(f32x4.gt(get(v.value), get(v.best)), f32x4.ne(get(v.value), get(v.value))))),
            ...used.flatMap((v) => [
              set(v.best, v128.bitselect(get(v.value), get(v.best), get(v.take))),
              set(v.index, v128.bitselect(get(v.candidate), get(v.index), get(v.take))),
              set(v.candidate, i32x4.add(get(v.candidate), get(dWLanes))),
              increment(v.at, get(dWBytes)),
            ])),
          increment(tapAt, get(dHRowBytes)),
          increment(tapIndex, get(dHRowIndex))),
        ...used.flatMap((v, g) => [
          v128.store(i32.add(get(p.out), columnBytes(g)), get(v.best)),
          v128.store(i32.add(get(p.indices), columnBytes(g)), get(v.index)),
        ]),
      ];
    };

    /** Output column ow of row oh, alone. */
    const scalarColumn: Code[] = [
      set(best, f32.const(-Infinity)),
      set(index, i32.load(i32.add(get(firstRow), i32.shl(get(ow), c32(2))))),
      set(tapAt, i32.add(get(rowAt), i32.shl(i32.mul(get(ow), get(sW)), c32(2)))),
      set(tapIndex, i32.add(get(rowIndex), i32.mul(get(ow), get(sW)))),
      forLoop(kh, c32(0), get(kH), c32(1),
        set(at, get(tapAt)),
        set(position, get(tapIndex)),
        forLoop(kw, c32(0), get(kW), c32(1),
          set(value, f32.load(get(at))),
          set(take, i32.or(f32.gt(get(value), get(best)), f32.ne(get(value), get(value)))),
          set(best, select(get(value), get(best), get(take))),
          set(index, select(get(position), get(index), get(take))),
          increment(position, get(dW)),
          increment(at, get(dWBytes))),
        increment(tapAt, get(dHRowBytes)),
        increment(tapIndex, get(dHRowIndex))),
      f32.store(i32.add(get(p.out), i32.shl(get(ow), c32(2))), get(best)),
      i32.store(i32.add(get(p.indices), i32.shl(get(ow), c32(2))), get(index)),
    ];

    // Fills the frame with -Infinity once: the planes' copies overwrite its inside and never its border.
    const fillFrame = [
      set(end, i32.add(get(p.frame), i32.add(i32.mul(field('frameHeight'), get(frameRowBytes)), c32(FRAME_SLACK_BYTES)))),
      forLoop(at, get(p.frame), get(end), c32(VECTOR_BYTES), v128.store(get(at), get(negativeInfinity))),
    ];

    // Copies plane `source` into the frame, row by row, and reads the frame from then on.
    const copyIntoFrame = [
      set(from, get(source)),
      set(to, i32.add(get(p.frame), i32.shl(i32.add(i32.mul(get(frameTop), get(frameW)), get(frameLeft)), c32(2)))),
      forLoop(row, c32(0), get(inH), c32(1),
        set(count, get(inW)),
        set(at, get(to)),
        whileAtLeast(count, 4, v128.store(get(at), v128.load(get(from))),
          increment(from, c32(VECTOR_BYTES)), increment(at, c32(VECTOR_BYTES))),
        whileAtLeast(count, 1, f32.store(get(at), f32.load(get(from))),
          increment(from, c32(F32)), increment(at, c32(F32))),
        increment(to, get(frameRowBytes))),
      set(source, get(p.frame)),
    ];

    const outputRow: Code[] = [
      // The frame row of the windows' first row, its input index (h - top) * inW - left, the first indices.
      set(rowAt, i32.add(get(source), i32.mul(i32.mul(get(oh), get(sH)), get(frameRowBytes)))),
      set(rowIndex, i32.sub(i32.mul(i32.sub(i32.mul(get(oh), get(sH)), get(frameTop)), get(inW)), get(frameLeft))),
      set(firstRow, i32.add(get(p.descriptor), i32.add(field('firstIndices'), i32.shl(i32.mul(get(oh), get(outW)), c32(2))))),
      set(ow, c32(0)),
      continueLoop(ow, pairEnd, 8, ...vectors(2)),
      continueLoop(ow, vectorEnd, 4, ...vectors(1)),
      ifThen(i32.ltS(get(ow), get(outW)), [
        ifThen(i32.geS(get(outW), c32(4)),
          [set(ow, i32.sub(get(outW), c32(4))), ...vectors(1)],
          [continueLoop(ow, outW, 1, ...scalarColumn)]),
      ]),
      increment(p.out, i32.shl(get(outW), c32(2))),
      increment(p.indices, i32.shl(get(outW), c32(2))),
    ];

    return [
      set(inW, field('inWidth')), set(inH, field('inHeight')), set(inPlaneBytes, field('inPlaneBytes')),
      set(framed, field('framed')), set(frameW, field('frameWidth')),
      set(frameTop, field('frameTop')), set(frameLeft, field('frameLeft')),
      set(outH, field('outHeight')), set(outW, field('outWidth')),
      set(kH, field('kernelHeight')), set(kW, field('kernelWidth')),
      set(sH, field('strideHeight')), set(sW, field('strideWidth')),
      set(dH, field('dilationHeight')), set(dW, field('dilationWidth')),
      set(frameRowBytes, i32.shl(get(frameW), c32(2))),
      set(dWBytes, i32.shl(get(dW), c32(2))),
      set(dHRowBytes, i32.mul(get(dH), get(frameRowBytes))),
      set(dHRowIndex, i32.mul(get(dH), get(inW))),
      ...strideBytes.map((bytes, j) => set(bytes, i32.mul(get(sW), c32((j + 1) * F32)))),
      set(lanes, v128.load(get(p.descriptor))),
      set(groupLanes, i32x4.add(get(lanes), i32x4.splat(i32.shl(get(sW), c32(2))))),
      set(dWLanes, i32x4.splat(get(dW))),
      set(negativeInfinity, f32x4.splat(f32.const(-Infinity))),
      set(pairEnd, i32.sub(get(outW), c32(7))),
      set(vectorEnd, i32.sub(get(outW), c32(3))),
      ifThen(get(framed), fillFrame),
      forLoop(planeIndex, c32(0), get(p.planes), c32(1),
        set(source, get(p.x)),
        ifThen(get(framed), copyIntoFrame),
        forLoop(oh, c32(0), get(outH), c32(1), ...outputRow),
        increment(p.x, get(inPlaneBytes))),
    ];
  });
}
