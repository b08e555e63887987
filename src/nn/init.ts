/**
 * Weight initialisation, as torch.nn.init: each function whose name ends in `_` fills a tensor in place
 * and returns it (PyTorch's convention for in-place functions). Random ones draw from `generator` (the
 * seeded default generator unless given), so a seed fixes every initial weight of a model. Nothing here
 * is recorded for backward. The names without the underscore (`normal`, `zeros`, ...) are aliases kept
 * for code written before the rename; see the end of the file.
 */
import { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';
import { Generator, defaultGenerator } from '../tensor/random';

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

export type FanMode = 'fan_in' | 'fan_out';

export interface KaimingOptions {
  /** The negative slope of the leaky ReLU that follows (only with nonlinearity 'leaky_relu'); default 0. */
  a?: number;
  /** 'fan_in' (default) keeps the variance of the forward pass; 'fan_out' that of the backward pass. */
  mode?: FanMode;
  /** Default 'leaky_relu', as PyTorch (which with a = 0 is the ReLU gain). */
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

const LINEAR_LIKE = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d', 'sigmoid'];

/**
 * The factor by which a nonlinearity shrinks the standard deviation of its input, inverted: multiply
 * the weight's std by it to keep activations at unit scale. `param` is leaky_relu's negative slope
 * (default 0.01, as PyTorch).
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  if (LINEAR_LIKE.includes(nonlinearity)) return 1;
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) {
        throw new Error(`calculateGain: negative slope ${String(param)} is not a valid number`);
      }
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new Error(
        `calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}; expected one of ` +
          `${[...LINEAR_LIKE, 'tanh', 'relu', 'leaky_relu', 'selu'].join(', ')}`,
      );
  }
}

/**
 * [fanIn, fanOut] of a weight, as PyTorch: dim 1 (inputs) and dim 0 (outputs), each times the size of
 * one kernel (the product of the dims after the second). A Linear weight [out, in] has fanIn = in; a
 * Conv2d weight [out, in / groups, kh, kw] has fanIn = in / groups * kh * kw.
 */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) {
    throw new Error(
      `calculateFanInAndFanOut: fans are defined for tensors of 2 or more dims; got shape ${formatShape(t.shape)}`,
    );
  }
  let receptive = 1;
  for (const d of t.shape.slice(2)) receptive *= d;
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

function fan(t: Tensor, mode: FanMode): number {
  if (mode !== 'fan_in' && mode !== 'fan_out') {
    throw new Error(`init: mode must be 'fan_in' or 'fan_out'; got ${JSON.stringify(mode)}`);
  }
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return mode === 'fan_in' ? fanIn : fanOut;
}

function assertFloatTensor(t: Tensor, op: string): void {
  if (!(t instanceof Tensor)) throw new Error(`${op}: expected a Tensor; got ${t === null ? 'null' : typeof t}`);
  if (t.dtype === 'int32') throw new Error(`${op}: random values need a float32 or float64 tensor; got int32`);
}

/** Fills with U[a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, generator: Generator = defaultGenerator): Tensor {
  assertFloatTensor(t, 'uniform');
  if (!(a <= b)) throw new Error(`uniform: expected a <= b; got a=${a}, b=${b}`);
  generator.fillUniform(t.data, a, b);
  return t;
}

/** Fills with N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  assertFloatTensor(t, 'normal');
  if (!(std >= 0)) throw new Error(`normal: std must be non-negative; got ${std}`);
  generator.fillNormal(t.data, mean, std);
  return t;
}

export function constant_(t: Tensor, value: number): Tensor {
  if (!(t instanceof Tensor)) throw new Error(`constant: expected a Tensor; got ${t === null ? 'null' : typeof t}`);
  t.data.fill(value);
  return t;
}

export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/**
 * Xavier / Glorot uniform: U[-bound, bound] with bound = gain * sqrt(6 / (fanIn + fanOut)), which keeps
 * the variance of activations and of gradients alike for a linear layer.
 */
export function xavierUniform_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  assertFloatTensor(t, 'xavierUniform');
  if (t.numel() === 0) return t;
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const bound = Math.sqrt(3) * gain * Math.sqrt(2 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, generator);
}

/** Xavier / Glorot normal: N(0, std²) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  assertFloatTensor(t, 'xavierNormal');
  if (t.numel() === 0) return t;
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), generator);
}

/** The standard deviation He et al. prescribe: gain / sqrt(fan). */
function kaimingStd(t: Tensor, opts: KaimingOptions, op: string): number | null {
  assertFloatTensor(t, op);
  // A zero-element tensor has nothing to fill (and a zero fan); PyTorch skips it too.
  if (t.numel() === 0) return null;
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  return gain / Math.sqrt(fan(t, opts.mode ?? 'fan_in'));
}

/**
 * Kaiming / He normal: N(0, std²) with std = gain / sqrt(fan). Torchvision's ResNets use it on every
 * convolution with mode 'fan_out' and nonlinearity 'relu'.
 */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const std = kaimingStd(t, opts, 'kaimingNormal');
  return std === null ? t : normal_(t, 0, std, opts.generator);
}

/**
 * Kaiming / He uniform: U[-bound, bound] with bound = sqrt(3) * gain / sqrt(fan), the same variance as
 * kaimingNormal_. PyTorch's default for Linear and Conv weights is this with a = sqrt(5), which works
 * out to bound = 1 / sqrt(fanIn).
 */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const std = kaimingStd(t, opts, 'kaimingUniform');
  if (std === null) return t;
  const bound = Math.sqrt(3) * std;
  return uniform_(t, -bound, bound, opts.generator);
}

// ------------------------------------------------------------------ the names before the rename

/**
 * Aliases: each in-place function under its name from before it took PyTorch's trailing underscore
 * (`init.normal` is `init.normal_`). Kept so that code written against the old names still runs; new
 * code uses the underscored names.
 */
export {
  uniform_ as uniform, normal_ as normal, constant_ as constant, zeros_ as zeros, ones_ as ones,
  xavierUniform_ as xavierUniform, xavierNormal_ as xavierNormal, kaimingNormal_ as kaimingNormal,
  kaimingUniform_ as kaimingUniform,
};
