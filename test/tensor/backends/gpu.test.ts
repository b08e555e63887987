/**
 * The gpu backend's kernels against the TypeScript reference, on random shapes (odd sizes, every
 * transpose, offsets, accumulation, broadcast batches, convolutions with random stride, padding,
 * dilation and groups in 2-D and 3-D).
 *
 * Agreement is "within 1e-4 relative" element by element, relative to the sum of the magnitudes of the
 * terms that make up the element: the reference run on |inputs|. That is the scale float32 rounding
 * errors grow with, so cancellation in a sum cannot make a correct result fail.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { randomArray } from '../../helpers';
import { GpuBackend, createGpuBackend } from '../../../src/tensor/backends/gpu';
import { gpuJsSettings } from '../../../src/tensor/backends/gpu/kernel-spec';
import { gemmSpec } from '../../../src/tensor/backends/gpu/gemm-kernel';
import { convBackwardDataSpec, convBackwardFilterSpec, convForwardSpec } from '../../../src/tensor/backends/gpu/conv-kernels';
import { batchedGemm, gemm } from '../../../src/tensor/kernels/gemm';
import { ConvShape, convBackwardData, convBackwardFilter, convForward } from '../../../src/tensor/kernels/conv';
import { Triple } from '../../../src/tensor/kernels/im2col';
import * as gpuJs from 'gpu.js';

const TOLERANCE = 1e-4;

const abs = (a: Float32Array) => a.map(Math.abs);

/** |actual - expected| <= 1e-4 * magnitude, element by element; reports the first element that is not. */
function expectAgreement(actual: Float32Array, expected: Float32Array, magnitude: Float32Array, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    if (!(error <= TOLERANCE * magnitude[i])) {
      expect.fail(`${what}: element ${i} is ${actual[i]}, the reference ${expected[i]} (magnitude ${magnitude[i]})`);
    }
  }
}

interface GemmCase {
  transA: boolean; transB: boolean; m: number; n: number; k: number;
  aOffset: number; bOffset: number; cOffset: number; accumulate: boolean; seed: number;
}

const gemmCaseArb: fc.Arbitrary<GemmCase> = fc.record({
  transA: fc.boolean(), transB: fc.boolean(),
  m: fc.integer({ min: 1, max: 19 }), n: fc.integer({ min: 1, max: 19 }), k: fc.integer({ min: 1, max: 19 }),
  aOffset: fc.integer({ min: 0, max: 5 }), bOffset: fc.integer({ min: 0, max: 5 }), cOffset: fc.integer({ min: 0, max: 5 }),
  accumulate: fc.boolean(), seed: fc.integer({ min: 0, max: 2 ** 30 }),
});

function checkGemm(backend: GpuBackend, c: GemmCase): void {
  // Arrays longer than the operands, so offsets and untouched tails are both exercised.
  const a = randomArray(c.aOffset + c.m * c.k + 3, c.seed);
  const b = randomArray(c.bOffset + c.k * c.n + 2, c.seed + 1);
  const c0 = randomArray(c.cOffset + c.m * c.n + 4, c.seed + 2);
  const run = (kernel: typeof gemm, x: Float32Array, y: Float32Array, out: Float32Array) =>
    kernel({ ...c, a: x, b: y, c: out });
  const expected = c0.slice();
  run(gemm, a, b, expected);
  const magnitude = abs(c0);
  run(gemm, abs(a), abs(b), magnitude);
  const actual = c0.slice();
  run(backend.kernels.gemm!, a, b, actual);
  expectAgreement(actual, expected, magnitude, `gemm ${JSON.stringify(c)}`);
}

interface BatchedCase {
  transA: boolean; transB: boolean; m: number; n: number; k: number; batch: number;
  aIndex: number[] | null; bIndex: number[] | null; cIndex: number[] | null; accumulate: boolean; seed: number;
}

/** Index arrays may repeat entries (a broadcast operand; outputs that add up) or be absent (matrix i). */
const batchedCaseArb: fc.Arbitrary<BatchedCase> = fc
  .record({
    transA: fc.boolean(), transB: fc.boolean(),
    m: fc.integer({ min: 1, max: 9 }), n: fc.integer({ min: 1, max: 9 }), k: fc.integer({ min: 1, max: 9 }),
    batch: fc.integer({ min: 1, max: 5 }), accumulate: fc.boolean(), seed: fc.integer({ min: 0, max: 2 ** 30 }),
    indexed: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
    picks: fc.array(fc.nat(), { minLength: 15, maxLength: 15 }),
  })
  .map(({ indexed, picks, ...r }) => {
    const index = (which: number, count: number) =>
      indexed[which] ? picks.slice(which * 5, which * 5 + r.batch).map((p) => p % count) : null;
    return { ...r, aIndex: index(0, 3), bIndex: index(1, 2), cIndex: index(2, Math.max(1, r.batch - 1)) };
  });

function checkBatched(backend: GpuBackend, c: BatchedCase): void {
  const matrices = (index: number[] | null) => (index ? Math.max(...index) + 1 : c.batch);
  const a = randomArray(matrices(c.aIndex) * c.m * c.k, c.seed);
  const b = randomArray(matrices(c.bIndex) * c.k * c.n, c.seed + 1);
  const c0 = randomArray(matrices(c.cIndex) * c.m * c.n, c.seed + 2);
  const ints = (index: number[] | null) => (index ? Int32Array.from(index) : undefined);
  const run = (kernel: typeof batchedGemm, x: Float32Array, y: Float32Array, out: Float32Array) =>
    kernel({ ...c, a: x, b: y, c: out, aIndex: ints(c.aIndex), bIndex: ints(c.bIndex), cIndex: ints(c.cIndex) });
  const expected = c0.slice();
  run(batchedGemm, a, b, expected);
  const magnitude = abs(c0);
  run(batchedGemm, abs(a), abs(b), magnitude);
  const actual = c0.slice();
  run(backend.kernels.batchedGemm!, a, b, actual);
  expectAgreement(actual, expected, magnitude, `batchedGemm ${JSON.stringify(c)}`);
}

interface ConvCase {
  shape: ConvShape;
  seed: number;
}

/**
 * Random convolutions; `extraAfter` makes the output one longer than symmetric padding gives, as
 * padding 'same' does with an even kernel (the extra reads fall in the padding after).
 */
function convCaseArb(spatialDims: 2 | 3): fc.Arbitrary<ConvCase> {
  // 2-D convolutions are 3-D ones of depth 1: input and kernel depth 1, stride 1, padding 0, dilation 1.
  const triple = (min: number, max: number, flatDepth: number) =>
    fc.tuple(spatialDims === 3 ? fc.integer({ min, max }) : fc.constant(flatDepth), fc.integer({ min, max }), fc.integer({ min, max }));
  return fc
    .record({
      batch: fc.integer({ min: 1, max: 3 }), groups: fc.integer({ min: 1, max: 3 }),
      channels: fc.integer({ min: 1, max: 3 }), outPerGroup: fc.integer({ min: 1, max: 3 }),
      input: triple(1, spatialDims === 3 ? 5 : 9, 1), kernel: triple(1, 3, 1), stride: triple(1, 3, 1),
      padding: triple(0, 2, 0), dilation: triple(1, 2, 1), extraAfter: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
      seed: fc.integer({ min: 0, max: 2 ** 30 }),
    })
    .map((r) => {
      // Grow the input where the dilated kernel would not fit in the padded input.
      const input = r.input.map((s, i) => Math.max(s, r.dilation[i] * (r.kernel[i] - 1) + 1 - 2 * r.padding[i])) as unknown as Triple;
      const output = input.map((s, i) => {
        const size = Math.floor((s + 2 * r.padding[i] - r.dilation[i] * (r.kernel[i] - 1) - 1) / r.stride[i]) + 1;
        return size + (r.extraAfter[i] && (spatialDims === 3 || i > 0) ? 1 : 0);
      }) as unknown as Triple;
      const shape: ConvShape = {
        batch: r.batch, groups: r.groups, outChannels: r.groups * r.outPerGroup,
        geometry: { channels: r.channels, input, kernel: r.kernel, stride: r.stride, padding: r.padding, dilation: r.dilation, output },
      };
      return { shape, seed: r.seed };
    });
}

function convLengths(s: ConvShape) {
  const volume = (t: Triple) => t[0] * t[1] * t[2];
  const g = s.geometry;
  return {
    x: s.batch * s.groups * g.channels * volume(g.input),
    w: s.outChannels * g.channels * volume(g.kernel),
    y: s.batch * s.outChannels * volume(g.output),
  };
}

function checkConv(backend: GpuBackend, c: ConvCase): void {
  const len = convLengths(c.shape);
  const x = randomArray(len.x, c.seed);
  const w = randomArray(len.w, c.seed + 1);
  const gy = randomArray(len.y, c.seed + 2);
  const what = (kernel: string) => `${kernel} ${JSON.stringify(c.shape)}`;

  const forward = (kernel: typeof convForward, xs: Float32Array, ws: Float32Array) => {
    const y = new Float32Array(len.y).fill(NaN);
    kernel({ ...c.shape, x: xs, w: ws, y });
    return y;
  };
  expectAgreement(forward(backend.kernels.convForward!, x, w), forward(convForward, x, w), forward(convForward, abs(x), abs(w)), what('convForward'));

  const data = (kernel: typeof convBackwardData, gys: Float32Array, ws: Float32Array) => {
    const gx = new Float32Array(len.x).fill(NaN);
    kernel({ ...c.shape, gy: gys, w: ws, gx });
    return gx;
  };
  expectAgreement(data(backend.kernels.convBackwardData!, gy, w), data(convBackwardData, gy, w), data(convBackwardData, abs(gy), abs(w)), what('convBackwardData'));

  const filter = (kernel: typeof convBackwardFilter, xs: Float32Array, gys: Float32Array) => {
    const gw = new Float32Array(len.w).fill(NaN);
    kernel({ ...c.shape, x: xs, gy: gys, gw });
    return gw;
  };
  expectAgreement(filter(backend.kernels.convBackwardFilter!, x, gy), filter(convBackwardFilter, x, gy), filter(convBackwardFilter, abs(x), abs(gy)), what('convBackwardFilter'));
}

/** The mode this machine picks (WebAssembly here, WebGPU on a GPU) gets the full runs; other hosts a few. */
const hosts: { name: string; backend: GpuBackend; runs: number }[] = [
  { name: 'the mode chosen here', backend: createGpuBackend(), runs: 40 },
  { name: "gpu.js 'cpu' mode", backend: createGpuBackend({ mode: 'cpu' }), runs: 6 },
  { name: "gpu.js 'webasm' mode in a worker thread", backend: createGpuBackend({ mode: 'webasm', worker: true }), runs: 6 },
];

afterAll(() => hosts.forEach((h) => h.backend.close()));

for (const { name, backend, runs } of hosts) {
  describe(`gpu backend kernels, ${name}`, () => {
    it('starts, and says what it runs on', () => {
      expect(backend.isAvailable()).toBe(true);
      expect(backend.describe()).toMatch(/gpu\.js '(webgpu|headlessgl|webasm|cpu)' mode/);
      console.log(`gpu backend (${name}): ${backend.describe()}`);
    });

    it('gemm: every transpose case, odd sizes, offsets, accumulation', () => {
      fc.assert(fc.property(gemmCaseArb, (c) => checkGemm(backend, c)), { numRuns: runs });
    });

    it('batchedGemm: broadcast index arrays, products adding into one matrix, transposes', () => {
      fc.assert(fc.property(batchedCaseArb, (c) => checkBatched(backend, c)), { numRuns: runs });
    });

    it('conv 2-D forward, backward-data, backward-filter: random stride, padding, dilation, groups', () => {
      fc.assert(fc.property(convCaseArb(2), (c) => checkConv(backend, c)), { numRuns: runs });
    });

    it('conv 3-D forward, backward-data, backward-filter: random stride, padding, dilation, groups', () => {
      fc.assert(fc.property(convCaseArb(3), (c) => checkConv(backend, c)), { numRuns: Math.ceil(runs / 2) });
    });
  });
}

describe('gpu backend kernels, edge cases', () => {
  const backend = hosts[0].backend;

  it('an empty sum (k = 0) gives zeros, or leaves C as it was when accumulating', () => {
    const c = new Float32Array([1, 2, 3, 4]);
    backend.kernels.gemm!({ transA: false, transB: false, m: 2, n: 2, k: 0, a: new Float32Array(0), b: new Float32Array(0), c, accumulate: true });
    expect([...c]).toEqual([1, 2, 3, 4]);
    backend.kernels.gemm!({ transA: false, transB: false, m: 2, n: 2, k: 0, a: new Float32Array(0), b: new Float32Array(0), c });
    expect([...c]).toEqual([0, 0, 0, 0]);
  });

  it('takes operands that are not float32 arrays (the GemmArgs contract is ArrayLike)', () => {
    const c = new Float32Array(1);
    backend.kernels.gemm!({ transA: false, transB: false, m: 1, n: 1, k: 3, a: [1, 2, 3], b: new Float64Array([4, 5, 6]), c });
    expect(c[0]).toBe(32);
  });

  it('reads exact elements past index 2^24 (index arithmetic stays in 32-bit integers)', () => {
    // One 1 x k row of A lies past 2^24; float32 index math would read a neighbouring element instead.
    const k = 8;
    const m = (1 << 24) / k + 3;
    const a = new Float32Array(m * k);
    for (let p = 0; p < k; p++) a[(m - 1) * k + p] = p + 1;
    const b = new Float32Array(k).fill(1);
    const c = new Float32Array(m);
    backend.kernels.batchedGemm!({ transA: false, transB: false, m: 1, n: 1, k, batch: 1, a, b, c, aIndex: Int32Array.from([m - 1]) });
    expect(c[0]).toBe(36);
  });

  it('runs every kernel in the chosen mode, without gpu.js degrading it to its cpu mode', () => {
    const write = vi.spyOn(process.stderr, 'write');
    try {
      checkGemm(backend, { transA: true, transB: true, m: 3, n: 5, k: 7, aOffset: 1, bOffset: 2, cOffset: 0, accumulate: false, seed: 7 });
      checkBatched(backend, { transA: false, transB: true, m: 3, n: 2, k: 4, batch: 3, aIndex: [0, 0, 1], bIndex: null, cIndex: [1, 0, 1], accumulate: true, seed: 9 });
      fc.assert(fc.property(convCaseArb(3), (c) => checkConv(backend, c)), { numRuns: 2, seed: 5 });
      const notes = write.mock.calls.map(([text]) => String(text)).filter((t) => t.includes('instead of'));
      expect(notes).toEqual([]);
    } finally {
      write.mockRestore();
    }
  });
});

describe('gpu backend kernels translate to WebGPU shaders', () => {
  // WGSL translation needs no device, so a machine without a GPU still checks that gpu.js can turn
  // every kernel into a compute shader; only creating the pipeline needs the adapter.
  const shape: ConvShape = {
    batch: 2, groups: 2, outChannels: 4,
    geometry: { channels: 3, input: [3, 5, 6], kernel: [2, 3, 3], stride: [1, 2, 1], padding: [1, 1, 0], dilation: [1, 1, 2], output: [4, 3, 2] },
  };
  const specs = [
    gemmSpec({ transA: true, transB: false, m: 3, n: 4, k: 5, batch: 2, aLength: 30, bLength: 40, indexLengths: [2, 2] }),
    convForwardSpec(shape), convBackwardDataSpec(shape), convBackwardFilterSpec(shape),
  ];
  for (const spec of specs) {
    it(spec.key.split('|')[0], async () => {
      // gpu.js exports WebGPUKernel but its typings do not declare it.
      const { WebGPUKernel } = gpuJs as unknown as { WebGPUKernel: new (source: string, settings: object) => {
        build(...args: Float32Array[]): Promise<void>; compiledSource: string;
      } };
      const kernel = new WebGPUKernel(spec.source, gpuJsSettings(spec));
      const inputs = spec.inputLengths.map((n) => new Float32Array(n));
      // Translation happens before the device is asked for; without one, build's Promise rejects.
      const built = kernel.build(...inputs).catch(() => undefined);
      expect(kernel.compiledSource).toMatch(/@compute/);
      expect(kernel.compiledSource).toMatch(/fn main/);
      await built;
    });
  }
});
