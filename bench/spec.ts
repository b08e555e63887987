/**
 * What a benchmark computes, as plain data: the kind of work and its shapes. Every runner (our
 * backends, TensorFlow.js, the PyTorch script) reads the same spec, so all of them time the same thing,
 * and `flops.ts` counts its work from the spec alone. Specs cross to Python as JSON, so they hold only
 * numbers and strings.
 */

/** C [m, n] = A [m, k] · B [k, n]. */
export interface GemmSpec {
  kind: 'gemm';
  m: number;
  n: number;
  k: number;
}

/**
 * One pass of a square-kernel 2-D convolution (no bias, no groups, no dilation), input [batch,
 * inChannels, height, width], weight [outChannels, inChannels, kernel, kernel].
 * - forward: y from x and w
 * - backwardData: dx from dy and w (the gradient for the layer below)
 * - backwardFilter: dw from x and dy (the gradient for the weight)
 * - trainStep: all three, through autograd, as one training iteration of the layer does
 */
export interface ConvSpec {
  kind: 'conv';
  pass: 'forward' | 'backwardData' | 'backwardFilter' | 'trainStep';
  batch: number;
  inChannels: number;
  outChannels: number;
  height: number;
  width: number;
  kernel: number;
  stride: number;
  padding: number;
}

/** C [batch, m, n] = A [batch, m, k] · B [batch, k, n], as attention's Q·Kᵀ. */
export interface BmmSpec {
  kind: 'bmm';
  batch: number;
  m: number;
  n: number;
  k: number;
}

/**
 * A ResNet-50 bottleneck block without downsampling, forward and backward, in training mode:
 * 1x1 inPlanes->planes, BN, ReLU, 3x3 planes->planes (pad 1), BN, ReLU, 1x1 planes->inPlanes, BN,
 * add the input, ReLU. torchvision's names: `planes` is the narrow width, the output has
 * planes * 4 channels, which must equal inPlanes for the residual add.
 */
export interface BottleneckSpec {
  kind: 'bottleneck';
  batch: number;
  inPlanes: number;
  planes: number;
  height: number;
  width: number;
}

/**
 * One SSA block (the paper's separable self-attention, src/ssan/models/ssa.ts) with its default flags:
 * C' = channels / 2, the channel branch, the shared value embedding, a 3x1x1 temporal query/key conv.
 * Forward and backward in training mode on `clips` clips of `segments` frames each, the input
 * [clips * segments, channels, height, width]. The output BatchNorm's scale is set to random values:
 * at its initial zero the block is the identity and every gradient flowing back into the attention is
 * zero, which is not the work of a trained block.
 */
export interface SSASpec {
  kind: 'ssa';
  clips: number;
  /** Frames per clip, T (the module's numSegments). */
  segments: number;
  channels: number;
  height: number;
  width: number;
}

/**
 * One whole training step of a model: zero the gradients, forward in training mode (batch-statistics
 * BatchNorm, dropout on), mean cross-entropy, backward, and a Nesterov SGD step with momentum and
 * (coupled) weight decay on every parameter. The models:
 * - 'resnet': torchvision's ResNet as an image classifier, `clips` images of size x size, `segments` 1;
 * - 'tsn' and 'ssan': createModel's TSN (with SSA at the default placement for 'ssan'), `clips` clips
 *   of `segments` frames of size x size, the backbone's own classifier replaced by the TSN's fc.
 * The inputs are random and the labels fixed, so every step does the same work; the values do not
 * matter to the time.
 */
export interface TrainStepSpec {
  kind: 'trainStep';
  arch: 'resnet' | 'tsn' | 'ssan';
  /** ResNet depth: 18 and 34 use BasicBlock, 50 and 101 Bottleneck. */
  depth: 18 | 34 | 50 | 101;
  /** The ResNet's base width (64 is torchvision's). */
  width: number;
  /** Clips per batch ('tsn', 'ssan'), or images per batch ('resnet'). */
  clips: number;
  /** Frames per clip, T (1 for 'resnet'). */
  segments: number;
  /** Square frames: height = width = size. */
  size: number;
  numClasses: number;
  /** The TSN's dropout before its fc (0 for 'resnet', which has none). */
  dropout: number;
  /** SSA's attention score scale, 'len' by default (docs/model.md#ambiguities-and-the-options-that-settle-them). */
  attnScale: 'len' | 'none' | 'dot';
  /** 0 in every case here (see bench/train-step.ts): the update's arithmetic without its effect. */
  lr: number;
  momentum: number;
  weightDecay: number;
}

export type Spec = GemmSpec | ConvSpec | BmmSpec | BottleneckSpec | SSASpec | TrainStepSpec;

/** The model a training step spec names, for labels: 'SSAN ResNet-18 (width 16)'. */
export function describeModel(spec: TrainStepSpec): string {
  const backbone = `ResNet-${spec.depth}` + (spec.width !== 64 ? ` (width ${spec.width})` : '');
  return spec.arch === 'resnet' ? backbone : `${spec.arch.toUpperCase()} ${backbone}`;
}

/** The spatial output size of a convolution along one dim (PyTorch's formula, dilation 1). */
export function convOutputSize(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

/** A short label for a spec's shapes, for tables and notes. */
export function describeShape(spec: Spec): string {
  switch (spec.kind) {
    case 'gemm':
      return `${spec.m}x${spec.n}x${spec.k} (m x n x k)`;
    case 'conv':
      return (
        `[${spec.batch},${spec.inChannels},${spec.height},${spec.width}] ` +
        `${spec.kernel}x${spec.kernel} ${spec.inChannels}->${spec.outChannels}` +
        (spec.stride !== 1 ? ` stride ${spec.stride}` : '') +
        ` pad ${spec.padding}`
      );
    case 'bmm':
      return `[${spec.batch},${spec.m},${spec.k}]x[${spec.batch},${spec.k},${spec.n}]`;
    case 'bottleneck':
      return `[${spec.batch},${spec.inPlanes},${spec.height},${spec.width}] planes ${spec.planes}`;
    case 'ssa':
      return (
        `[${spec.clips * spec.segments},${spec.channels},${spec.height},${spec.width}] ` +
        `(${spec.clips} clip${spec.clips === 1 ? '' : 's'} x ${spec.segments} frames)`
      );
    case 'trainStep':
      return spec.arch === 'resnet'
        ? `${describeModel(spec)}, [${spec.clips},3,${spec.size},${spec.size}], ${spec.numClasses} classes`
        : `${describeModel(spec)}, ${spec.clips} clip${spec.clips === 1 ? '' : 's'} x ${spec.segments} frames ` +
          `of ${spec.size}x${spec.size}, ${spec.numClasses} classes`;
  }
}
