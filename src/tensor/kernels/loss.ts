/**
 * Cross-entropy over class indices from log-probabilities (the `softmax` kernel's logSoftmax output),
 * and its gradient with respect to the logits; see src/nn/functional/loss.ts for the formula, which
 * is PyTorch's (weights, ignoreIndex, label smoothing, reduction). The log-probabilities are seen as
 * [outer, classes, inner] around the class dim: element i = o * inner + k has its classes at
 * o * classes * inner + k, stepping by inner. Per-element losses and every sum are float64.
 */
import type { TypedArray } from '../dtype';

export type LossReduction = 'mean' | 'sum' | 'none';

/** What both passes share: the layout, the targets and the loss's settings. */
export interface CrossEntropyLayout {
  /** The log-probabilities, [outer, classes, inner]. */
  logp: ArrayLike<number>;
  /** A class index per element, [outer, inner]. */
  target: ArrayLike<number>;
  outer: number;
  classes: number;
  inner: number;
  /** Label smoothing ε, in [0, 1]. */
  smoothing: number;
  /** A target equal to this contributes nothing (no loss, no weight, no gradient). */
  ignoreIndex: number;
  /** Per-class weights, or null for all ones. */
  weight: ArrayLike<number> | null;
  reduction: LossReduction;
}

export interface CrossEntropyArgs extends CrossEntropyLayout {
  /** Written: the loss per element ('none', [outer, inner]) or their sum or weighted mean (one value). */
  out: TypedArray;
  /** Written: [0] = Σ w[t_i] over the non-ignored elements, the divisor of 'mean' (backward needs it). */
  totalWeight: Float64Array;
}

export interface CrossEntropyBackwardArgs extends CrossEntropyLayout {
  /** The output's gradient: one per element for 'none', else one value. */
  g: ArrayLike<number>;
  /** The forward's totalWeight[0]. */
  totalWeight: number;
  /** Written where the target is not ignored; zeros from the caller: the logits' gradient. */
  gz: TypedArray;
}

/** loss_i = (1 - ε) * nll_i + ε * smooth_i for each element, then the reduction. */
export function crossEntropy(args: CrossEntropyArgs): void {
  const { logp, target, outer, classes, inner, smoothing, ignoreIndex, weight, reduction, out } = args;
  const losses = new Float64Array(outer * inner);
  let totalWeight = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const i = o * inner + k;
      const t = target[i];
      if (t === ignoreIndex) continue;
      const base = o * classes * inner + k;
      const wt = weight ? weight[t] : 1;
      totalWeight += wt;
      let loss = -wt * logp[base + t * inner];
      if (smoothing > 0) {
        let smooth = 0;
        for (let c = 0; c < classes; c++) smooth -= (weight ? weight[c] : 1) * logp[base + c * inner];
        loss = (1 - smoothing) * loss + (smoothing * smooth) / classes;
      }
      losses[i] = loss;
    }
  }
  args.totalWeight[0] = totalWeight;
  if (reduction === 'none') {
    out.set(losses);
    return;
  }
  let sum = 0;
  for (let i = 0; i < losses.length; i++) sum += losses[i];
  out[0] = reduction === 'sum' ? sum : sum / totalWeight;
}

/**
 * d loss_i / d z_i[c] = scale_i * (a_i * exp(logp_i[c]) - q_i[c]), with q_i the weighted, smoothed
 * target distribution, a_i its mass and scale_i the incoming gradient (divided by the total weight
 * for 'mean'): the softmax's Jacobian folded in, so no separate softmaxBackward runs.
 */
export function crossEntropyBackward(args: CrossEntropyBackwardArgs): void {
  const { logp, target, outer, classes, inner, smoothing, ignoreIndex, weight, reduction, g, gz } = args;
  let weightSum = classes;
  if (weight) {
    weightSum = 0;
    for (let c = 0; c < classes; c++) weightSum += weight[c];
  }
  const perElement = reduction === 'none';
  const shared = reduction === 'mean' ? g[0] / args.totalWeight : g[0];
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const i = o * inner + k;
      const t = target[i];
      if (t === ignoreIndex) continue; // the gradient stays 0
      const base = o * classes * inner + k;
      const scale = perElement ? g[i] : shared;
      const wt = weight ? weight[t] : 1;
      const mass = (1 - smoothing) * wt + (smoothing * weightSum) / classes;
      for (let c = 0; c < classes; c++) {
        const q = (smoothing * (weight ? weight[c] : 1)) / classes;
        gz[base + c * inner] = scale * (mass * Math.exp(logp[base + c * inner]) - q);
      }
      gz[base + t * inner] -= scale * (1 - smoothing) * wt;
    }
  }
}
