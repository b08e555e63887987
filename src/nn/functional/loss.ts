/**
 * Cross-entropy over class indices, as torch.nn.functional.cross_entropy (PyTorch 1.13 semantics).
 *
 * With z the logits, logp = logSoftmax(z) over the class dim, C classes, ε the label smoothing, w the
 * class weights (all 1 when absent) and t_i the target of element i, PyTorch computes
 * (aten/src/ATen/native/LossNLL.cpp, cross_entropy_loss_label_smoothing):
 *
 *   nll_i    = -w[t_i] * logp_i[t_i]
 *   smooth_i = -Σ_c w[c] * logp_i[c] / C
 *   loss_i   = (1 - ε) * nll_i + ε * smooth_i        (0 for an element whose target is ignoreIndex)
 *
 * 'none' returns loss_i per element, 'sum' their sum, and 'mean' their sum divided by Σ_i w[t_i] over
 * the non-ignored elements (the nll and smoothing terms are both divided by that same total). So
 * 'mean' with every target ignored is 0 / 0 = NaN, as in PyTorch.
 */
import { Tensor } from '../../tensor/tensor';
import { DimSplit, formatShape, shapesEqual, splitAtDim } from '../../tensor/shape';
import { syncToHost } from '../../tensor/residency';
import { kernel } from '../../tensor/registry';
import type { CrossEntropyLayout } from '../../tensor/kernels/loss';
import { Function, applyFunction } from '../../autograd/function';
import { assertFloat, assertTensor, empty } from '../../autograd/ops/util';

export type Reduction = 'mean' | 'sum' | 'none';

export interface CrossEntropyOptions {
  labelSmoothing?: number;
  reduction?: Reduction;
  ignoreIndex?: number;
  /** A weight per class, shape (C); treated as a constant (PyTorch has no gradient for it either). */
  weight?: Tensor | null;
}

interface Settings {
  smoothing: number;
  reduction: Reduction;
  ignoreIndex: number;
  /** Per-class weights, or null for all ones. */
  weight: Float64Array | null;
}

class CrossEntropy extends Function<[Tensor, Tensor]> {
  /** Σ_i w[t_i] over the non-ignored elements: the divisor of 'mean'. */
  private totalWeight = 0;

  constructor(
    private readonly split: DimSplit,
    private readonly settings: Settings,
  ) {
    super();
  }

  forward(logits: Tensor, target: Tensor): Tensor {
    const logp = empty(logits.shape, logits.dtype);
    kernel('softmax', logits.dtype)({ x: logits.storage, y: logp.storage, ...this.split, log: true });
    const out = empty(this.settings.reduction === 'none' ? target.shape : [], logits.dtype);
    const totalWeight = new Float64Array(1);
    kernel('crossEntropy', logits.dtype)({ ...this.layout(logp, target), out: out.storage, totalWeight });
    // A number the backward needs on the host: read back now if the kernel ran on a device.
    this.totalWeight = syncToHost(totalWeight)[0];
    this.saveForBackward(logp, target);
    return out;
  }

  /** The kernels' view of this loss. */
  private layout(logp: Tensor, target: Tensor): CrossEntropyLayout {
    const { outer, size: classes, inner } = this.split;
    const { smoothing, reduction, ignoreIndex, weight } = this.settings;
    return { logp: logp.storage, target: target.storage, outer, classes, inner, smoothing, ignoreIndex, weight, reduction };
  }

  /**
   * d loss_i / d z_i[c] = a_i * p_i[c] - q_i[c], with p = softmax(z) = exp(logp) and
   *   q_i[c] = (1 - ε) * w[t_i] * [c = t_i] + ε * w[c] / C   (the weighted, smoothed target distribution)
   *   a_i    = Σ_c q_i[c] = (1 - ε) * w[t_i] + ε * Σ_c w[c] / C
   * which is p - q when there are no weights. Each is then scaled by the incoming gradient, divided
   * by the total weight for 'mean'; ignored elements get 0.
   */
  backward(g: Tensor): (Tensor | null)[] {
    const [logp, target] = this.saved;
    if (!this.needsInputGrad[0]) return [null, null];
    const gz = empty(logp.shape, logp.dtype);
    kernel('crossEntropyBackward', logp.dtype)({ ...this.layout(logp, target), g: g.storage, totalWeight: this.totalWeight, gz: gz.storage });
    return [gz, null];
  }
}

/** The shape the target must have for these logits: the logits without the class dim. */
function expectedTargetShape(logitsShape: readonly number[]): number[] {
  return logitsShape.length === 1 ? [] : [logitsShape[0], ...logitsShape.slice(2)];
}

function checkTargets(target: Tensor, classes: number, ignoreIndex: number): void {
  const data = target.data;
  for (let i = 0; i < data.length; i++) {
    const t = data[i];
    if (t !== ignoreIndex && (t < 0 || t >= classes)) {
      throw new Error(
        `crossEntropy: target value ${t} (at flat index ${i}) is out of range for ${classes} classes; ` +
          `expected 0 to ${classes - 1}, or ignoreIndex (${ignoreIndex})`,
      );
    }
  }
}

function readSettings(opts: CrossEntropyOptions, classes: number): Settings {
  const smoothing = opts.labelSmoothing ?? 0;
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing <= 1)) {
    throw new Error(`crossEntropy: labelSmoothing must be between 0 and 1; got ${String(smoothing)}`);
  }
  const reduction = opts.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new Error(`crossEntropy: reduction must be 'mean', 'sum' or 'none'; got ${JSON.stringify(reduction)}`);
  }
  const ignoreIndex = opts.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex)) throw new Error(`crossEntropy: ignoreIndex must be an integer; got ${ignoreIndex}`);
  const w = opts.weight ?? null;
  if (w !== null) {
    assertTensor(w, 'crossEntropy', 'weight');
    assertFloat(w, 'crossEntropy', 'weight');
    if (w.ndim !== 1 || w.shape[0] !== classes) {
      throw new Error(`crossEntropy: weight has shape ${formatShape(w.shape)}; expected [${classes}], one per class`);
    }
  }
  return { smoothing, reduction, ignoreIndex, weight: w && Float64Array.from(w.data) };
}

/**
 * Cross-entropy between logits (N, C), (N, C, d1, ...) or unbatched (C) and int32 class indices of
 * shape (N), (N, d1, ...) or () respectively; see the top of this file for the exact formula.
 */
export function crossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  assertTensor(logits, 'crossEntropy', 'input');
  assertTensor(target, 'crossEntropy', 'target');
  assertFloat(logits, 'crossEntropy', 'input');
  if (target.dtype !== 'int32') {
    throw new Error(
      `crossEntropy: target must be an int32 tensor of class indices; got ${target.dtype} ` +
        '(class probabilities as targets are not supported)',
    );
  }
  if (logits.ndim === 0) throw new Error('crossEntropy: input must have a class dim; got a 0-d tensor');
  const expected = expectedTargetShape(logits.shape);
  if (!shapesEqual(target.shape, expected)) {
    throw new Error(
      `crossEntropy: target shape ${formatShape(target.shape)} does not match input ${formatShape(logits.shape)}; ` +
        `expected target ${formatShape(expected)}`,
    );
  }
  const classDim = logits.ndim === 1 ? 0 : 1;
  const classes = logits.shape[classDim];
  const settings = readSettings(opts, classes);
  checkTargets(target, classes, settings.ignoreIndex);
  return applyFunction(new CrossEntropy(splitAtDim(logits.shape, classDim), settings), [logits, target]);
}
