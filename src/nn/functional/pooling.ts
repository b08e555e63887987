/** 2-D pooling, as torch.nn.functional.max_pool2d, avg_pool2d and adaptive_avg_pool2d. */
import { Tensor } from '../../tensor/tensor';
import { IntOrTuple, expandTuple, formatShape, numel } from '../../tensor/shape';
import { AverageRule, PlaneSizes, PoolAxis, Windows, adaptiveWindows, avgWindows } from '../../tensor/kernels/pooling';
import { kernel } from '../../tensor/registry';
import { Function, applyFunction } from '../../autograd/function';
import { assertFloat, assertTensor, empty } from '../../autograd/ops/util';


export interface MaxPool2dOptions {
  kernelSize: IntOrTuple;
  /** Defaults to kernelSize. */
  stride?: IntOrTuple | null;
  /** Implicit -Infinity on both sides; at most half the kernel. */
  padding?: IntOrTuple;
  dilation?: IntOrTuple;
  /** Round the output size up, so a last partial window is kept (if it starts inside input or left padding). */
  ceilMode?: boolean;
}

export interface AvgPool2dOptions {
  kernelSize: IntOrTuple;
  /** Defaults to kernelSize. */
  stride?: IntOrTuple | null;
  /** Implicit zeros on both sides; at most half the kernel. */
  padding?: IntOrTuple;
  ceilMode?: boolean;
  /** Divide by the window clipped to input + padding (true) or to the input alone (false). */
  countIncludePad?: boolean;
  /** Divide every window by this instead. */
  divisorOverride?: number | null;
}

/** Sizes and arguments of a 2-D pooling, checked. */
interface PoolSpec {
  /** Shape of the output: [N, C, outH, outW] or [C, outH, outW] as the input. */
  outShape: number[];
  sizes: PlaneSizes;
  outH: number;
  outW: number;
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
}

/** Checks the input of a 2-D pooling: a float tensor [N, C, H, W] or [C, H, W] with no empty non-batch dim. */
function checkInput(op: string, x: Tensor): void {
  assertTensor(x, op, 'input');
  assertFloat(x, op, 'input');
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new Error(`${op}: expected a 3-D (unbatched) or 4-D (batched) input; got shape ${formatShape(x.shape)}`);
  }
  if (x.shape.slice(x.ndim - 3).some((s) => s === 0)) {
    throw new Error(`${op}: input ${formatShape(x.shape)} has an empty channel or spatial dim`);
  }
}

/**
 * PyTorch's pooling output size: floor (or ceil) of the sliding count, where in ceil mode a last window
 * that would start in the right padding is dropped.
 */
function pooledSize(size: number, k: number, s: number, p: number, d: number, ceilMode: boolean): number {
  const out = Math.floor((size + 2 * p - d * (k - 1) - 1 + (ceilMode ? s - 1 : 0)) / s) + 1;
  return ceilMode && (out - 1) * s >= size + p ? out - 1 : out;
}

function poolSpec(
  op: string, x: Tensor,
  opts: { kernelSize: IntOrTuple; stride?: IntOrTuple | null; padding?: IntOrTuple; dilation?: IntOrTuple; ceilMode?: boolean },
): PoolSpec {
  checkInput(op, x);
  if (opts === null || typeof opts !== 'object' || opts.kernelSize === undefined) {
    throw new Error(`${op}: options must give kernelSize`);
  }
  const kernel = expandTuple(opts.kernelSize, 2, op, 'kernelSize', 1);
  const stride = opts.stride === undefined || opts.stride === null ? kernel : expandTuple(opts.stride, 2, op, 'stride', 1);
  const padding = expandTuple(opts.padding ?? 0, 2, op, 'padding', 0);
  const dilation = expandTuple(opts.dilation ?? 1, 2, op, 'dilation', 1);
  if (padding.some((p, i) => p > Math.floor(kernel[i] / 2))) {
    throw new Error(
      `${op}: padding ${formatShape(padding)} must be at most half the kernel size ${formatShape(kernel)}`,
    );
  }
  const [inH, inW] = x.shape.slice(x.ndim - 2);
  const ceilMode = opts.ceilMode ?? false;
  const [outH, outW] = [inH, inW].map((s, i) => pooledSize(s, kernel[i], stride[i], padding[i], dilation[i], ceilMode));
  if (outH < 1 || outW < 1) {
    const dilated = kernel.map((k, i) => dilation[i] * (k - 1) + 1);
    const padded = [inH, inW].map((s, i) => s + 2 * padding[i]);
    const dilatedNote = dilation.some((d) => d !== 1) ? ` (dilated ${dilated.join('x')})` : '';
    throw new Error(
      `${op}: kernel ${kernel.join('x')}${dilatedNote} is larger than the padded input ${padded.join('x')}`,
    );
  }
  return {
    outShape: [...x.shape.slice(0, x.ndim - 2), outH, outW],
    sizes: { planes: numel(x.shape.slice(0, x.ndim - 2)), inH, inW },
    outH, outW, kernel, stride, padding, dilation,
  };
}

class MaxPool2d extends Function<[Int32Array]> {
  private inputShape: readonly number[] = [];

  constructor(private readonly spec: PoolSpec) {
    super();
  }

  forward(x: Tensor): Tensor {
    const { sizes, outH, outW, kernel: size, stride, padding, dilation } = this.spec;
    this.inputShape = x.shape;
    const axis = (d: number, out: number): PoolAxis =>
      ({ kernel: size[d], stride: stride[d], padding: padding[d], dilation: dilation[d], out });
    const out = empty(this.spec.outShape, x.dtype);
    const indices = new Int32Array(out.numel());
    kernel('maxPool2d', x.dtype)({ ...sizes, x: x.storage, rows: axis(0, outH), columns: axis(1, outW), out: out.storage, indices });
    // The picked positions are all backward needs: a quarter (or less) of the input for 2x2 windows.
    this.saveForBackward(indices);
    return out;
  }

  backward(g: Tensor): Tensor[] {
    const [indices] = this.saved;
    const gx = empty(this.inputShape, g.dtype);
    const { sizes, outH, outW } = this.spec;
    kernel('maxPool2dBackward', g.dtype)({ ...sizes, grad: g.storage, indices, outPlane: outH * outW, gx: gx.storage });
    return [gx];
  }
}

/** Average over windows given per dim; serves both avgPool2d and adaptiveAvgPool2d. */
class AvgPool2d extends Function<[]> {
  private inputShape: readonly number[] = [];

  constructor(
    private readonly outShape: readonly number[],
    private readonly sizes: PlaneSizes,
    private readonly rows: Windows,
    private readonly columns: Windows,
    private readonly rule: AverageRule,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    this.inputShape = x.shape;
    const out = empty(this.outShape, x.dtype);
    const { sizes, rows, columns, rule } = this;
    kernel('avgPool2d', x.dtype)({ ...sizes, x: x.storage, rows, columns, rule, out: out.storage });
    return out;
  }

  backward(g: Tensor): Tensor[] {
    const gx = empty(this.inputShape, g.dtype);
    const { sizes, rows, columns, rule } = this;
    kernel('avgPool2dBackward', g.dtype)({ ...sizes, grad: g.storage, rows, columns, rule, gx: gx.storage });
    return [gx];
  }
}

/** Max over sliding windows of [N, C, H, W] or [C, H, W], as torch.nn.functional.max_pool2d. */
export function maxPool2d(input: Tensor, opts: MaxPool2dOptions): Tensor {
  const spec = poolSpec('maxPool2d', input, opts);
  return applyFunction(new MaxPool2d(spec), [input]);
}

/** Mean over sliding windows of [N, C, H, W] or [C, H, W], as torch.nn.functional.avg_pool2d. */
export function avgPool2d(input: Tensor, opts: AvgPool2dOptions): Tensor {
  const spec = poolSpec('avgPool2d', input, { ...opts, dilation: 1 });
  const override = opts.divisorOverride ?? undefined;
  if (override !== undefined && (!Number.isInteger(override) || override === 0)) {
    throw new Error(`avgPool2d: divisorOverride must be a non-zero integer; got ${override}`);
  }
  const { sizes, outH, outW, kernel, stride, padding } = spec;
  const rows = avgWindows(sizes.inH, outH, kernel[0], stride[0], padding[0]);
  const columns = avgWindows(sizes.inW, outW, kernel[1], stride[1], padding[1]);
  const rule: AverageRule = { countPadded: opts.countIncludePad ?? true, divisor: override };
  return applyFunction(new AvgPool2d(spec.outShape, sizes, rows, columns, rule), [input]);
}

/**
 * Mean over outputSize windows per spatial dim that cover the input, overlapping where the sizes do not
 * divide, as torch.nn.functional.adaptive_avg_pool2d. A null size keeps that dim's input size.
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const op = 'adaptiveAvgPool2d';
  checkInput(op, input);
  const [inH, inW] = input.shape.slice(input.ndim - 2);
  const requested = typeof outputSize === 'number' ? [outputSize, outputSize] : [...outputSize];
  const [outH, outW] = requested.map((s, i) => (s === null ? [inH, inW][i] : s));
  if (requested.length !== 2 || ![outH, outW].every((s) => Number.isInteger(s) && s > 0)) {
    throw new Error(`${op}: outputSize must be a positive integer or two of them; got ${JSON.stringify(outputSize)}`);
  }
  const sizes: PlaneSizes = { planes: numel(input.shape.slice(0, input.ndim - 2)), inH, inW };
  const outShape = [...input.shape.slice(0, input.ndim - 2), outH, outW];
  const fn = new AvgPool2d(outShape, sizes, adaptiveWindows(inH, outH), adaptiveWindows(inW, outW), { countPadded: false });
  return applyFunction(fn, [input]);
}
