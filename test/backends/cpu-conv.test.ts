/**
 * The cpu backend's three convolution kernels against the TypeScript reference, 2-D and 3-D, with
 * random stride, padding, dilation and groups, on one thread and on two. With two threads, calls with
 * many (sample, group) pairs share the pairs out and calls with few split each pair's GEMM: the
 * random batch and group counts hit both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { F, tensor, withBackend } from '../../src';
import type { Tensor } from '../../src';
import {
  ConvShape, convBackwardData, convBackwardFilter, convForward, convSizes,
} from '../../src/tensor/kernels/conv';
import { cpuBackend, getNumThreads, setNumThreads, setParallelThreshold } from '../../src/tensor/backends/cpu';
import { randomArray, relativeError, seedArb } from '../helpers';

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
  let before = 1;
  beforeAll(() => {
    before = getNumThreads();
    setNumThreads(threads);
    setParallelThreshold(0);
  });
  afterAll(() => {
    setNumThreads(before);
    setParallelThreshold();
  });

  it('forward, backward-data and backward-filter equal the reference on random 2-D and 3-D convolutions', () => {
    fc.assert(fc.property(convShapeArb, seedArb, (shape, seed) => expectConvMatches(shape, seed)), { numRuns: CONV_RUNS });
  });

  it('equal the reference on a layer whose column matrix is past the depth block (rows > KC)', () => {
    // 32 channels x 3 x 3 = 288 rows; batch 3 on 2 threads splits the GEMMs, batch 4 splits the samples.
    for (const batch of [3, 4]) {
      expectConvMatches({
        batch, groups: 1, outChannels: 20,
        geometry: { channels: 32, input: [1, 11, 13], kernel: [1, 3, 3], stride: [1, 1, 1], padding: [0, 1, 1], dilation: [1, 1, 1], output: [1, 11, 13] },
      }, batch);
    }
  });

  it('equal the reference on a strided 3-D convolution with groups (a video block)', () => {
    expectConvMatches({
      batch: 2, groups: 2, outChannels: 6,
      geometry: { channels: 3, input: [4, 9, 10], kernel: [3, 3, 3], stride: [1, 2, 2], padding: [1, 1, 1], dilation: [1, 1, 1], output: [4, 5, 5] },
    }, 9);
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
