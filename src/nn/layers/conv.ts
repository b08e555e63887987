/** Conv2d and Conv3d: a learned weight and bias around F.conv2d / F.conv3d, as torch.nn.Conv2d / Conv3d. */
import { Tensor } from '../../tensor/tensor';
import { IntOrTuple, expandTuple, formatShape } from '../../tensor/shape';
import { zeros } from '../../tensor/creation';
import { conv2d, conv3d, ConvOptions } from '../functional/conv';
import { Module } from '../module';
import { Parameter } from '../parameter';
import { defaultWeightAndBias } from './default-init';
import { formatValue } from '../repr';

export interface ConvLayerOptions extends ConvOptions {
  /** Learn a bias per output channel (default true). */
  bias?: boolean;
}

/** What Conv2d and Conv3d share; `dims` is the number of spatial dims. */
abstract class ConvNd extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | 'same' | 'valid';
  readonly dilation: number[];
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: IntOrTuple,
    opts: ConvLayerOptions,
    dims: number,
  ) {
    super();
    const op = this.constructor.name;
    const positive = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
    if (!positive(inChannels) || !positive(outChannels)) {
      throw new Error(`${op}: inChannels and outChannels must be positive integers; got ${inChannels}, ${outChannels}`);
    }
    this.groups = opts.groups ?? 1;
    if (!positive(this.groups) || inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new Error(
        `${op}: groups=${this.groups} must be a positive integer dividing inChannels (${inChannels}) ` +
          `and outChannels (${outChannels})`,
      );
    }
    this.kernelSize = expandTuple(kernelSize, dims, op, 'kernelSize', 1);
    this.stride = expandTuple(opts.stride ?? 1, dims, op, 'stride', 1);
    this.dilation = expandTuple(opts.dilation ?? 1, dims, op, 'dilation', 1);
    const padding = opts.padding ?? 0;
    if (padding === 'same' || padding === 'valid') {
      if (padding === 'same' && this.stride.some((s) => s !== 1)) {
        throw new Error(`${op}: padding='same' needs stride 1; got stride ${formatValue(this.stride)}`);
      }
      this.padding = padding;
    } else if (typeof padding === 'string') {
      throw new Error(`${op}: padding must be a number, a tuple, 'same' or 'valid'; got '${padding}'`);
    } else {
      this.padding = expandTuple(padding, dims, op, 'padding', 0);
    }
    this.weight = new Parameter(zeros([outChannels, inChannels / this.groups, ...this.kernelSize]));
    this.bias = opts.bias ?? true ? new Parameter(zeros([outChannels])) : null;
    this.resetParameters();
  }

  /** PyTorch's default initialisation (see default-init.ts). */
  resetParameters(): void {
    defaultWeightAndBias(this.weight, this.bias);
  }

  protected options(): ConvOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${formatValue(this.kernelSize)}, stride=${formatValue(this.stride)}`;
    const p = this.padding;
    if (typeof p === 'string' || p.some((v) => v !== 0)) s += `, padding=${formatValue(p)}`;
    if (this.dilation.some((v) => v !== 1)) s += `, dilation=${formatValue(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    return s;
  }

  protected checkInput(x: Tensor, dims: number): void {
    const channels = x.ndim === dims + 2 ? x.shape[1] : x.shape[0];
    if ((x.ndim === dims + 1 || x.ndim === dims + 2) && channels !== this.inChannels) {
      throw new Error(
        `${this.constructor.name}: expected ${this.inChannels} input channels; got input of shape ${formatShape(x.shape)}`,
      );
    }
  }
}

/** 2-D convolution over [N, C, H, W] (or unbatched [C, H, W]); weight [out, in / groups, kh, kw]. */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvLayerOptions = {}) {
    super(inChannels, outChannels, kernelSize, opts, 2);
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x, 2);
    return conv2d(x, this.weight, this.bias, this.options());
  }
}

/** 3-D convolution over [N, C, T, H, W] (or unbatched [C, T, H, W]); weight [out, in / groups, kt, kh, kw]. */
export class Conv3d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvLayerOptions = {}) {
    super(inChannels, outChannels, kernelSize, opts, 3);
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x, 3);
    return conv3d(x, this.weight, this.bias, this.options());
  }
}
