/** Pooling layers around F.maxPool2d, F.avgPool2d and F.adaptiveAvgPool2d, as torch.nn's. */
import { Tensor } from '../../tensor/tensor';
import { IntOrTuple } from '../../tensor/shape';
import {
  AvgPool2dOptions, MaxPool2dOptions, adaptiveAvgPool2d, avgPool2d, maxPool2d,
} from '../functional/pooling';
import { Module } from '../module';
import { formatValue } from '../repr';

const show = (v: IntOrTuple): string => formatValue(typeof v === 'number' ? v : [...v]);
const pyBool = (b: boolean): string => (b ? 'True' : 'False');

export class MaxPool2d extends Module {
  readonly opts: Required<Omit<MaxPool2dOptions, 'stride'>> & { stride: IntOrTuple };

  /** stride defaults to kernelSize, as PyTorch. */
  constructor(kernelSize: IntOrTuple, opts: Omit<MaxPool2dOptions, 'kernelSize'> = {}) {
    super();
    this.opts = {
      kernelSize,
      stride: opts.stride ?? kernelSize,
      padding: opts.padding ?? 0,
      dilation: opts.dilation ?? 1,
      ceilMode: opts.ceilMode ?? false,
    };
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.opts);
  }

  extraRepr(): string {
    const o = this.opts;
    return `kernel_size=${show(o.kernelSize)}, stride=${show(o.stride)}, padding=${show(o.padding)}, ` +
      `dilation=${show(o.dilation)}, ceil_mode=${pyBool(o.ceilMode)}`;
  }
}

export class AvgPool2d extends Module {
  readonly opts: AvgPool2dOptions & { stride: IntOrTuple; padding: IntOrTuple };

  /** stride defaults to kernelSize, as PyTorch. */
  constructor(kernelSize: IntOrTuple, opts: Omit<AvgPool2dOptions, 'kernelSize'> = {}) {
    super();
    this.opts = { ...opts, kernelSize, stride: opts.stride ?? kernelSize, padding: opts.padding ?? 0 };
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.opts);
  }

  extraRepr(): string {
    const o = this.opts;
    return `kernel_size=${show(o.kernelSize)}, stride=${show(o.stride)}, padding=${show(o.padding)}`;
  }
}

export class AdaptiveAvgPool2d extends Module {
  /** One size for both dims, or [h, w] where null keeps the input's size. */
  constructor(readonly outputSize: number | readonly (number | null)[]) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  extraRepr(): string {
    const s = this.outputSize;
    return `output_size=${typeof s === 'number' ? s : `(${s.map((v) => (v === null ? 'None' : v)).join(', ')})`}`;
  }
}
