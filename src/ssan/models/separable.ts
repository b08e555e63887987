/**
 * Separable attention: spatial attention inside each frame, then temporal attention across the frames
 * of a clip (docs/model.md#the-ssa-block). With all of its switches on this is SSA; with the channel branch off, a
 * separate temporal value embedding and 1x1x1 temporal embeddings it is the fused 2D+1D non-local
 * block, the first row of the paper's Table 5. Each switch adds one component of that ablation chain,
 * so SSA and the fused non-local share this one computation.
 *
 * Shapes, with B = N·T frames, C' embedding channels, P = H·W positions and D = C'·P:
 *   x [B, C, H, W] -> q, k, v [B, C', P]
 *   position branch: A_S = softmax(qᵀk / √C') [B, P, P];   O_S = A_S·vᵀ, kept channel-major [B, C', P]
 *   channel branch:  A_C = softmax(q·kᵀ / √P) [B, C', C'];  O_C = A_C·v [B, C', P]
 *   X̂ = O_S + O_C  -> [N, C', T, H, W] -> one (k,1,1) conv -> temporal query and key, each [N, T, D]
 *   A_T = softmax(Q_T·K_Tᵀ / √D) [N, T, T];   Y = A_T·V_T [N, T, D] -> [B, C', H, W]
 *   output: x + BN(W_z(Y))
 */
import { Tensor } from '../../tensor/tensor';
import { Module } from '../../nn/module';
import { BatchNorm2d, Conv2d, Conv3d } from '../../nn/layers';
import {
  AttentionMaps, AttnScale, attend, checkBlockOptions, embeddingConv2d, splitClips, temporalConv3d,
  outputBatchNorm,
} from './attention-common';

/**
 * What the temporal attention mixes across time (docs/model.md#temporal-attention):
 * - 'shared_v': the spatial value embedding v itself (the paper's shared value embedding, SVE);
 * - 'x_hat': the spatial attention's output X̂;
 * - 'separate_g': a 1x1x1 conv of X̂ (the non-local's own g; what the fused 2D+1D baseline does).
 */
export type TemporalValue = 'shared_v' | 'x_hat' | 'separate_g';
export const TEMPORAL_VALUES: readonly TemporalValue[] = ['shared_v', 'x_hat', 'separate_g'];

/**
 * How the channel branch turns energies into weights (docs/model.md#channel-branch): 'qk' is the scaled
 * softmax of q·kᵀ; 'danet' is DANet's softmax(rowmax(E) − E), which reverses the similarity order.
 */
export type CamStyle = 'qk' | 'danet';

export interface SeparableConfig {
  numSegments: number;
  reduction: 1 | 2;
  /** The channel branch (Table 5's SA). */
  channelBranch: boolean;
  taValue: TemporalValue;
  /** Temporal kernel of the query/key embedding: 3 (Table 5's TA) or 1. */
  temporalKernel: 1 | 3;
  attnScale: AttnScale;
  camStyle: CamStyle;
}

/** The learned layers, in state-dict order. temporalValue exists only for taValue 'separate_g'. */
export interface SeparableLayers {
  query: Conv2d;
  key: Conv2d;
  value: Conv2d;
  temporal: Conv3d;
  temporalValue: Conv3d | null;
  out: Conv2d;
  bn: BatchNorm2d;
}

/** Validates the configuration (before anything is built) and returns the embedding width C'. */
export function checkSeparableConfig(op: string, channels: number, config: SeparableConfig): number {
  const inner = checkBlockOptions(op, channels, config.numSegments, config.reduction, config.attnScale);
  if (typeof config.channelBranch !== 'boolean') throw new Error(`${op}: channelBranch must be true or false; got ${String(config.channelBranch)}`);
  if (!TEMPORAL_VALUES.includes(config.taValue)) {
    throw new Error(`${op}: taValue must be one of ${TEMPORAL_VALUES.join(', ')}; got '${config.taValue}'`);
  }
  if (config.temporalKernel !== 1 && config.temporalKernel !== 3) {
    throw new Error(`${op}: temporalKernel must be 1 or 3; got ${config.temporalKernel}`);
  }
  if (config.camStyle !== 'qk' && config.camStyle !== 'danet') {
    throw new Error(`${op}: camStyle must be 'qk' or 'danet'; got '${config.camStyle}'`);
  }
  if (config.camStyle === 'danet' && config.attnScale === 'dot') {
    throw new Error(`${op}: camStyle 'danet' is a softmax form; it cannot be combined with attnScale 'dot'`);
  }
  return inner;
}

/** The layers for a configuration, their conv weights drawn from N(0, initStd), the output BatchNorm's scale outInit. */
export function buildSeparableLayers(
  channels: number, inner: number, config: SeparableConfig, init: { initStd: number; outInit: number },
): SeparableLayers {
  const { initStd, outInit } = init;
  return {
    query: embeddingConv2d(channels, inner, initStd),
    key: embeddingConv2d(channels, inner, initStd),
    value: embeddingConv2d(channels, inner, initStd),
    // One conv makes both temporal embeddings: output channels [0, C') are the query, [C', 2C') the key.
    temporal: temporalConv3d(inner, 2 * inner, config.temporalKernel, initStd),
    temporalValue: config.taValue === 'separate_g' ? temporalConv3d(inner, inner, 1, initStd) : null,
    out: embeddingConv2d(inner, channels, initStd),
    bn: outputBatchNorm(channels, outInit),
  };
}

/**
 * Makes the layers children of `block` (SSA, or NonLocal's fused 2D+1D block) under their names here,
 * which are their state-dict prefixes (query.weight, ..., bn.running_var). The block declares the seven
 * fields for their types; this is the one place that fills them.
 */
export function registerSeparableLayers(block: Module, layers: SeparableLayers): void {
  for (const [name, layer] of Object.entries(layers)) block.registerModule(name, layer);
}

/** [N·T, C', H, W] or [N·T, C', P] frames -> [N, C', T, H, W], the layout a Conv3d over time reads. */
function framesToClip(frames: Tensor, clips: number, segments: number, height: number, width: number): Tensor {
  const inner = frames.shape[1];
  return frames.reshape([clips, segments, inner, height, width]).permute([0, 2, 1, 3, 4]);
}

/** [N, C', T, H, W] -> [N, T, C'·H·W]: each frame flattened to one vector, as temporal attention reads it. */
function clipToFrameVectors(clip: Tensor): Tensor {
  const [clips, , segments] = clip.shape;
  return clip.permute([0, 2, 1, 3, 4]).reshape([clips, segments, -1]);
}

export function separableForward(
  op: string,
  layers: SeparableLayers,
  config: SeparableConfig,
  x: Tensor,
  keepMaps: boolean,
): { output: Tensor; maps: AttentionMaps | null } {
  const channels = layers.query.inChannels;
  const { clips, frames } = splitClips(op, x, channels, config.numSegments);
  const [batch, , height, width] = x.shape;
  const inner = layers.query.outChannels;
  const positions = height * width;
  const q = layers.query.forward(x).reshape([batch, inner, positions]);
  const k = layers.key.forward(x).reshape([batch, inner, positions]);
  const v = layers.value.forward(x).reshape([batch, inner, positions]);

  // Position branch: every position of a frame attends to every position of the same frame.
  const position = attend(q.transpose(1, 2), k, v.transpose(1, 2), config.attnScale);
  let xHat = position.output.transpose(1, 2);
  let channel: { output: Tensor; weights: Tensor } | null = null;
  if (config.channelBranch) {
    // Channel branch: the same q and k, now as C' rows of P features; no new parameters.
    const danet = config.camStyle === 'danet' ? (scores: Tensor) => scores.neg() : undefined;
    channel = attend(q, k.transpose(1, 2), v, config.attnScale, danet);
    xHat = xHat.add(channel.output);
  }

  // Temporal attention: one T x T map per clip, from embeddings of the spatial attention's output.
  const xHatClip = framesToClip(xHat, clips, frames, height, width);
  const [temporalQuery, temporalKey] = layers.temporal.forward(xHatClip).chunk(2, 1);
  let temporalValue: Tensor;
  if (config.taValue === 'shared_v') temporalValue = v.reshape([clips, frames, -1]);
  else if (config.taValue === 'x_hat') temporalValue = xHat.reshape([clips, frames, -1]);
  else temporalValue = clipToFrameVectors((layers.temporalValue as Conv3d).forward(xHatClip));
  const temporal = attend(
    clipToFrameVectors(temporalQuery), clipToFrameVectors(temporalKey).transpose(1, 2), temporalValue, config.attnScale,
  );
  const y = temporal.output.reshape([batch, inner, height, width]);
  const output = x.add(layers.bn.forward(layers.out.forward(y)));

  const maps: AttentionMaps | null = keepMaps
    ? {
        position: position.weights.detach(),
        ...(channel ? { channel: channel.weights.detach() } : {}),
        temporal: temporal.weights.detach(),
      }
    : null;
  return { output, maps };
}

/**
 * Multiply-adds of the attention products (the convs are counted as layers): per frame 2·P²·C' for
 * the position branch and 2·C'²·P for the channel branch, per clip 2·T²·C'·P
 * (docs/model.md#parameters-and-multiply-adds).
 */
export function separableOwnMacs(inner: number, config: SeparableConfig, inputShape: readonly number[]): number {
  const [batch, , height, width] = inputShape;
  const positions = height * width;
  const clips = batch / config.numSegments;
  let macs = batch * 2 * positions * positions * inner;
  if (config.channelBranch) macs += batch * 2 * inner * inner * positions;
  macs += clips * 2 * config.numSegments * config.numSegments * inner * positions;
  return macs;
}
