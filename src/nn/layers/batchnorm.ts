/**
 * BatchNorm1d / 2d / 3d, as torch.nn.BatchNorm*d: F.batchNorm with a learned per-channel scale and
 * shift and the running statistics that eval mode normalises with. The buffers keep torchvision's
 * state-dict names (running_mean, running_var, num_batches_tracked) so its checkpoints load as they are.
 */
import { Tensor } from '../../tensor/tensor';
import { formatShape } from '../../tensor/shape';
import { ones, zeros } from '../../tensor/creation';
import { batchNorm } from '../functional/batchnorm';
import { Module } from '../module';
import { Parameter } from '../parameter';
import * as init from '../init';
import { formatFloat } from '../repr';

export interface BatchNormLayerOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of the new batch in the running statistics (default 0.1); null: a plain average of all batches. */
  momentum?: number | null;
  /** Learn a per-channel scale (weight) and shift (bias); default true. */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true); without them every mode uses the batch's. */
  trackRunningStats?: boolean;
}

abstract class BatchNormNd extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(readonly numFeatures: number, opts: BatchNormLayerOptions) {
    super();
    const op = this.constructor.name;
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new Error(`${op}: numFeatures must be a positive integer; got ${numFeatures}`);
    }
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    if (!(this.eps >= 0)) throw new Error(`${op}: eps must be non-negative; got ${this.eps}`);
    if (this.momentum !== null && !Number.isFinite(this.momentum)) {
      throw new Error(`${op}: momentum must be a number or null; got ${this.momentum}`);
    }
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.weight = this.affine ? new Parameter(ones([numFeatures])) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures])) : null;
    const track = this.trackRunningStats;
    this.registerBuffer('running_mean', track ? zeros([numFeatures]) : null);
    this.registerBuffer('running_var', track ? ones([numFeatures]) : null);
    this.registerBuffer('num_batches_tracked', track ? zeros([], { dtype: 'int32' }) : null);
  }

  get runningMean(): Tensor | null {
    return this.getBuffer('running_mean');
  }

  get runningVar(): Tensor | null {
    return this.getBuffer('running_var');
  }

  /** How many training batches the running statistics have seen (an int32 0-d tensor). */
  get numBatchesTracked(): Tensor | null {
    return this.getBuffer('num_batches_tracked');
  }

  resetRunningStats(): void {
    if (this.runningMean) init.zeros_(this.runningMean);
    if (this.runningVar) init.ones_(this.runningVar);
    if (this.numBatchesTracked) init.zeros_(this.numBatchesTracked);
  }

  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  /** The input ranks this layer accepts, e.g. [4] for BatchNorm2d. */
  protected abstract readonly ranks: readonly number[];

  forward(x: Tensor): Tensor {
    return this.normalize(x, false);
  }

  /**
   * relu(this.forward(x)) as one op (F.batchNorm's `relu` option): what a ResNet block runs when a
   * ReLU follows this layer, with no tensor made between the two.
   */
  forwardRelu(x: Tensor): Tensor {
    return this.normalize(x, true);
  }

  private normalize(x: Tensor, relu: boolean): Tensor {
    if (!(x instanceof Tensor) || !this.ranks.includes(x.ndim)) {
      const got = x instanceof Tensor ? `${x.ndim}D input of shape ${formatShape(x.shape)}` : String(x);
      throw new Error(`${this.constructor.name}: expected ${this.ranks.map((r) => `${r}D`).join(' or ')} input; got ${got}`);
    }
    if (x.shape[1] !== this.numFeatures) {
      throw new Error(
        `${this.constructor.name}: expected ${this.numFeatures} channels (dim 1); got input of shape ${formatShape(x.shape)}`,
      );
    }
    const counter = this.numBatchesTracked;
    const countsThisBatch = this.training && counter !== null;
    const batchesSeen = counter ? counter.data[0] + (countsThisBatch ? 1 : 0) : 0;
    // momentum null: the running statistics are the plain average of the batches so far.
    const factor = this.momentum ?? (countsThisBatch ? 1 / batchesSeen : 0);
    const [rm, rv] = [this.runningMean, this.runningVar];
    // Without running statistics there is nothing to normalise with but the batch, in every mode.
    const useBatchStats = this.training || (rm === null && rv === null);
    const y = batchNorm(x, rm, rv, this.weight, this.bias, { training: useBatchStats, momentum: factor, eps: this.eps, relu });
    // Counted only once the batch went through, so a rejected input changes no state.
    if (countsThisBatch && counter) counter.data[0] = batchesSeen;
    return y;
  }

  extraRepr(): string {
    const momentum = this.momentum === null ? 'None' : formatFloat(this.momentum);
    const py = (b: boolean) => (b ? 'True' : 'False');
    return `${this.numFeatures}, eps=${formatFloat(this.eps)}, momentum=${momentum}, affine=${py(this.affine)}, ` +
      `track_running_stats=${py(this.trackRunningStats)}`;
  }
}

/** Over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNormNd {
  protected readonly ranks = [2, 3];

  constructor(numFeatures: number, opts: BatchNormLayerOptions = {}) {
    super(numFeatures, opts);
  }
}

/** Over [N, C, H, W]. */
export class BatchNorm2d extends BatchNormNd {
  protected readonly ranks = [4];

  constructor(numFeatures: number, opts: BatchNormLayerOptions = {}) {
    super(numFeatures, opts);
  }
}

/** Over [N, C, T, H, W]. */
export class BatchNorm3d extends BatchNormNd {
  protected readonly ranks = [5];

  constructor(numFeatures: number, opts: BatchNormLayerOptions = {}) {
    super(numFeatures, opts);
  }
}
