import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { F, Generator, Tensor, arange, tensor, zeros } from '../../../src';
import { RUNS, checkGrad, maxAbsDiff, seedArb, seeded } from '../../helpers';

interface PoolCase {
  n: number;
  c: number;
  h: number;
  w: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
  batched: boolean;
  seed: number;
}

const pair = (min: number, max: number) =>
  fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })) as fc.Arbitrary<[number, number]>;

/** PyTorch's output size, written out independently of the implementation. */
function pooledSize(size: number, k: number, s: number, p: number, d: number, ceilMode: boolean): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceilMode && (out - 1) * s >= size + p) out--;
  return out;
}

function poolCaseArb(withDilation: boolean): fc.Arbitrary<PoolCase> {
  return fc
    .record({
      n: fc.integer({ min: 1, max: 2 }),
      c: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 1, max: 6 }),
      w: fc.integer({ min: 1, max: 6 }),
      kernel: pair(1, 3),
      stride: pair(1, 3),
      paddingWish: pair(0, 1),
      dilation: withDilation ? pair(1, 2) : fc.constant<[number, number]>([1, 1]),
      ceilMode: fc.boolean(),
      batched: fc.boolean(),
      seed: seedArb,
    })
    .map(({ paddingWish, ...c }) => {
      // Padding at most half the kernel, and an input big enough for one window.
      const padding = paddingWish.map((p, i) => Math.min(p, Math.floor(c.kernel[i] / 2))) as [number, number];
      const grow = (s: number, i: number) => Math.max(s, c.dilation[i] * (c.kernel[i] - 1) + 1 - 2 * padding[i]);
      return { ...c, padding, h: grow(c.h, 0), w: grow(c.w, 1) };
    });
}

function inputShape(c: PoolCase): number[] {
  return c.batched ? [c.n, c.c, c.h, c.w] : [c.c, c.h, c.w];
}

/** A shuffled arange scaled to steps of 0.1: no ties, and far apart next to gradcheck's 1e-6 nudges. */
function distinct(shape: number[], seed: number): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const g = new Generator(seed);
  const values = Float64Array.from({ length: size }, (_, i) => i * 0.1 - size * 0.05);
  for (let i = size - 1; i > 0; i--) {
    const j = g.randint(i + 1);
    [values[i], values[j]] = [values[j], values[i]];
  }
  return tensor(values, { shape, dtype: 'float64', requiresGrad: true });
}

/** Visits each (plane, output position) with the input coordinates of its window (padding included). */
function forEachWindow(
  c: PoolCase, outH: number, outW: number,
  visit: (plane: number, o: number, taps: [number, number][]) => void,
): void {
  const planes = (c.batched ? c.n : 1) * c.c;
  for (let p = 0; p < planes; p++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const taps: [number, number][] = [];
        for (let i = 0; i < c.kernel[0]; i++) {
          for (let j = 0; j < c.kernel[1]; j++) {
            taps.push([oh * c.stride[0] - c.padding[0] + i * c.dilation[0], ow * c.stride[1] - c.padding[1] + j * c.dilation[1]]);
          }
        }
        visit(p, (p * outH + oh) * outW + ow, taps);
      }
    }
  }
}

function outSizes(c: PoolCase): [number, number] {
  return [
    pooledSize(c.h, c.kernel[0], c.stride[0], c.padding[0], c.dilation[0], c.ceilMode),
    pooledSize(c.w, c.kernel[1], c.stride[1], c.padding[1], c.dilation[1], c.ceilMode),
  ];
}

function naiveMaxPool(x: Tensor, c: PoolCase): Float64Array {
  const [outH, outW] = outSizes(c);
  const out = new Float64Array((c.batched ? c.n : 1) * c.c * outH * outW);
  forEachWindow(c, outH, outW, (p, o, taps) => {
    const inside = taps.filter(([h, w]) => h >= 0 && h < c.h && w >= 0 && w < c.w);
    out[o] = Math.max(...inside.map(([h, w]) => x.data[(p * c.h + h) * c.w + w]));
  });
  return out;
}

function naiveAvgPool(x: Tensor, c: PoolCase, countIncludePad: boolean, divisorOverride?: number): Float64Array {
  const [outH, outW] = outSizes(c);
  const out = new Float64Array((c.batched ? c.n : 1) * c.c * outH * outW);
  forEachWindow(c, outH, outW, (p, o, taps) => {
    // PyTorch counts padding but not the overhang past it that ceil mode allows.
    const inPadded = taps.filter(([h, w]) => h < c.h + c.padding[0] && w < c.w + c.padding[1]);
    const inside = taps.filter(([h, w]) => h >= 0 && h < c.h && w >= 0 && w < c.w);
    const sum = inside.reduce((acc, [h, w]) => acc + x.data[(p * c.h + h) * c.w + w], 0);
    const divisor = divisorOverride ?? (countIncludePad ? inPadded.length : inside.length);
    out[o] = inside.length === 0 ? 0 : sum / divisor;
  });
  return out;
}

const maxOpts = (c: PoolCase) => ({
  kernelSize: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation, ceilMode: c.ceilMode,
});
const avgOpts = (c: PoolCase, countIncludePad: boolean) => ({
  kernelSize: c.kernel, stride: c.stride, padding: c.padding, ceilMode: c.ceilMode, countIncludePad,
});

describe('maxPool2d', () => {
  it('gradient matches finite differences (distinct values; random stride, padding, dilation, ceil mode)', () => {
    fc.assert(
      fc.property(poolCaseArb(true), (c) => {
        const x = distinct(inputShape(c), c.seed);
        // A dilated window can straddle the input entirely: -Infinity has no finite difference.
        fc.pre(F.maxPool2d(x, maxOpts(c)).data.every(Number.isFinite));
        return checkGrad((xi) => F.maxPool2d(xi, maxOpts(c)), [x]);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('forward matches a direct-loop reference, shape included', () => {
    fc.assert(
      fc.property(poolCaseArb(true), (c) => {
        const x = seeded(inputShape(c), c.seed);
        const y = F.maxPool2d(x, maxOpts(c));
        expect(y.shape).toEqual([...inputShape(c).slice(0, -2), ...outSizes(c)]);
        // Exact, and windows that miss the input (dilation) give -Infinity on both sides.
        expect(Array.from(y.data)).toEqual(Array.from(naiveMaxPool(x, c)));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('float32 agrees with float64', () => {
    fc.assert(
      fc.property(poolCaseArb(true), (c) => {
        const x32 = seeded(inputShape(c), c.seed, { dtype: 'float32' });
        const x64 = tensor(x32.data, { shape: [...x32.shape], dtype: 'float64' });
        const y32 = F.maxPool2d(x32, maxOpts(c));
        expect(y32.dtype).toBe('float32');
        expect(Array.from(y32.data)).toEqual(Array.from(F.maxPool2d(x64, maxOpts(c)).data));
      }),
      { numRuns: RUNS },
    );
  });

  it('defaults the stride to the kernel size and keeps a last partial window in ceil mode', () => {
    const x = arange(25, undefined, 1, { dtype: 'float64' }).reshape([1, 1, 5, 5]);
    expect(F.maxPool2d(x, { kernelSize: 2 }).toArray()).toEqual([[[[6, 8], [16, 18]]]]);
    expect(F.maxPool2d(x, { kernelSize: 2, ceilMode: true }).toArray()).toEqual([[[[6, 8, 9], [16, 18, 19], [21, 23, 24]]]]);
  });

  it('drops a ceil-mode window that would start in the right padding', () => {
    const x = arange(25, undefined, 1, { dtype: 'float64' }).reshape([1, 5, 5]);
    // (5 + 2 - 3 + 2) / 3 rounds to 2, plus 1 is 3; but window 3 would start at 6 - 1 = 5, past the input.
    const y = F.maxPool2d(x, { kernelSize: 3, stride: 3, padding: 1, ceilMode: true });
    expect(y.shape).toEqual([1, 2, 2]);
    expect(y.toArray()).toEqual([[[6, 9], [21, 24]]]);
  });

  it('sends the gradient to the first of tied maxima, and a NaN wins its window', () => {
    const x = tensor([[[[1, 1], [1, 1]]]], { requiresGrad: true });
    F.maxPool2d(x, { kernelSize: 2 }).sum().backward();
    expect(x.grad!.toArray()).toEqual([[[[1, 0], [0, 0]]]]);

    const y = tensor([[[[1, NaN], [5, 2]]]], { requiresGrad: true });
    const out = F.maxPool2d(y, { kernelSize: 2 });
    expect(Number.isNaN(out.item())).toBe(true);
    out.backward();
    expect(y.grad!.toArray()).toEqual([[[[0, 1], [0, 0]]]]);
  });

  it('adds the gradients of overlapping windows that pick the same element', () => {
    const x = tensor([[[[0, 0, 0], [0, 9, 0], [0, 0, 0]]]], { requiresGrad: true });
    F.maxPool2d(x, { kernelSize: 2, stride: 1 }).sum().backward();
    expect(x.grad!.toArray()).toEqual([[[[0, 0, 0], [0, 4, 0], [0, 0, 0]]]]);
  });
});

describe('avgPool2d', () => {
  it('gradient matches finite differences (random stride, padding, ceil mode, countIncludePad)', () => {
    fc.assert(
      fc.property(poolCaseArb(false), fc.boolean(), (c, includePad) => {
        const x = seeded(inputShape(c), c.seed);
        return checkGrad((xi) => F.avgPool2d(xi, avgOpts(c, includePad)), [x]);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('forward matches a direct-loop reference, with and without padding counted or a divisor override', () => {
    fc.assert(
      fc.property(poolCaseArb(false), fc.boolean(), fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }), (c, includePad, divisor) => {
        const x = seeded(inputShape(c), c.seed);
        const y = F.avgPool2d(x, { ...avgOpts(c, includePad), divisorOverride: divisor });
        expect(y.shape).toEqual([...inputShape(c).slice(0, -2), ...outSizes(c)]);
        expect(maxAbsDiff(y.data, naiveAvgPool(x, c, includePad, divisor))).toBeLessThan(1e-12);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('float32 agrees with float64 within 1e-5 relative', () => {
    fc.assert(
      fc.property(poolCaseArb(false), (c) => {
        const x32 = seeded(inputShape(c), c.seed, { dtype: 'float32' });
        const x64 = tensor(x32.data, { shape: [...x32.shape], dtype: 'float64' });
        const y32 = F.avgPool2d(x32, avgOpts(c, true));
        const y64 = F.avgPool2d(x64, avgOpts(c, true));
        expect(y32.dtype).toBe('float32');
        const scale = Math.max(1, ...Array.from(y64.data, Math.abs));
        expect(maxAbsDiff(y32.data, y64.data) / scale).toBeLessThan(1e-5);
      }),
      { numRuns: RUNS },
    );
  });

  const x3 = () => tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], { shape: [1, 1, 3, 3], dtype: 'float64' });

  it('counts padding in the divisor only when countIncludePad', () => {
    // Windows start at -1 and 1 in each dim; each covers 2x2 of the padded input.
    expect(F.avgPool2d(x3(), { kernelSize: 2, padding: 1 }).toArray()).toEqual([[[[0.25, 1.25], [2.75, 7]]]]);
    expect(F.avgPool2d(x3(), { kernelSize: 2, padding: 1, countIncludePad: false }).toArray()).toEqual([
      [[[1, 2.5], [5.5, 7]]],
    ]);
  });

  it('divides a ceil-mode window by its part inside input + padding', () => {
    expect(F.avgPool2d(x3(), { kernelSize: 2, ceilMode: true }).toArray()).toEqual([[[[3, 4.5], [7.5, 9]]]]);
    const x = arange(1, 17, 1, { dtype: 'float64' }).reshape([1, 1, 4, 4]);
    // Windows start at -1, 1, 3; the last is cut to 2 rows by the padding edge at 5, to 1 by the input.
    const incl = F.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true });
    const excl = F.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false });
    expect(incl.shape).toEqual([1, 1, 3, 3]);
    expect(incl.data[0]).toBeCloseTo(14 / 9, 14);
    expect(incl.data[8]).toBeCloseTo(16 / 4, 14);
    expect(excl.data[0]).toBeCloseTo(14 / 4, 14);
    expect(excl.data[8]).toBeCloseTo(16, 14);
  });

  it('divides by divisorOverride when given', () => {
    const x = zeros([1, 3, 3]).add(1);
    expect(F.avgPool2d(x, { kernelSize: 2, stride: 1, divisorOverride: 2 }).toArray()).toEqual([[[2, 2], [2, 2]]]);
  });
});

function naiveAdaptive(x: Tensor, planes: number, inH: number, inW: number, outH: number, outW: number): Float64Array {
  const out = new Float64Array(planes * outH * outW);
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        const [h0, h1] = [Math.floor((i * inH) / outH), Math.ceil(((i + 1) * inH) / outH)];
        const [w0, w1] = [Math.floor((j * inW) / outW), Math.ceil(((j + 1) * inW) / outW)];
        let sum = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) sum += x.data[(p * inH + h) * inW + w];
        out[(p * outH + i) * outW + j] = sum / ((h1 - h0) * (w1 - w0));
      }
    }
  }
  return out;
}

describe('adaptiveAvgPool2d', () => {
  const caseArb = fc.record({
    planes: fc.integer({ min: 1, max: 4 }),
    batched: fc.boolean(),
    inH: fc.integer({ min: 1, max: 7 }),
    inW: fc.integer({ min: 1, max: 7 }),
    outH: fc.integer({ min: 1, max: 5 }),
    outW: fc.integer({ min: 1, max: 5 }),
    seed: seedArb,
  });
  const shapeOf = (c: { planes: number; batched: boolean; inH: number; inW: number }) =>
    c.batched ? [1, c.planes, c.inH, c.inW] : [c.planes, c.inH, c.inW];

  it('gradient matches finite differences, sizes dividing or not', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const x = seeded(shapeOf(c), c.seed);
        return checkGrad((xi) => F.adaptiveAvgPool2d(xi, [c.outH, c.outW]), [x]);
      }),
      { numRuns: RUNS },
    );
  });

  it('forward matches a direct-loop reference', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const x = seeded(shapeOf(c), c.seed);
        const y = F.adaptiveAvgPool2d(x, [c.outH, c.outW]);
        expect(y.shape).toEqual([...shapeOf(c).slice(0, -2), c.outH, c.outW]);
        expect(maxAbsDiff(y.data, naiveAdaptive(x, c.planes, c.inH, c.inW, c.outH, c.outW))).toBeLessThan(1e-12);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('overlaps windows when the sizes do not divide', () => {
    const x = tensor([1, 2, 3, 4, 5], { shape: [1, 5, 1], dtype: 'float64' });
    // Windows [0, 2), [1, 4), [3, 5).
    expect(F.adaptiveAvgPool2d(x, [3, 1]).toArray()).toEqual([[[1.5], [3], [4.5]]]);
    const y = tensor([1, 2, 3, 4, 5, 6], { shape: [1, 1, 2, 3], dtype: 'float64' });
    expect(F.adaptiveAvgPool2d(y, 1).toArray()).toEqual([[[[3.5]]]]);
    expect(F.adaptiveAvgPool2d(y, [null, 2]).toArray()).toEqual([[[[1.5, 2.5], [4.5, 5.5]]]]);
  });
});

describe('pool errors name the op and the problem', () => {
  const x = zeros([1, 1, 3, 3]);

  it('an input of the wrong rank', () => {
    expect(() => F.maxPool2d(zeros([3, 3]), { kernelSize: 2 })).toThrow(
      /maxPool2d: expected a 3-D \(unbatched\) or 4-D \(batched\) input; got shape \[3, 3\]/,
    );
    expect(() => F.avgPool2d(zeros([1, 1, 1, 3, 3]), { kernelSize: 2 })).toThrow(/avgPool2d: expected a 3-D/);
    expect(() => F.adaptiveAvgPool2d(zeros([3]), 1)).toThrow(/adaptiveAvgPool2d: expected a 3-D/);
  });

  it('a kernel larger than the padded input', () => {
    expect(() => F.maxPool2d(x, { kernelSize: 5 })).toThrow('maxPool2d: kernel 5x5 is larger than the padded input 3x3');
    expect(() => F.maxPool2d(x, { kernelSize: 2, dilation: 3 })).toThrow(
      'maxPool2d: kernel 2x2 (dilated 4x4) is larger than the padded input 3x3',
    );
    expect(() => F.avgPool2d(x, { kernelSize: [2, 4] })).toThrow('avgPool2d: kernel 2x4 is larger than the padded input 3x3');
  });

  it('padding more than half the kernel', () => {
    expect(() => F.maxPool2d(x, { kernelSize: 3, padding: 2 })).toThrow(
      /maxPool2d: padding \[2, 2\] must be at most half the kernel size \[3, 3\]/,
    );
    expect(() => F.avgPool2d(x, { kernelSize: [2, 3], padding: [2, 1] })).toThrow(
      /avgPool2d: padding \[2, 1\] must be at most half the kernel size \[2, 3\]/,
    );
  });

  it('non-positive kernel, stride or dilation, negative padding', () => {
    expect(() => F.maxPool2d(x, { kernelSize: 0 })).toThrow(/maxPool2d: kernelSize must be positive/);
    expect(() => F.maxPool2d(x, { kernelSize: 2, stride: [1, 0] })).toThrow(/maxPool2d: stride must be positive/);
    expect(() => F.maxPool2d(x, { kernelSize: 2, dilation: 0 })).toThrow(/maxPool2d: dilation must be positive/);
    expect(() => F.avgPool2d(x, { kernelSize: 2, padding: -1 })).toThrow(/avgPool2d: padding must be non-negative/);
    expect(() => F.avgPool2d(x, { kernelSize: [2, 2, 2] })).toThrow(/avgPool2d: kernelSize must be an integer or 2 integers/);
  });

  it('a zero divisorOverride', () => {
    expect(() => F.avgPool2d(x, { kernelSize: 2, divisorOverride: 0 })).toThrow(
      /avgPool2d: divisorOverride must be a non-zero integer/,
    );
  });

  it('a bad adaptive output size or an empty input', () => {
    expect(() => F.adaptiveAvgPool2d(x, [2, 0])).toThrow(/adaptiveAvgPool2d: outputSize must be a positive integer/);
    expect(() => F.adaptiveAvgPool2d(x, [2, 2, 2])).toThrow(/adaptiveAvgPool2d: outputSize/);
    expect(() => F.adaptiveAvgPool2d(zeros([1, 0, 3]), 1)).toThrow(/adaptiveAvgPool2d: input \[1, 0, 3\] has an empty/);
  });

  it('an integer input', () => {
    expect(() => F.maxPool2d(zeros([1, 3, 3], { dtype: 'int32' }), { kernelSize: 2 })).toThrow(
      /maxPool2d: input must be a floating-point tensor; got int32/,
    );
  });
});
