import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { F, Tensor, tensor, zeros } from '../../../src';
import type { DType } from '../../../src';
import { RUNS, checkGrad, maxAbsDiff, seedArb, seeded } from '../../helpers';

/** One convolution's sizes and arguments, for any number of spatial dims. */
interface ConvCase {
  n: number;
  groups: number;
  inPerGroup: number;
  outPerGroup: number;
  spatial: number[];
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  bias: boolean;
  batched: boolean;
  seed: number;
}

function convCaseArb(nd: 2 | 3, maxSpatial: number): fc.Arbitrary<ConvCase> {
  const dims = (min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: nd, maxLength: nd });
  const kernel = nd === 3 ? fc.oneof(fc.constant<number[]>([3, 1, 1]), dims(1, 3)) : dims(1, 3);
  return fc
    .record({
      n: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 2 }),
      inPerGroup: fc.integer({ min: 1, max: 2 }),
      outPerGroup: fc.integer({ min: 1, max: 2 }),
      spatial: dims(1, maxSpatial),
      kernel,
      stride: dims(1, 2),
      padding: dims(0, 2),
      dilation: dims(1, 2),
      bias: fc.boolean(),
      batched: fc.boolean(),
      seed: seedArb,
    })
    // An output would be empty where the dilated kernel outgrows the padded input: grow the input instead.
    .map((c) => ({
      ...c,
      spatial: c.spatial.map((s, i) => Math.max(s, c.dilation[i] * (c.kernel[i] - 1) + 1 - 2 * c.padding[i])),
    }));
}

interface Made {
  x: Tensor;
  w: Tensor;
  b: Tensor | null;
}

function makeTensors(c: ConvCase, dtype: DType = 'float64'): Made {
  const C = c.groups * c.inPerGroup;
  const O = c.groups * c.outPerGroup;
  const xShape = c.batched ? [c.n, C, ...c.spatial] : [C, ...c.spatial];
  return {
    x: seeded(xShape, c.seed, { dtype }),
    w: seeded([O, c.inPerGroup, ...c.kernel], c.seed + 1, { dtype }),
    b: c.bias ? seeded([O], c.seed + 2, { dtype }) : null,
  };
}

function runConv(nd: 2 | 3, x: Tensor, w: Tensor, b: Tensor | null, c: ConvCase): Tensor {
  const opts = { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups };
  return nd === 2 ? F.conv2d(x, w, b, opts) : F.conv3d(x, w, b, opts);
}

function rowMajorIndex(index: number[], shape: number[]): number {
  return index.reduce((acc, v, d) => acc * shape[d] + v, 0);
}

function unravel(flat: number, shape: number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return out;
}

/**
 * Direct-loop convolution of a batched input, for any number of spatial dims: each output is a sum over
 * its group's channels and the kernel, with reads outside the input counted as zero. `padding` is the
 * padding before each dim; `outSpatial` fixes the output size (so asymmetric 'same' padding fits too).
 */
function naiveConv(
  x: Tensor, w: Tensor, b: Tensor | null,
  args: { stride: number[]; padding: number[]; dilation: number[]; groups: number; outSpatial: number[] },
): { shape: number[]; data: Float64Array } {
  const [N, C, ...inSpatial] = x.shape;
  const [O, cPer, ...kernel] = w.shape;
  const oPer = O / args.groups;
  const shape = [N, O, ...args.outSpatial];
  const data = new Float64Array(shape.reduce((a, s) => a * s, 1));
  const kernelVolume = kernel.reduce((a, s) => a * s, 1);
  for (let flat = 0; flat < data.length; flat++) {
    const [n, o, ...pos] = unravel(flat, shape);
    const g = Math.floor(o / oPer);
    let acc = b ? b.data[o] : 0;
    for (let ci = 0; ci < cPer; ci++) {
      for (let kf = 0; kf < kernelVolume; kf++) {
        const k = unravel(kf, kernel);
        const at = pos.map((p, d) => p * args.stride[d] - args.padding[d] + k[d] * args.dilation[d]);
        if (at.some((v, d) => v < 0 || v >= inSpatial[d])) continue;
        const xv = x.data[rowMajorIndex([n, g * cPer + ci, ...at], [N, C, ...inSpatial])];
        acc += xv * w.data[rowMajorIndex([o, ci, ...k], w.shape as number[])];
      }
    }
    data[flat] = acc;
  }
  return { shape, data };
}

function outputSize(c: ConvCase): number[] {
  return c.spatial.map((s, i) => Math.floor((s + 2 * c.padding[i] - c.dilation[i] * (c.kernel[i] - 1) - 1) / c.stride[i]) + 1);
}

function reference(c: ConvCase, m: Made): { shape: number[]; data: Float64Array } {
  const x = c.batched ? m.x : tensor(m.x.data, { shape: [1, ...m.x.shape], dtype: 'float64' });
  const ref = naiveConv(x, m.w, m.b, { ...c, outSpatial: outputSize(c) });
  return { shape: c.batched ? ref.shape : ref.shape.slice(1), data: ref.data };
}

for (const nd of [2, 3] as const) {
  const op = `conv${nd}d`;
  // 3-D inputs have many more elements per side: keep them smaller so gradcheck stays quick.
  const arb = convCaseArb(nd, nd === 2 ? 6 : 5);

  describe(op, () => {
    it('gradient matches finite differences (random stride, padding, dilation, groups, bias)', () => {
      fc.assert(
        fc.property(arb, fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()), (c, wanted) => {
          const { x, w, b } = makeTensors(c);
          const inputs = b ? [x, w, b] : [x, w];
          // Some inputs without requiresGrad exercise the paths that skip their gradients.
          const on = inputs.map((_, i) => wanted[i]);
          if (!on.some(Boolean)) on[1] = true;
          inputs.forEach((t, i) => (t.requiresGrad = on[i]));
          return checkGrad((xi, wi, bi) => runConv(nd, xi, wi, bi ?? null, c), inputs);
        }),
        { numRuns: RUNS },
      );
    });

    it('forward matches a direct-loop convolution', () => {
      fc.assert(
        fc.property(arb, (c) => {
          const m = makeTensors(c);
          const y = runConv(nd, m.x, m.w, m.b, c);
          const ref = reference(c, m);
          expect(y.shape).toEqual(ref.shape);
          expect(maxAbsDiff(y.data, ref.data)).toBeLessThan(1e-12);
        }),
        { numRuns: RUNS * 2 },
      );
    });

    it('float32 forward and backward agree with float64 within 1e-5 relative', () => {
      fc.assert(
        fc.property(arb, (c) => {
          const m32 = makeTensors(c, 'float32');
          // The same (already rounded) values in float64, so only the arithmetic differs.
          const m64: Made = {
            x: tensor(m32.x.data, { shape: [...m32.x.shape], dtype: 'float64', requiresGrad: true }),
            w: tensor(m32.w.data, { shape: [...m32.w.shape], dtype: 'float64', requiresGrad: true }),
            b: m32.b ? tensor(m32.b.data, { shape: [...m32.b.shape], dtype: 'float64', requiresGrad: true }) : null,
          };
          const y32 = runConv(nd, m32.x, m32.w, m32.b, c);
          const y64 = runConv(nd, m64.x, m64.w, m64.b, c);
          expect(y32.dtype).toBe('float32');
          const close = (a: ArrayLike<number>, ref: ArrayLike<number>) => {
            const scale = Math.max(1, ...Array.from(ref, Math.abs));
            expect(maxAbsDiff(a, ref) / scale).toBeLessThan(1e-5);
          };
          close(y32.data, y64.data);
          y32.sum().backward();
          y64.sum().backward();
          expect(m32.x.grad!.dtype).toBe('float32');
          close(m32.x.grad!.data, m64.x.grad!.data);
          close(m32.w.grad!.data, m64.w.grad!.data);
          if (m32.b) close(m32.b.grad!.data, m64.b!.grad!.data);
        }),
        { numRuns: RUNS },
      );
    });

    it("padding 'same' keeps the size, with the odd extra padding after (even kernels, dilation)", () => {
      fc.assert(
        fc.property(arb, (c) => {
          const same: ConvCase = { ...c, stride: c.stride.map(() => 1) };
          const m = makeTensors(same);
          const run = (xi: Tensor, wi: Tensor, bi?: Tensor) => {
            const opts = { padding: 'same' as const, dilation: same.dilation, groups: same.groups };
            return nd === 2 ? F.conv2d(xi, wi, bi ?? null, opts) : F.conv3d(xi, wi, bi ?? null, opts);
          };
          const y = run(m.x, m.w, m.b ?? undefined);
          const x = same.batched ? m.x : tensor(m.x.data, { shape: [1, ...m.x.shape], dtype: 'float64' });
          const before = same.kernel.map((k, i) => Math.floor((same.dilation[i] * (k - 1)) / 2));
          const ref = naiveConv(x, m.w, m.b, { ...same, padding: before, outSpatial: same.spatial });
          expect(y.shape).toEqual(same.batched ? ref.shape : ref.shape.slice(1));
          expect(maxAbsDiff(y.data, ref.data)).toBeLessThan(1e-12);
          return checkGrad(run, m.b ? [m.x, m.w, m.b] : [m.x, m.w]);
        }),
        { numRuns: 10 },
      );
    });
  });
}

describe('conv2d by hand', () => {
  const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], { shape: [1, 1, 3, 3] });

  it('computes a cross-correlation (no kernel flip) with bias', () => {
    const w = tensor([[[[1, 0], [0, -1]]]]);
    const y = F.conv2d(x, w, tensor([1]));
    expect(y.toArray()).toEqual([[[[-3, -3], [-3, -3]]]]);
  });

  it('pads with zeros and strides', () => {
    const y = F.conv2d(x, zeros([1, 1, 2, 2]).add(1), null, { padding: 1, stride: 2 });
    // Windows at (-1, -1), (-1, 1), (1, -1), (1, 1) of the zero-padded 5x5 input.
    expect(y.toArray()).toEqual([[[[1, 5], [11, 28]]]]);
  });

  it('keeps groups apart and accepts unbatched input', () => {
    const x2 = tensor([[[1, 2], [3, 4]], [[10, 20], [30, 40]]]);
    const w = tensor([[[[1]]], [[[2]]]]);
    const y = F.conv2d(x2, w, null, { groups: 2 });
    expect(y.shape).toEqual([2, 2, 2]);
    expect(y.toArray()).toEqual([[[1, 2], [3, 4]], [[20, 40], [60, 80]]]);
  });

  it('computes each gradient only when asked', () => {
    const xi = tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2] });
    const w = tensor([[[[1, 1], [1, 1]]]], { requiresGrad: true });
    F.conv2d(xi, w).sum().backward();
    expect(w.grad!.toArray()).toEqual([[[[1, 2], [3, 4]]]]);
    expect(xi.grad).toBeNull();
  });
});

describe('conv errors name the op and the problem', () => {
  const x = (shape: number[]) => zeros(shape);

  it('groups that do not divide the input channels', () => {
    expect(() => F.conv2d(x([1, 6, 4, 4]), x([4, 1, 3, 3]), null, { groups: 4 })).toThrow(
      /conv2d: input has 6 channels but groups=4 does not divide them/,
    );
  });

  it('groups that do not divide the output channels', () => {
    expect(() => F.conv2d(x([1, 4, 4, 4]), x([3, 2, 3, 3]), null, { groups: 2 })).toThrow(
      /conv2d: weight has 3 output channels but groups=2 does not divide them/,
    );
  });

  it('weight in-channels that do not match the input', () => {
    expect(() => F.conv2d(x([1, 4, 5, 5]), x([2, 3, 3, 3]))).toThrow(
      /conv2d: weight \[2, 3, 3, 3\] expects 3 input channels per group .* input \[1, 4, 5, 5\] has 4 channels/,
    );
    expect(() => F.conv3d(x([1, 4, 2, 5, 5]), x([2, 1, 1, 3, 3]), null, { groups: 2 })).toThrow(
      /conv3d: weight \[2, 1, 1, 3, 3\] expects 1 input channels per group/,
    );
  });

  it('a bias of the wrong shape', () => {
    expect(() => F.conv2d(x([1, 2, 4, 4]), x([4, 2, 3, 3]), x([3]))).toThrow(/conv2d: bias \[3\] should be \[4\]/);
  });

  it('an input of the wrong rank', () => {
    expect(() => F.conv2d(x([2, 4, 4]).reshape([2, 16]), x([1, 2, 3, 3]))).toThrow(
      /conv2d: expected a 3-D \(unbatched\) or 4-D \(batched\) input; got shape \[2, 16\]/,
    );
    expect(() => F.conv3d(x([1, 2, 4, 4]).reshape([2, 16]), x([1, 2, 1, 3, 3]))).toThrow(
      /conv3d: expected a 4-D \(unbatched\) or 5-D \(batched\) input/,
    );
  });

  it('a weight of the wrong rank', () => {
    expect(() => F.conv2d(x([1, 2, 4, 4]), x([1, 2, 3]))).toThrow(/conv2d: weight must be 4-D/);
  });

  it('non-positive stride, dilation or groups', () => {
    expect(() => F.conv2d(x([1, 2, 4, 4]), x([1, 2, 3, 3]), null, { stride: [1, 0] })).toThrow(
      /conv2d: stride must be positive; got \[1,0\]/,
    );
    expect(() => F.conv3d(x([1, 2, 4, 4, 4]), x([1, 2, 3, 3, 3]), null, { dilation: -1 })).toThrow(
      /conv3d: dilation must be positive/,
    );
    expect(() => F.conv2d(x([1, 2, 4, 4]), x([1, 2, 3, 3]), null, { groups: 0 })).toThrow(
      /conv2d: groups must be a positive integer; got 0/,
    );
  });

  it('negative padding, or a padding word other than valid/same', () => {
    expect(() => F.conv2d(x([1, 2, 4, 4]), x([1, 2, 3, 3]), null, { padding: -1 })).toThrow(
      /conv2d: padding must be non-negative/,
    );
    expect(() => F.conv2d(x([1, 2, 4, 4]), x([1, 2, 3, 3]), null, { padding: 'full' as 'same' })).toThrow(
      /conv2d: padding must be a number, a tuple, 'valid' or 'same'/,
    );
  });

  it("padding 'same' with a stride", () => {
    expect(() => F.conv2d(x([1, 2, 4, 4]), x([1, 2, 3, 3]), null, { padding: 'same', stride: 2 })).toThrow(
      /conv2d: padding='same' needs stride 1/,
    );
  });

  it('a kernel larger than the padded input', () => {
    expect(() => F.conv2d(x([1, 1, 3, 3]), x([1, 1, 5, 5]))).toThrow(
      'conv2d: kernel 5x5 (dilated 5x5) is larger than the padded input 3x3',
    );
    expect(() => F.conv3d(x([1, 1, 2, 3, 3]), x([1, 1, 2, 2, 2]), null, { dilation: [2, 1, 1] })).toThrow(
      'conv3d: kernel 2x2x2 (dilated 3x2x2) is larger than the padded input 2x3x3',
    );
  });

  it('mixed or integer dtypes', () => {
    expect(() => F.conv2d(x([1, 1, 3, 3]), zeros([1, 1, 2, 2], { dtype: 'float64' }))).toThrow(
      /conv2d: input, weight and bias must share one floating-point dtype; got float32, float64/,
    );
    expect(() => F.conv2d(x([1, 1, 3, 3]), x([1, 1, 2, 2]), zeros([1], { dtype: 'float64' }))).toThrow(
      /conv2d: input, weight and bias must share one floating-point dtype; got float32, float32, float64/,
    );
    const ints = zeros([1, 1, 3, 3], { dtype: 'int32' });
    expect(() => F.conv2d(ints, zeros([1, 1, 2, 2], { dtype: 'int32' }))).toThrow(
      /conv2d: input must be a floating-point tensor; got int32/,
    );
  });
});
