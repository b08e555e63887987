/**
 * Convolution, as torch.nn.functional.conv2d / conv3d. One op does the work, over three spatial dims
 * (depth, height, width), by the active backend's convolution kernels; conv2d feeds it a depth of 1.
 */
import { Tensor } from '../../tensor/tensor';
import { IntOrTuple, expandTuple, formatShape } from '../../tensor/shape';
import { ColumnGeometry, Triple, columnCount } from '../../tensor/kernels/im2col';
import { ConvShape } from '../../tensor/kernels/conv';
import { kernel } from '../../tensor/registry';
import { Function, applyFunction } from '../../autograd/function';
import { assertFloat, assertTensor, empty } from '../../autograd/ops/util';
import { reshape } from '../../autograd/ops/shape';


export interface ConvOptions {
  stride?: IntOrTuple;
  /** Zeros added on both sides of each spatial dim, or 'valid' (none) or 'same' (output size = input size). */
  padding?: IntOrTuple | 'valid' | 'same';
  dilation?: IntOrTuple;
  groups?: number;
}

/** Everything the op needs besides the tensors, already lifted to three spatial dims. */
interface ConvParams {
  groups: number;
  stride: Triple;
  /** Padding before each dim; 'same' may pad one more after, which `output` accounts for. */
  padding: Triple;
  dilation: Triple;
  output: Triple;
}

/** x [N, C, D, H, W], w [O, C / groups, kd, kh, kw], b [O] or null -> [N, O, od, oh, ow]. */
class Convolution extends Function<[Tensor | null, Tensor | null]> {
  private inputShape: readonly number[] = [];
  private weightShape: readonly number[] = [];

  constructor(private readonly params: ConvParams) {
    super();
  }

  /** The column geometry of one group of one sample. */
  private geometry(): ColumnGeometry {
    const [, C, D, H, W] = this.inputShape;
    const [, , KD, KH, KW] = this.weightShape;
    const { groups, stride, padding, dilation, output } = this.params;
    return { channels: C / groups, input: [D, H, W], kernel: [KD, KH, KW], stride, padding, dilation, output };
  }

  /** The kernels' view of this convolution. */
  private shape(): ConvShape {
    const groups = this.params.groups;
    return { batch: this.inputShape[0], groups, outChannels: this.weightShape[0], geometry: this.geometry() };
  }

  forward(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
    this.inputShape = x.shape;
    this.weightShape = w.shape;
    const shape = this.shape();
    const y = empty([shape.batch, shape.outChannels, ...this.params.output], x.dtype);
    kernel('convForward', x.dtype)({ ...shape, x: x.storage, w: w.storage, y: y.storage });
    const volume = columnCount(shape.geometry);
    if (b) kernel('channelBias', x.dtype)({ out: y.storage, bias: b.storage, n: shape.batch, c: shape.outChannels, volume });
    // The input gradient needs only the weight, the weight gradient only the input.
    const [needX, needW] = this.needsInputGrad;
    this.saveForBackward(needW ? x : null, needX ? w : null);
    return y;
  }

  backward(grad: Tensor): (Tensor | null)[] {
    const [x, w] = this.saved;
    const [needX, needW, needB] = this.needsInputGrad;
    const shape = this.shape();
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    if (needX && w) {
      gx = empty(this.inputShape, grad.dtype);
      kernel('convBackwardData', grad.dtype)({ ...shape, gy: grad.storage, w: w.storage, gx: gx.storage });
    }
    if (needW && x) {
      gw = empty(this.weightShape, grad.dtype);
      kernel('convBackwardFilter', grad.dtype)({ ...shape, x: x.storage, gy: grad.storage, gw: gw.storage });
    }
    let gb: Tensor | null = null;
    if (needB) {
      gb = empty([shape.outChannels], grad.dtype);
      const volume = columnCount(shape.geometry);
      kernel('channelBiasBackward', grad.dtype)({ g: grad.storage, gb: gb.storage, n: shape.batch, c: shape.outChannels, volume });
    }
    return [gx, gw, gb];
  }
}

const DIM_NAMES = ['depth', 'height', 'width'];

function formatSize(sizes: readonly number[]): string {
  return sizes.join('x');
}

function checkTensors(op: string, nd: number, x: Tensor, w: Tensor, b: Tensor | null): void {
  assertTensor(x, op, 'input');
  assertTensor(w, op, 'weight');
  if (b !== null && b !== undefined) assertTensor(b, op, 'bias');
  assertFloat(x, op, 'input');
  if (x.dtype !== w.dtype || (b && b.dtype !== x.dtype)) {
    throw new Error(
      `${op}: input, weight and bias must share one floating-point dtype; ` +
        `got ${x.dtype}, ${w.dtype}${b ? `, ${b.dtype}` : ''}`,
    );
  }
  if (x.ndim !== nd + 1 && x.ndim !== nd + 2) {
    throw new Error(
      `${op}: expected a ${nd + 1}-D (unbatched) or ${nd + 2}-D (batched) input; got shape ${formatShape(x.shape)}`,
    );
  }
  if (w.ndim !== nd + 2) {
    const dims = DIM_NAMES.slice(3 - nd).map((d) => `k${d[0]}`).join(', ');
    throw new Error(`${op}: weight must be ${nd + 2}-D [out, in / groups, ${dims}]; got shape ${formatShape(w.shape)}`);
  }
}

function checkChannels(op: string, x: Tensor, w: Tensor, b: Tensor | null, groups: number, batched: boolean): void {
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`${op}: groups must be a positive integer; got ${groups}`);
  const C = x.shape[batched ? 1 : 0];
  const O = w.shape[0];
  if (C % groups !== 0) throw new Error(`${op}: input has ${C} channels but groups=${groups} does not divide them`);
  if (O % groups !== 0) {
    throw new Error(`${op}: weight has ${O} output channels but groups=${groups} does not divide them`);
  }
  if (w.shape[1] * groups !== C) {
    throw new Error(
      `${op}: weight ${formatShape(w.shape)} expects ${w.shape[1]} input channels per group (x groups=${groups} = ` +
        `${w.shape[1] * groups}), but the input ${formatShape(x.shape)} has ${C} channels`,
    );
  }
  if (b && (b.ndim !== 1 || b.shape[0] !== O)) {
    throw new Error(`${op}: bias ${formatShape(b.shape)} should be [${O}], one value per output channel`);
  }
}

/** Padding before and after each dim; 'same' follows PyTorch, putting an odd extra one after. */
function resolvePadding(
  op: string, nd: number, padding: ConvOptions['padding'], kernel: number[], stride: number[], dilation: number[],
): { before: number[]; after: number[] } {
  if (padding === 'valid') return { before: kernel.map(() => 0), after: kernel.map(() => 0) };
  if (padding === 'same') {
    if (stride.some((s) => s !== 1)) {
      throw new Error(`${op}: padding='same' needs stride 1 in every dim; got stride ${JSON.stringify(stride)}`);
    }
    const total = kernel.map((k, i) => dilation[i] * (k - 1));
    const before = total.map((t) => Math.floor(t / 2));
    return { before, after: total.map((t, i) => t - before[i]) };
  }
  if (typeof padding === 'string') {
    throw new Error(`${op}: padding must be a number, a tuple, 'valid' or 'same'; got '${padding}'`);
  }
  const before = expandTuple(padding ?? 0, nd, op, 'padding', 0);
  return { before, after: before };
}

/** Checks the arguments of conv{nd}d and returns the op's parameters, lifted to three spatial dims. */
function convParams(op: string, nd: number, x: Tensor, w: Tensor, b: Tensor | null, opts: ConvOptions): ConvParams {
  checkTensors(op, nd, x, w, b);
  const batched = x.ndim === nd + 2;
  const groups = opts.groups ?? 1;
  checkChannels(op, x, w, b, groups, batched);
  const stride = expandTuple(opts.stride ?? 1, nd, op, 'stride', 1);
  const dilation = expandTuple(opts.dilation ?? 1, nd, op, 'dilation', 1);
  const kernel = w.shape.slice(2);
  const { before, after } = resolvePadding(op, nd, opts.padding, kernel, stride, dilation);
  const input = x.shape.slice(batched ? 2 : 1);
  const padded = input.map((s, i) => s + before[i] + after[i]);
  const dilated = kernel.map((k, i) => dilation[i] * (k - 1) + 1);
  if (dilated.some((k, i) => k > padded[i])) {
    throw new Error(
      `${op}: kernel ${formatSize(kernel)} (dilated ${formatSize(dilated)}) is larger than the padded input ` +
        `${formatSize(padded)}`,
    );
  }
  const output = padded.map((p, i) => Math.floor((p - dilated[i]) / stride[i]) + 1);
  return {
    groups,
    stride: lift(stride, 1),
    padding: lift(before, 0),
    dilation: lift(dilation, 1),
    output: lift(output, 1),
  };
}

/** Prefixes `fill` (the value that changes nothing) up to three spatial dims. */
function lift(values: number[], fill: number): Triple {
  const full = [...new Array<number>(3 - values.length).fill(fill), ...values];
  return [full[0], full[1], full[2]];
}

function convNd(op: string, nd: number, x: Tensor, w: Tensor, b: Tensor | null, opts: ConvOptions): Tensor {
  const params = convParams(op, nd, x, w, b, opts);
  const batched = x.ndim === nd + 2;
  const N = batched ? x.shape[0] : 1;
  const spatial = x.shape.slice(x.ndim - nd);
  const depthOne = new Array<number>(3 - nd).fill(1);
  const x5 = reshape(x, [N, x.shape[x.ndim - nd - 1], ...depthOne, ...spatial]);
  const w5 = reshape(w, [w.shape[0], w.shape[1], ...depthOne, ...w.shape.slice(2)]);
  const y = applyFunction(new Convolution(params), [x5, w5, b ?? null]);
  const outSpatial = params.output.slice(3 - nd);
  return reshape(y, batched ? [N, w.shape[0], ...outSpatial] : [w.shape[0], ...outSpatial]);
}

/**
 * 2-D convolution (cross-correlation, as PyTorch): input [N, C, H, W] or [C, H, W], weight
 * [O, C / groups, kh, kw], bias [O] or null.
 */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  return convNd('conv2d', 2, input, weight, bias, opts);
}

/** 3-D convolution: input [N, C, T, H, W] or [C, T, H, W], weight [O, C / groups, kt, kh, kw], bias [O] or null. */
export function conv3d(input: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  return convNd('conv3d', 3, input, weight, bias, opts);
}
