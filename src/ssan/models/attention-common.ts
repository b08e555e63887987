/**
 * What the attention blocks (SSA and the non-local family) share: how a batch of frames splits into
 * clips, the attention product itself with its normalisation options, and the initialisation of the
 * new layers (docs/model.md#defaults-and-why).
 */
import { Tensor } from '../../tensor/tensor';
import { softmax } from '../../nn/functional/softmax';
import * as init from '../../nn/init';
import { BatchNorm2d, Conv2d, Conv3d } from '../../nn/layers';

/**
 * How attention scores become weights (docs/model.md#ambiguities-and-the-options-that-settle-them):
 * - 'len': softmax of scores / √(contraction length), the embedded-Gaussian non-local (default);
 * - 'none': softmax of the raw scores;
 * - 'dot': no softmax, scores divided by the number of keys (the non-local "dot product" variant).
 */
export type AttnScale = 'len' | 'none' | 'dot';

export const ATTN_SCALES: readonly AttnScale[] = ['len', 'none', 'dot'];

/** Attention maps kept from the last forward pass (when a block's keepAttention is on), detached. */
export interface AttentionMaps {
  /** Position branch or 2D/3D non-local: [frames or clips, queries, keys]. */
  position?: Tensor;
  /** Channel branch: [N·T, C', C']. */
  channel?: Tensor;
  /** Temporal attention or 1D non-local: [N, T, T]. */
  temporal?: Tensor;
}

/** The clips and frames per clip of a batch of frames [N·T, C, H, W]; errors name the block. */
export function splitClips(op: string, x: Tensor, channels: number, numSegments: number): { clips: number; frames: number } {
  if (!(x instanceof Tensor) || x.ndim !== 4) {
    const got = x instanceof Tensor ? `shape [${x.shape.join(', ')}]` : String(x);
    throw new Error(`${op}: expected frames of shape [N·T, C, H, W]; got ${got}`);
  }
  if (x.shape[1] !== channels) {
    throw new Error(`${op}: expected ${channels} channels; got input of shape [${x.shape.join(', ')}]`);
  }
  const batch = x.shape[0];
  if (batch % numSegments !== 0) {
    throw new Error(
      `${op}: the batch of ${batch} frames is not a whole number of clips of numSegments=${numSegments} frames ` +
        '(frames must come clip by clip: frame t of clip n at index n·T + t)',
    );
  }
  return { clips: batch / numSegments, frames: numSegments };
}

/** Checks the options every block shares, before any layer is built. */
export function checkBlockOptions(op: string, channels: number, numSegments: number, reduction: number, attnScale: string): number {
  if (!Number.isInteger(channels) || channels < 1) throw new Error(`${op}: channels must be a positive integer; got ${channels}`);
  if (!Number.isInteger(numSegments) || numSegments < 1) {
    throw new Error(`${op}: numSegments (frames per clip) must be a positive integer; got ${numSegments}`);
  }
  if (reduction !== 1 && reduction !== 2) throw new Error(`${op}: reduction must be 1 or 2; got ${reduction}`);
  if (channels % reduction !== 0) throw new Error(`${op}: channels (${channels}) must be divisible by reduction (${reduction})`);
  if (!(ATTN_SCALES as readonly string[]).includes(attnScale)) {
    throw new Error(`${op}: attnScale must be one of ${ATTN_SCALES.join(', ')}; got '${attnScale}'`);
  }
  return channels / reduction;
}

/**
 * Attention: queries [G, Q, d] against keys given transposed, [G, d, K], weighting values [G, K, e];
 * returns the output [G, Q, e] and the weights [G, Q, K]. Keys come transposed because that is how
 * the blocks already hold them (channels by positions), so no copy is made to undo a transpose.
 *
 * The normalisation (`style`): 'len' divides the scores by √d, the length of the dot products, which
 * keeps the softmax from saturating into a one-hot map when d is large (25k-100k in the temporal
 * branch); 'dot' divides by the number of keys K and has no softmax. Either factor is applied to the
 * queries rather than to the scores: the same products, on Q·d numbers instead of Q·K.
 * `transformScores` lets a variant change the scores before the softmax (DANet).
 */
export function attend(
  queries: Tensor,
  keysTransposed: Tensor,
  values: Tensor,
  style: AttnScale,
  transformScores: (scores: Tensor) => Tensor = (s) => s,
): { output: Tensor; weights: Tensor } {
  const [, , length] = queries.shape;
  const numKeys = keysTransposed.shape[2];
  const factor = style === 'len' ? 1 / Math.sqrt(length) : style === 'dot' ? 1 / numKeys : 1;
  const scaled = factor === 1 ? queries : queries.mul(factor);
  const scores = transformScores(scaled.matmul(keysTransposed));
  const weights = style === 'dot' ? scores : softmax(scores, -1);
  return { output: weights.matmul(values), weights };
}

/**
 * The spread of the new convs' initial weights: the official non-local CONV_INIT_STD
 * (docs/model.md#output-and-initialisation).
 */
export const EMBEDDING_INIT_STD = 0.01;

/** Checks a block's `initStd` option. */
export function checkInitStd(op: string, initStd: number): void {
  if (typeof initStd !== 'number' || !(initStd > 0) || !Number.isFinite(initStd)) {
    throw new Error(`${op}: initStd must be a finite number > 0; got ${String(initStd)}`);
  }
}

/**
 * A new 1x1 (or k x 1 x 1) embedding conv with the non-local init: weights N(0, initStd), bias 0 (official
 * non-local CONV_INIT_STD = 0.01 by default), rather than PyTorch's default fan-in uniform.
 */
export function embeddingConv2d(inChannels: number, outChannels: number, initStd = EMBEDDING_INIT_STD): Conv2d {
  const conv = new Conv2d(inChannels, outChannels, 1);
  init.normal_(conv.weight, 0, initStd);
  if (conv.bias) init.zeros_(conv.bias);
  return conv;
}

/** A Conv3d over (T, H, W) with kernel (k, 1, 1), padded in time only so T is kept; init as above. */
export function temporalConv3d(inChannels: number, outChannels: number, temporalKernel: number, initStd = EMBEDDING_INIT_STD): Conv3d {
  const conv = new Conv3d(inChannels, outChannels, [temporalKernel, 1, 1], {
    padding: [(temporalKernel - 1) / 2, 0, 0],
  });
  init.normal_(conv.weight, 0, initStd);
  if (conv.bias) init.zeros_(conv.bias);
  return conv;
}

/**
 * The initial scale γ of the BatchNorm after W_z: 0, so the block adds exactly nothing at
 * initialisation and ImageNet features pass through unchanged until training moves γ
 * (docs/model.md#output-and-initialisation).
 */
export const OUT_INIT = 0;

/** Checks a block's `outInit` option. */
export function checkOutInit(op: string, outInit: number): void {
  if (typeof outInit !== 'number' || !(outInit >= 0) || !Number.isFinite(outInit)) {
    throw new Error(`${op}: outInit must be a finite number >= 0; got ${String(outInit)}`);
  }
}

/**
 * The BatchNorm after W_z, with shift 0 and scale `outInit` (default 0: the block starts as the
 * identity). With γ = 0 every gradient inside the block is zero until γ itself has grown, one more
 * small factor in the product that the attention's gradients are; a small γ lets a model trained from
 * scratch start learning the attention from the first step.
 */
export function outputBatchNorm(channels: number, outInit = OUT_INIT): BatchNorm2d {
  const bn = new BatchNorm2d(channels);
  if (bn.weight) init.constant_(bn.weight, outInit);
  if (bn.bias) init.zeros_(bn.bias);
  return bn;
}
