/**
 * The optimizers' updates over a list of parameters at once (src/optim calls them once per parameter
 * group), so a backend can run the whole model's update in one go instead of one small loop per tensor.
 * PyTorch 1.13's algorithms, operation for operation; this reference computes in float64 and rounds
 * when it stores, so float64 runs agree with PyTorch to rounding.
 */
import type { TypedArray } from '../dtype';

/** One parameter of an SGD update: its values and gradient, and its momentum buffer when momentum is on. */
export interface SgdSlot {
  param: TypedArray;
  grad: TypedArray;
  /** Same length as param; null when momentum is 0. */
  momentumBuffer: TypedArray | null;
  /** The buffer was just made: this step sets it to the gradient (no dampening on the first step). */
  firstStep: boolean;
}

export interface SgdUpdateArgs {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  slots: SgdSlot[];
}

/**
 *   g = ±grad + weightDecay · p
 *   b = g                                   on the first step
 *   b = momentum · b + (1 − dampening) · g  afterwards
 *   g = g + momentum · b  (Nesterov)   or   g = b
 *   p = p − lr · g
 */
export function sgdUpdate(args: SgdUpdateArgs): void {
  const { lr, momentum, dampening, weightDecay, nesterov, maximize } = args;
  for (const { param: p, grad, momentumBuffer: buffer, firstStep } of args.slots) {
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

/** One parameter of an Adam update, with its moment estimates and its own step count. */
export interface AdamSlot {
  param: TypedArray;
  grad: TypedArray;
  expAvg: TypedArray;
  expAvgSq: TypedArray;
  /** The running maximum of expAvgSq under AMSGrad, else null. */
  maxExpAvgSq: TypedArray | null;
  /** This parameter's step count t, this step included (1 on its first). */
  step: number;
}

export interface AdamUpdateArgs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** AdamW: decay shrinks the weights instead of joining the gradient. */
  decoupled: boolean;
  maximize: boolean;
  slots: AdamSlot[];
}

/** The per-parameter scalars of Adam's step t: lr / (1 − β1^t) and √(1 − β2^t). */
export function adamBiasCorrections(lr: number, beta1: number, beta2: number, step: number): { stepSize: number; biasCorrection2Sqrt: number } {
  return { stepSize: lr / (1 - beta1 ** step), biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** step) };
}

/**
 *   g = ±grad (+ weightDecay · p for Adam)
 *   p = p · (1 − lr · weightDecay)          (AdamW only)
 *   m = β1 · m + (1 − β1) · g
 *   v = β2 · v + (1 − β2) · g · g           (AMSGrad: v̂ = max(v̂, v), used in place of v below)
 *   p = p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps)
 */
export function adamUpdate(args: AdamUpdateArgs): void {
  const { lr, beta1, beta2, eps, weightDecay, decoupled, maximize } = args;
  const shrink = 1 - lr * weightDecay;
  for (const slot of args.slots) {
    const { stepSize, biasCorrection2Sqrt } = adamBiasCorrections(lr, beta1, beta2, slot.step);
    const { param: p, grad, expAvg: m, expAvgSq: v, maxExpAvgSq: vMax } = slot;
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
