/** Linear: y = x Wᵀ + b over the last dim, as torch.nn.Linear. */
import { Tensor } from '../../tensor/tensor';
import { formatShape } from '../../tensor/shape';
import { zeros } from '../../tensor/creation';
import { linear } from '../functional/linear';
import { Module } from '../module';
import { Parameter } from '../parameter';
import { defaultWeightAndBias } from './default-init';

export interface LinearOptions {
  /** Learn a bias (default true). */
  bias?: boolean;
}

export class Linear extends Module {
  /** [outFeatures, inFeatures], as PyTorch stores it. */
  weight: Parameter;
  bias: Parameter | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions = {}) {
    super();
    for (const [name, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new Error(`Linear: ${name} must be a non-negative integer; got ${v}`);
    }
    this.weight = new Parameter(zeros([outFeatures, inFeatures]));
    this.bias = opts.bias ?? true ? new Parameter(zeros([outFeatures])) : null;
    this.resetParameters();
  }

  /** PyTorch's default: weight and bias from U(±1/sqrt(inFeatures)) (kaiming_uniform with a = sqrt(5)). */
  resetParameters(): void {
    defaultWeightAndBias(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    if (x instanceof Tensor && (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures)) {
      throw new Error(`Linear: expected input [..., ${this.inFeatures}]; got shape ${formatShape(x.shape)}`);
    }
    return linear(x, this.weight, this.bias);
  }

  extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias ? 'True' : 'False'}`;
  }
}
