/**
 * SGD with momentum, dampening, Nesterov momentum and (coupled) weight decay: PyTorch 1.13's algorithm,
 * operation for operation, so that float64 runs agree with PyTorch to rounding:
 *
 *   g = ±grad + weightDecay · p
 *   b = g                                   on the first step (no dampening then)
 *   b = momentum · b + (1 − dampening) · g  afterwards
 *   g = g + momentum · b  (Nesterov)   or   g = b
 *   p = p − lr · g
 */
import { Tensor } from '../tensor/tensor';
import { TypedArray } from '../tensor/dtype';
import { zerosLike } from '../tensor/creation';
import { Optimizer, OptimizerHyperparameters, ParamGroup, ParamsArgument, StateKeys, checkRange } from './optimizer';

export interface SGDHyperparameters extends OptimizerHyperparameters {
  momentum: number;
  dampening: number;
  nesterov: boolean;
  /** Ascend the gradient instead of descending it. */
  maximize: boolean;
}

/** The constructor's options: lr is required (as PyTorch), the rest default to plain SGD. */
export type SGDOptions = Partial<SGDHyperparameters> & { lr: number };

export type SGDState = { momentumBuffer?: Tensor };

export class SGD extends Optimizer<SGDHyperparameters, SGDState> {
  constructor(params: ParamsArgument<SGDHyperparameters>, options: SGDOptions) {
    super(params, {
      lr: options.lr,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected checkHyperparameters(h: SGDHyperparameters, where: string): void {
    checkRange(h.lr, 'lr', where, 0);
    checkRange(h.momentum, 'momentum', where, 0);
    checkRange(h.dampening, 'dampening', where, -Infinity);
    checkRange(h.weightDecay, 'weightDecay', where, 0);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      throw new Error(`${where}: Nesterov momentum needs momentum > 0 and dampening 0; got momentum ${h.momentum}, dampening ${h.dampening}`);
    }
  }

  protected stateKeys(): StateKeys {
    return { tensors: ['momentumBuffer'], numbers: [] };
  }

  protected updateParam(param: Tensor, grad: ArrayLike<number>, group: ParamGroup<SGDHyperparameters>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    const p = param.data;
    let buffer: TypedArray | null = null;
    let firstStep = false;
    if (momentum !== 0) {
      let state = this.state.get(param);
      if (state?.momentumBuffer === undefined) {
        state = { momentumBuffer: zerosLike(param) };
        this.state.set(param, state);
        firstStep = true;
      }
      buffer = state.momentumBuffer!.data;
    }
    for (let i = 0; i < p.length; i++) {
      let d = maximize ? -grad[i] : grad[i];
      if (weightDecay !== 0) d += weightDecay * p[i];
      if (buffer !== null) {
        buffer[i] = firstStep ? d : buffer[i] * momentum + (1 - dampening) * d;
        d = nesterov ? d + momentum * buffer[i] : buffer[i];
      }
      p[i] += -lr * d;
    }
  }
}
