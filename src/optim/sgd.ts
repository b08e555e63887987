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
import { TypedArray, convert } from '../tensor/dtype';
import { zerosLike } from '../tensor/creation';
import { kernel } from '../tensor/registry';
import type { SgdSlot } from '../tensor/kernels/optimizer';
import { Optimizer, OptimizerHyperparameters, ParamGroup, ParamsArgument, StateKeys, byDType, checkRange } from './optimizer';

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

  /** The whole group in one kernel call per dtype (the update itself: src/tensor/kernels/optimizer.ts). */
  protected override updateGroup(group: ParamGroup<SGDHyperparameters>, params: Tensor[]): void {
    for (const [dtype, part] of byDType(params)) {
      this.run(dtype, group, part.map((p) => this.slot(p, p.grad!.storage, group)));
    }
  }

  protected updateParam(param: Tensor, grad: ArrayLike<number>, group: ParamGroup<SGDHyperparameters>): void {
    const typed = ArrayBuffer.isView(grad) ? (grad as TypedArray) : convert(grad, param.dtype);
    this.run(param.dtype, group, [this.slot(param, typed, group)]);
  }

  /** A parameter's slot, its momentum buffer made (zeros, marked as new) on its first step with momentum. */
  private slot(param: Tensor, grad: TypedArray, group: ParamGroup<SGDHyperparameters>): SgdSlot {
    if (group.momentum === 0) return { param: param.storage, grad, momentumBuffer: null, firstStep: false };
    let state = this.state.get(param);
    let firstStep = false;
    if (state?.momentumBuffer === undefined) {
      state = { momentumBuffer: zerosLike(param) };
      this.state.set(param, state);
      firstStep = true;
    }
    return { param: param.storage, grad, momentumBuffer: state.momentumBuffer!.storage, firstStep };
  }

  private run(dtype: Tensor['dtype'], group: ParamGroup<SGDHyperparameters>, slots: SgdSlot[]): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    kernel('sgdUpdate', dtype)({ lr, momentum, dampening, weightDecay, nesterov, maximize, slots });
  }
}
