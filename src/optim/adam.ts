/**
 * Adam and AdamW: PyTorch 1.13's single-tensor algorithm, with the same order of operations so that
 * float64 runs agree with PyTorch to rounding. With t the parameter's step count:
 *
 *   g = ±grad (+ weightDecay · p for Adam: decay coupled into the gradient)
 *   p = p · (1 − lr · weightDecay)          (AdamW only: decay decoupled from the gradient)
 *   m = β1 · m + (1 − β1) · g
 *   v = β2 · v + (1 − β2) · g · g           (AMSGrad: v̂ = max(v̂, v), used in place of v below)
 *   p = p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps)
 */
import { Tensor } from '../tensor/tensor';
import { DType, TypedArray, convert } from '../tensor/dtype';
import { zerosLike } from '../tensor/creation';
import { kernel } from '../tensor/registry';
import type { AdamSlot } from '../tensor/kernels/optimizer';
import { Optimizer, OptimizerHyperparameters, ParamGroup, ParamsArgument, StateKeys, byDType, checkRange } from './optimizer';

export interface AdamHyperparameters extends OptimizerHyperparameters {
  betas: [number, number];
  eps: number;
  /** Keep the running maximum of the second moment (AMSGrad). */
  amsgrad: boolean;
  maximize: boolean;
}

export type AdamOptions = Partial<AdamHyperparameters>;

export type AdamState = { step: number; expAvg: Tensor; expAvgSq: Tensor; maxExpAvgSq?: Tensor };

export class Adam extends Optimizer<AdamHyperparameters, AdamState> {
  /** AdamW overrides this: decay shrinks the weights directly instead of joining the gradient. */
  protected get decoupledWeightDecay(): boolean {
    return false;
  }

  constructor(params: ParamsArgument<AdamHyperparameters>, options: AdamOptions = {}) {
    super(params, {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      amsgrad: options.amsgrad ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected checkHyperparameters(h: AdamHyperparameters, where: string): void {
    checkRange(h.lr, 'lr', where, 0);
    checkRange(h.betas[0], 'betas[0]', where, 0, 1);
    checkRange(h.betas[1], 'betas[1]', where, 0, 1);
    checkRange(h.eps, 'eps', where, 0);
    checkRange(h.weightDecay, 'weightDecay', where, 0);
  }

  protected stateKeys(h: AdamHyperparameters): StateKeys {
    return { tensors: h.amsgrad ? ['expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['expAvg', 'expAvgSq'], numbers: ['step'] };
  }

  private stateOf(param: Tensor, amsgrad: boolean): AdamState {
    let state = this.state.get(param);
    if (state === undefined) {
      state = { step: 0, expAvg: zerosLike(param), expAvgSq: zerosLike(param) };
      this.state.set(param, state);
    }
    // AMSGrad switched on for a group that already has state starts its maximum from zero, as PyTorch.
    if (amsgrad && state.maxExpAvgSq === undefined) state.maxExpAvgSq = zerosLike(param);
    return state;
  }

  /** The whole group in one kernel call per dtype (the update itself: src/tensor/kernels/optimizer.ts). */
  protected override updateGroup(group: ParamGroup<AdamHyperparameters>, params: Tensor[]): void {
    for (const [dtype, part] of byDType(params)) this.run(dtype, group, part.map((p) => this.slot(p, p.grad!.storage, group)));
  }

  protected updateParam(param: Tensor, grad: ArrayLike<number>, group: ParamGroup<AdamHyperparameters>): void {
    const typed = ArrayBuffer.isView(grad) ? (grad as TypedArray) : convert(grad, param.dtype);
    this.run(param.dtype, group, [this.slot(param, typed, group)]);
  }

  /** A parameter's slot for this step, its step count advanced. */
  private slot(param: Tensor, grad: TypedArray, group: ParamGroup<AdamHyperparameters>): AdamSlot {
    const state = this.stateOf(param, group.amsgrad);
    state.step += 1;
    return {
      param: param.storage, grad, expAvg: state.expAvg.storage, expAvgSq: state.expAvgSq.storage,
      maxExpAvgSq: group.amsgrad ? state.maxExpAvgSq!.storage : null, step: state.step,
    };
  }

  private run(dtype: DType, group: ParamGroup<AdamHyperparameters>, slots: AdamSlot[]): void {
    const { lr, eps, weightDecay, maximize } = group;
    const [beta1, beta2] = group.betas;
    kernel('adamUpdate', dtype)({ lr, beta1, beta2, eps, weightDecay, decoupled: this.decoupledWeightDecay, maximize, slots });
  }
}

/** Adam with decoupled weight decay (Loshchilov and Hutter); PyTorch's default weightDecay 1e-2. */
export class AdamW extends Adam {
  protected override get decoupledWeightDecay(): boolean {
    return true;
  }

  constructor(params: ParamsArgument<AdamHyperparameters>, options: AdamOptions = {}) {
    super(params, { ...options, weightDecay: options.weightDecay ?? 1e-2 });
  }
}
