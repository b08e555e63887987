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
import { zerosLike } from '../tensor/creation';
import { Optimizer, OptimizerHyperparameters, ParamGroup, ParamsArgument, StateKeys, checkRange } from './optimizer';

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

  protected updateParam(param: Tensor, grad: ArrayLike<number>, group: ParamGroup<AdamHyperparameters>): void {
    const { lr, eps, weightDecay, amsgrad, maximize } = group;
    const [beta1, beta2] = group.betas;
    const state = this.stateOf(param, amsgrad);
    state.step += 1;
    const stepSize = lr / (1 - beta1 ** state.step);
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** state.step);
    const decoupled = this.decoupledWeightDecay;
    const shrink = 1 - lr * weightDecay;
    const p = param.data;
    const m = state.expAvg.data;
    const v = state.expAvgSq.data;
    const vMax = amsgrad ? state.maxExpAvgSq!.data : null;
    for (let i = 0; i < p.length; i++) {
      let g = maximize ? -grad[i] : grad[i];
      if (decoupled) p[i] *= shrink;
      else if (weightDecay !== 0) g += weightDecay * p[i];
      m[i] = m[i] * beta1 + (1 - beta1) * g;
      v[i] = v[i] * beta2 + (1 - beta2) * g * g;
      let second = v[i];
      if (vMax !== null) {
        vMax[i] = Math.max(vMax[i], v[i]);
        second = vMax[i];
      }
      const denom = Math.sqrt(second) / biasCorrection2Sqrt + eps;
      p[i] += (-stepSize * m[i]) / denom;
    }
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
