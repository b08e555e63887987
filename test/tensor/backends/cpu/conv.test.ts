/**
 * The cpu backend's three convolution kernels against the TypeScript reference, 2-D and 3-D, with
 * random stride, padding, dilation and groups, on one thread and on two. With two threads, calls with
 * many (sample, group) pairs share the pairs out and calls with few split each pair's GEMM: the
 * random batch and group counts hit both.
 *
 * Pointwise convolutions (1x1 kernel, stride 1, no padding) take a path of their own, with no im2col
 * or col2im: they are tested on their own shapes, under both plans, next to 1x1 convolutions with a
 * stride or padding, which must stay on the general path.
 *
 * Layers whose output has few positions per sample run blocks of several samples through one GEMM
 * (see `plan` in src/tensor/backends/cpu/conv.ts): shapes made for that check the plan batches them,
 * with a partial last block, groups, 3-D, strides, padding, dilation and 1x1 kernels, and the large
 * layers above check it keeps one sample per GEMM there.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { F, tensor, withBackend } from '../../../../src';
import type { Tensor } from '../../../../src';
import {
  ConvShape, convBackwardData, convBackwardFilter, convForward, convSizes,
} from '../../../../src/tensor/kernels/conv';
import { cpuBackend, getNumThreads, setNumThreads, setParallelThreshold } from '../../../../src/tensor/backends/cpu';
import { BLOCK_COLUMNS, plan, unitsOf } from '../../../../src/tensor/backends/cpu/conv';
import { CONV_FIELDS, isPointwise, writeConvDescriptor } from '../../../../src/tensor/backends/cpu/codegen/conv-descriptor';
import { randomArray, relativeError, seedArb } from '../../../helpers';
import { onCpuThreads } from './cpu-threads';

const CONV_RUNS = 30;
const TOLERANCE = 1e-5;

type Triple = [number, number, number];

/** A convolution shape with 2 (depth 1) or 3 spatial dims whose output is at least 1 everywhere. */
const convShapeArb: fc.Arbitrary<ConvShape> = fc
  .record({
    threeD: fc.boolean(),
    batch: fc.integer({ min: 1, max: 4 }),
    groups: fc.integer({ min: 1, max: 3 }),
    groupChannels: fc.integer({ min: 1, max: 3 }),
    groupOutChannels: fc.integer({ min: 1, max: 3 }),
    input: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })),
    kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    padding: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
    dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  })
  .map((c) => {
    const flat = (t: Triple, value: number): Triple => (c.threeD ? t : [value, t[1], t[2]]);
    const input = flat(c.input, 1), kernel = flat(c.kernel, 1), stride = flat(c.stride, 1);
    const padding = flat(c.padding, 0), dilation = flat(c.dilation, 1);
    // Grow the input until the dilated kernel fits in the padded input.
    const fitted = input.map((size, i) => Math.max(size, dilation[i] * (kernel[i] - 1) + 1 - 2 * padding[i])) as Triple;
    const output = fitted.map((size, i) => Math.floor((size + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) / stride[i]) + 1) as Triple;
    return {
      batch: c.batch, groups: c.groups, outChannels: c.groups * c.groupOutChannels,
      geometry: { channels: c.groupChannels, input: fitted, kernel, stride, padding, dilation, output },
    };
  });

/** (batch, groups) with 1 or 3 pairs, which two threads run one by one, splitting each pair's GEMM. */
const SPLIT_GEMM_PAIRS: [number, number][] = [[1, 1], [1, 3], [3, 1]];
/** (batch, groups) with an even count of pairs, which two threads share out. */
const SHARED_PAIRS: [number, number][] = [[2, 1], [1, 2], [4, 1], [2, 3], [8, 1]];

/**
 * A pointwise convolution: 1x1 (2-D) or 1x1x1 (3-D) kernel, stride 1, no padding, any dilation (it
 * moves no tap of a one-tap kernel), under the work-sharing plan `split` asks for.
 */
const pointwiseShapeArb = (split: boolean): fc.Arbitrary<ConvShape> => fc
  .record({
    threeD: fc.boolean(),
    pairs: fc.constantFrom(...(split ? SPLIT_GEMM_PAIRS : SHARED_PAIRS)),
    groupChannels: fc.integer({ min: 1, max: 9 }),
    groupOutChannels: fc.integer({ min: 1, max: 9 }),
    input: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 11 })),
    dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  })
  .map((c) => {
    const [batch, groups] = c.pairs;
    const input: Triple = c.threeD ? c.input : [1, c.input[1], c.input[2]];
    const dilation: Triple = c.threeD ? c.dilation : [1, c.dilation[1], c.dilation[2]];
    return {
      batch, groups, outChannels: groups * c.groupOutChannels,
      geometry: { channels: c.groupChannels, input, kernel: [1, 1, 1] as Triple, stride: [1, 1, 1] as Triple, padding: [0, 0, 0] as Triple, dilation, output: input },
    };
  });

/** A 1x1 convolution that is not pointwise: a stride or a padding somewhere. */
const strayOneByOneArb: fc.Arbitrary<ConvShape> = fc
  .record({
    threeD: fc.boolean(),
    batch: fc.integer({ min: 1, max: 4 }),
    groups: fc.integer({ min: 1, max: 2 }),
    groupChannels: fc.integer({ min: 1, max: 5 }),
    groupOutChannels: fc.integer({ min: 1, max: 5 }),
    input: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })),
    stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    padding: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
  })
  .map((c) => {
    const flat = (t: Triple, value: number): Triple => (c.threeD ? t : [value, t[1], t[2]]);
    const input = flat(c.input, 1), stride = flat(c.stride, 1), padding = flat(c.padding, 0);
    const output = input.map((size, i) => Math.floor((size + 2 * padding[i] - 1) / stride[i]) + 1) as Triple;
    return {
      batch: c.batch, groups: c.groups, outChannels: c.groups * c.groupOutChannels,
      geometry: { channels: c.groupChannels, input, kernel: [1, 1, 1] as Triple, stride, padding, dilation: [1, 1, 1] as Triple, output },
    };
  })
  .filter(({ geometry: g }) => g.stride.some((v) => v !== 1) || g.padding.some((v) => v !== 0));

/**
 * A convolution whose output has few positions per sample (at most 4 x 4 x 2, so a block holds at
 * least 4 samples) with a batch of 9 to 31 samples, often odd, so that it runs in blocks of several
 * samples and its last block is often partial. `kernel` 'one' makes 1x1 kernels, half of them
 * pointwise (no stride, no padding), 'any' kernels of 1 to 3 with dilation.
 */
const blockedShapeArb = (kernel: 'one' | 'any'): fc.Arbitrary<ConvShape> => fc
  .record({
    threeD: fc.boolean(),
    batch: fc.integer({ min: 9, max: 31 }),
    groups: fc.integer({ min: 1, max: 3 }),
    groupChannels: fc.integer({ min: 1, max: 4 }),
    // At least 3, so the weight gradient has 3 entries or more: with one, a 1x1 kernel's gradient is
    // one sum of up to a few hundred terms, whose cancellation can leave it small enough for float32
    // rounding alone to pass the relative tolerance (seen: 1.7e-5 on 25 samples of 1x2 outputs).
    groupOutChannels: fc.integer({ min: 3, max: 6 }),
    output: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
    kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    padding: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
    dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    // How much the input exceeds the smallest that gives `output` (a stride leaves up to stride - 1).
    slack: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
    pointwise: fc.boolean(),
  })
  .map((c) => {
    const flat = (t: Triple, value: number): Triple => (c.threeD ? t : [value, t[1], t[2]]);
    const ones: Triple = [1, 1, 1];
    const k = kernel === 'one' ? ones : flat(c.kernel, 1);
    const dilation = kernel === 'one' ? ones : flat(c.dilation, 1);
    const pointwise = kernel === 'one' && c.pointwise;
    const output = flat(c.output, 1), slack = flat(c.slack, 0);
    const stride = pointwise ? ones : flat(c.stride, 1), padding: Triple = pointwise ? [0, 0, 0] : flat(c.padding, 0);
    // The input that gives `output`: (output - 1) * stride + the dilated kernel - 2 * padding, plus
    // some slack below the next stride; at least 1, and the padding no wider than the kernel reach.
    const input = output.map((o, i) => Math.max(1,
      (o - 1) * stride[i] + dilation[i] * (k[i] - 1) + 1 - 2 * padding[i] + Math.min(slack[i], stride[i] - 1))) as Triple;
    const fitted = input.map((size, i) => Math.floor((size + 2 * padding[i] - dilation[i] * (k[i] - 1) - 1) / stride[i]) + 1) as Triple;
    return {
      batch: c.batch, groups: c.groups, outChannels: c.groups * c.groupOutChannels,
      geometry: { channels: c.groupChannels, input, kernel: k, stride, padding, dilation, output: fitted },
    };
  })
  .filter(({ geometry: g }) => g.output.every((o) => o >= 1));

/** The `pointwise` field of the descriptor the WebAssembly passes branch on. */
function descriptorSaysPointwise(shape: ConvShape): boolean {
  const heap = new Int32Array(1024);
  writeConvDescriptor(heap, 0, shape);
  return heap[CONV_FIELDS.indexOf('pointwise')] === 1;
}

/** Runs all three passes on both backends' kernels and compares. */
function expectConvMatches(shape: ConvShape, seed: number): void {
  const s = convSizes(shape);
  const x = randomArray(s.N * s.C * s.inVolume, seed);
  const w = randomArray(s.O * s.rows, seed + 1);
  const gy = randomArray(s.N * s.O * s.cols, seed + 2);
  const pairs: [Float32Array, Float32Array][] = [];
  const fresh = (length: number): [Float32Array, Float32Array] => {
    // Garbage in the outputs: every kernel must overwrite, not add to, what it is given.
    const pair: [Float32Array, Float32Array] = [randomArray(length, seed + 3), randomArray(length, seed + 3)];
    pairs.push(pair);
    return pair;
  };
  const [yWant, yGot] = fresh(s.N * s.O * s.cols);
  convForward({ ...shape, x, w, y: yWant });
  cpuBackend.kernels.convForward!({ ...shape, x, w, y: yGot });
  const [gxWant, gxGot] = fresh(x.length);
  convBackwardData({ ...shape, gy, w, gx: gxWant });
  cpuBackend.kernels.convBackwardData!({ ...shape, gy, w, gx: gxGot });
  const [gwWant, gwGot] = fresh(w.length);
  convBackwardFilter({ ...shape, x, gy, gw: gwWant });
  cpuBackend.kernels.convBackwardFilter!({ ...shape, x, gy, gw: gwGot });
  const names = ['forward', 'backward-data', 'backward-filter'];
  pairs.forEach(([want, got], i) => {
    expect(relativeError(got, want), `${names[i]} of ${JSON.stringify(shape)}`).toBeLessThanOrEqual(TOLERANCE);
  });
}

describe.each([1, 2])('cpu convolution kernels on %i thread(s)', (threads) => {
  onCpuThreads(threads);

  it('forward, backward-data and backward-filter equal the reference on random 2-D and 3-D convolutions', () => {
    fc.assert(fc.property(convShapeArb, seedArb, (shape, seed) => expectConvMatches(shape, seed)), { numRuns: CONV_RUNS });
  });

  it('equal the reference on a layer whose column matrix is past the depth block (rows > KC)', () => {
    // 32 channels x 3 x 3 = 288 rows; batch 3 on 2 threads splits the GEMMs, batch 4 splits the samples.
    // 11 x 13 = 143 output positions make GEMMs wide enough alone: one sample each.
    for (const batch of [3, 4]) {
      const shape: ConvShape = {
        batch, groups: 1, outChannels: 20,
        geometry: { channels: 32, input: [1, 11, 13], kernel: [1, 3, 3], stride: [1, 1, 1], padding: [0, 1, 1], dilation: [1, 1, 1], output: [1, 11, 13] },
      };
      expect(plan(convSizes(shape), threads).blockSamples).toBe(1);
      expectConvMatches(shape, batch);
    }
  });

  it('equal the reference on a stride-2 stem (7x7 over 3 channels): im2col reads the taps two floats apart in vectors', () => {
    // Output rows of 20, 19 and 18 taps inside the image: vector runs with 0 to 3 floats left over.
    for (const width of [40, 39, 37]) {
      const out = Math.floor((width + 6 - 7) / 2) + 1;
      expectConvMatches({
        batch: 2, groups: 1, outChannels: 5,
        geometry: { channels: 3, input: [1, 12, width], kernel: [1, 7, 7], stride: [1, 2, 2], padding: [0, 3, 3], dilation: [1, 1, 1], output: [1, 6, out] },
      }, width);
    }
  });

  it('equal the reference on a strided 3-D convolution with groups (a video block)', () => {
    expectConvMatches({
      batch: 2, groups: 2, outChannels: 6,
      geometry: { channels: 3, input: [4, 9, 10], kernel: [3, 3, 3], stride: [1, 2, 2], padding: [1, 1, 1], dilation: [1, 1, 1], output: [4, 5, 5] },
    }, 9);
  });

  it.each([false, true])('equal the reference on random pointwise (1x1) convolutions, GEMMs split: %s', (split) => {
    const byBlocks = new Set<boolean>();
    fc.assert(fc.property(pointwiseShapeArb(split), seedArb, (shape, seed) => {
      expect(isPointwise(shape.geometry)).toBe(true);
      expect(descriptorSaysPointwise(shape)).toBe(true);
      byBlocks.add(plan(convSizes(shape), threads).byBlocks);
      expectConvMatches(shape, seed);
    }), { numRuns: CONV_RUNS });
    // One thread always runs whole pairs; two split the GEMMs exactly when the shapes were made to.
    expect([...byBlocks]).toEqual([threads === 1 || !split]);
  });

  it('equal the reference on a pointwise layer past every block size (k > KC, m > MC, n > NC)', () => {
    // Forward is 12 x 2116 x 260, backward-data 260 x 2116 x 12, backward-filter 12 x 260 x 2116.
    // Batch 1 on 2 threads splits the GEMM, batch 2 the samples.
    for (const batch of [1, 2]) {
      const shape: ConvShape = {
        batch, groups: 1, outChannels: 12,
        geometry: { channels: 260, input: [1, 46, 46], kernel: [1, 1, 1], stride: [1, 1, 1], padding: [0, 0, 0], dilation: [1, 1, 1], output: [1, 46, 46] },
      };
      expect(isPointwise(shape.geometry)).toBe(true);
      expect(plan(convSizes(shape), threads).blockSamples).toBe(1);
      expectConvMatches(shape, batch);
    }
  });

  it('take the general path for 1x1 convolutions with a stride or padding, and equal the reference', () => {
    fc.assert(fc.property(strayOneByOneArb, seedArb, (shape, seed) => {
      expect(isPointwise(shape.geometry)).toBe(false);
      expect(descriptorSaysPointwise(shape)).toBe(false);
      expectConvMatches(shape, seed);
    }), { numRuns: CONV_RUNS });
  });

  it.each(['any', 'one'] as const)('equal the reference in blocks of several samples (small outputs, kernel %s)', (kernel) => {
    let partial = 0, grouped = 0, pointwise = 0;
    fc.assert(fc.property(blockedShapeArb(kernel), seedArb, (shape, seed) => {
      const s = convSizes(shape);
      const p = plan(s, threads);
      expect(p.byBlocks).toBe(true);
      expect(p.blockSamples).toBeGreaterThan(1);
      if (s.N % p.blockSamples !== 0) partial++;
      if (s.G > 1) grouped++;
      if (isPointwise(shape.geometry)) pointwise++;
      expectConvMatches(shape, seed);
    }), { numRuns: CONV_RUNS });
    // The runs covered a partial last block, groups and (with 1x1 kernels) pointwise blocks.
    expect(partial).toBeGreaterThan(0);
    expect(grouped).toBeGreaterThan(0);
    if (kernel === 'one') expect(pointwise).toBeGreaterThan(0);
  });

  it('equal the reference in blocks on fixed layers: a partial last block, groups, 3-D, pointwise', () => {
    const layer = (batch: number, groups: number, channels: number, outChannels: number,
      input: Triple, kernel: Triple, stride: Triple, padding: Triple, dilation: Triple = [1, 1, 1]): ConvShape => {
      const output = input.map((size, i) => Math.floor((size + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) / stride[i]) + 1) as Triple;
      return { batch, groups, outChannels, geometry: { channels, input, kernel, stride, padding, dilation, output } };
    };
    const shapes = [
      // A deep layer of the main job at batch 33 (2x2 outputs): 33 samples do not divide evenly.
      layer(33, 1, 12, 16, [1, 3, 3], [1, 3, 3], [1, 2, 2], [0, 1, 1]),
      // Rows past the depth block (40 x 9 = 360 > KC), 3x3 outputs.
      layer(21, 1, 40, 9, [1, 3, 3], [1, 3, 3], [1, 1, 1], [0, 1, 1]),
      // Groups and a 3-D, strided, dilated kernel.
      layer(15, 3, 2, 6, [3, 5, 6], [2, 3, 2], [1, 2, 2], [1, 1, 0], [1, 1, 2]),
      // Pointwise (the blocks copy the images in and gx out) and strided 1x1.
      layer(27, 2, 5, 4, [1, 3, 3], [1, 1, 1], [1, 1, 1], [0, 0, 0]),
      layer(27, 1, 7, 5, [2, 3, 5], [1, 1, 1], [1, 1, 1], [0, 0, 0]),
      layer(19, 1, 6, 3, [1, 5, 5], [1, 1, 1], [1, 2, 2], [0, 0, 0]),
      // 4 x 8 outputs, batch 10: blocks of 4, 4 and 2 samples on one thread (3, 3, 3 and 1 on two).
      layer(10, 1, 3, 4, [1, 4, 8], [1, 3, 3], [1, 1, 1], [0, 1, 1]),
    ];
    shapes.forEach((shape, i) => {
      expect(plan(convSizes(shape), threads).blockSamples, JSON.stringify(shape)).toBeGreaterThan(1);
      expectConvMatches(shape, 100 + i);
    });
  });
});

describe('the cpu convolution plan', () => {
  afterAll(() => setParallelThreshold());

  it('batches samples up to BLOCK_COLUMNS columns, in even blocks the threads share, else one sample per GEMM', () => {
    setParallelThreshold(0);
    const sizesArb = fc.record({
      N: fc.integer({ min: 1, max: 70 }), G: fc.integer({ min: 1, max: 4 }),
      cols: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 3 * BLOCK_COLUMNS })),
      available: fc.integer({ min: 1, max: 4 }),
    });
    fc.assert(fc.property(sizesArb, ({ N, G, cols, available }) => {
      const s = { N, G, C: 2 * G, O: 3 * G, cg: 2, og: 3, inVolume: cols, rows: 2, cols };
      const p = plan(s, available);
      const units = unitsOf(s, p.blockSamples);
      const shareable = (count: number) => available === 1 || count >= 2 * available || count % available === 0;
      expect(p.threads).toBeLessThanOrEqual(available);
      // Asking for no width (the fallback when blocks would not fit in memory) gives single samples.
      expect(plan(s, available, 0)).toEqual({ ...p, threads: Math.min(available, p.byBlocks ? N * G : available), blockSamples: 1 });
      if (!p.byBlocks) {
        // Too few pairs to share: each pair's GEMM is split, one sample at a time.
        expect(shareable(N * G)).toBe(false);
        expect(p).toEqual({ byBlocks: false, threads: available, blockSamples: 1 });
        return;
      }
      expect(shareable(N * G)).toBe(true);
      expect(p.threads).toBe(Math.min(available, units));
      expect(shareable(units)).toBe(true);
      // No more samples than BLOCK_COLUMNS needs, none when one sample's columns reach it.
      const most = cols >= BLOCK_COLUMNS ? 1 : Math.min(N, Math.ceil(BLOCK_COLUMNS / cols));
      expect(p.blockSamples).toBeGreaterThanOrEqual(1);
      expect(p.blockSamples).toBeLessThanOrEqual(most);
      // Blocks as few as that allows on one thread, and evened out: the last one is not much smaller.
      const blocks = Math.ceil(N / p.blockSamples);
      if (available === 1) expect(blocks).toBe(Math.ceil(N / most));
      expect(N - (blocks - 1) * p.blockSamples).toBeGreaterThan(p.blockSamples - blocks);
    }), { numRuns: 300 });
  });

  it('batches the main job\'s deep layers and leaves its stem alone', () => {
    setParallelThreshold(0);
    const sizes = (cols: number) => ({ N: 64, G: 1, C: 64, O: 64, cg: 64, og: 64, inVolume: 4 * cols, rows: 576, cols });
    for (const available of [1, 2]) {
      expect(plan(sizes(400), available).blockSamples).toBe(1);
      for (const cols of [25, 9, 4]) {
        const p = plan(sizes(cols), available);
        expect(p.byBlocks).toBe(true);
        // Evened-out blocks may fall short of BLOCK_COLUMNS, never by half (64 / 5 blocks -> 13 x 9 = 117).
        expect(p.blockSamples * cols).toBeGreaterThanOrEqual(BLOCK_COLUMNS / 2);
      }
    }
  });
});

describe('cpu convolution kernels, run to run', () => {
  afterAll(() => setParallelThreshold());

  it('give forward and backward-data results that do not depend on the threads or their timing', () => {
    // Threads take the pairs of these passes as they come free, but each pair's result is computed
    // whole by one thread, so every run must give the same bits, on one thread or two.
    const before = getNumThreads();
    setParallelThreshold(0);
    try {
      fc.assert(fc.property(fc.oneof(convShapeArb, pointwiseShapeArb(false)), seedArb, (shape, seed) => {
        const s = convSizes(shape);
        const x = randomArray(s.N * s.C * s.inVolume, seed);
        const w = randomArray(s.O * s.rows, seed + 1);
        const gy = randomArray(s.N * s.O * s.cols, seed + 2);
        const results = [1, 2, 2].map((threads) => {
          setNumThreads(threads);
          const y = new Float32Array(gy.length), gx = new Float32Array(x.length);
          cpuBackend.kernels.convForward!({ ...shape, x, w, y });
          cpuBackend.kernels.convBackwardData!({ ...shape, gy, w, gx });
          return [y, gx];
        });
        expect(results[1]).toEqual(results[0]);
        expect(results[2]).toEqual(results[0]);
      }), { numRuns: CONV_RUNS });
    } finally {
      setNumThreads(before);
    }
  });
});

describe('conv2d and conv3d through the ops (float32, cpu against ts)', () => {
  function float32(shape: readonly number[], seed: number): Tensor {
    return tensor(randomArray(shape.reduce((p, d) => p * d, 1), seed), { shape: [...shape], dtype: 'float32', requiresGrad: true });
  }

  it('give the same output and gradients on both backends', () => {
    const cases = [
      () => {
        const x = float32([2, 4, 9, 8], 1), w = float32([6, 2, 3, 3], 2), b = float32([6], 3);
        return { inputs: [x, w, b], y: F.conv2d(x, w, b, { stride: 2, padding: 1, groups: 2 }) };
      },
      () => {
        const x = float32([1, 3, 4, 6, 6], 4), w = float32([5, 3, 3, 1, 3], 5);
        return { inputs: [x, w], y: F.conv3d(x, w, null, { padding: [1, 0, 2], dilation: [1, 1, 2] }) };
      },
      // Pointwise, as in a bottleneck block and a video block.
      () => {
        const x = float32([3, 6, 7, 5], 6), w = float32([4, 3, 1, 1], 7), b = float32([4], 8);
        return { inputs: [x, w, b], y: F.conv2d(x, w, b, { groups: 2 }) };
      },
      () => {
        const x = float32([2, 4, 3, 5, 4], 9), w = float32([6, 4, 1, 1, 1], 10);
        return { inputs: [x, w], y: F.conv3d(x, w) };
      },
    ];
    for (const make of cases) {
      const [cpu, ts] = (['cpu', 'ts'] as const).map((backend) =>
        withBackend(backend, () => {
          const { inputs, y } = make();
          y.mul(float32(y.shape, 7)).sum().backward();
          return [y.data, ...inputs.map((t) => t.grad!.data)];
        }),
      );
      cpu.forEach((got, i) => expect(relativeError(got, ts[i])).toBeLessThanOrEqual(TOLERANCE));
    }
  });
});
