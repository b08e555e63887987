/**
 * SSA, the separable self-attention module of the paper (docs/model.md#the-ssa-block): spatial attention within each
 * frame (a position branch and a channel branch sharing query and key), then temporal attention across
 * the frames of each clip, whose query and key come from one 3x1x1 convolution over the spatial result
 * and whose value is the spatial value embedding. Output: x + BN(W_z(Y)), with BN's scale at zero so
 * the module starts as the identity.
 *
 *     const ssa = new SSA(128, { numSegments: 8 });
 *     ssa.forward(frames);   // frames [N·8, 128, H, W] -> [N·8, 128, H, W]
 *
 * The switches of the paper's Table 5 ablation: channelBranch (SA), taValue 'shared_v' vs 'separate_g'
 * (SVE), temporalKernel 3 vs 1 (TA); all three off is the fused 2D+1D non-local block.
 */
import { Tensor } from '../../tensor/tensor';
import { Module } from '../../nn/module';
import { BatchNorm2d, Conv2d, Conv3d } from '../../nn/layers';
import { AttentionMaps, AttnScale, EMBEDDING_INIT_STD, OUT_INIT, checkInitStd, checkOutInit } from './attention-common';
import {
  CamStyle, SeparableConfig, TemporalValue, buildSeparableLayers, checkSeparableConfig, registerSeparableLayers,
  separableForward, separableOwnMacs,
} from './separable';

export interface SSAOptions {
  /** Frames per clip, T: consecutive groups of T frames in the batch are one clip. */
  numSegments: number;
  /** C' = C / reduction (default 2, the non-local convention; 1 keeps the width). */
  reduction?: 1 | 2;
  /** The channel branch (default true). */
  channelBranch?: boolean;
  /** The temporal value (default 'shared_v', the paper's shared value embedding). */
  taValue?: TemporalValue;
  /** Temporal kernel of the temporal query/key conv (default 3). */
  temporalKernel?: 1 | 3;
  /** Score normalisation (default 'len': softmax of scores / √(contraction length)). */
  attnScale?: AttnScale;
  /** Channel-branch form (default 'qk'). */
  camStyle?: CamStyle;
  /**
   * Standard deviation of the new convs' initial weights (default 0.01, the non-local's). Larger values
   * shorten the slow start of a model trained from scratch: the temporal map's gradient is a product of
   * these weights, so at 0.01 it starts near zero.
   */
  initStd?: number;
  /**
   * Initial scale of the output BatchNorm (default 0: the block starts as the identity, as the paper's
   * non-local init). A small value (0.1) gives the attention's convs a gradient from the first step.
   */
  outInit?: number;
  /** Keep the last forward's attention maps in `attentionMaps` (default false: no memory spent). */
  keepAttention?: boolean;
}

/** SSA's defaults (docs/model.md#defaults-and-why): the paper's module with every Table 5 component on. */
export function ssaConfig(opts: SSAOptions): SeparableConfig {
  return {
    numSegments: opts.numSegments,
    reduction: opts.reduction ?? 2,
    channelBranch: opts.channelBranch ?? true,
    taValue: opts.taValue ?? 'shared_v',
    temporalKernel: opts.temporalKernel ?? 3,
    attnScale: opts.attnScale ?? 'len',
    camStyle: opts.camStyle ?? 'qk',
  };
}

export class SSA extends Module {
  // The separable layers (see SeparableLayers), filled by registerSeparableLayers.
  readonly query!: Conv2d;
  readonly key!: Conv2d;
  readonly value!: Conv2d;
  readonly temporal!: Conv3d;
  readonly temporalValue!: Conv3d | null;
  /** W_z: back from C' to C channels. */
  readonly out!: Conv2d;
  readonly bn!: BatchNorm2d;
  readonly config: Readonly<SeparableConfig>;
  /** C', the embedding width. */
  readonly innerChannels: number;
  keepAttention: boolean;
  /** The last forward's attention maps when keepAttention is on; null otherwise. */
  attentionMaps: AttentionMaps | null = null;

  constructor(readonly channels: number, opts: SSAOptions) {
    super();
    const config = ssaConfig(opts ?? ({} as SSAOptions));
    this.innerChannels = checkSeparableConfig('SSA', channels, config);
    const initStd = opts?.initStd ?? EMBEDDING_INIT_STD;
    checkInitStd('SSA', initStd);
    const outInit = opts?.outInit ?? OUT_INIT;
    checkOutInit('SSA', outInit);
    this.config = config;
    registerSeparableLayers(this, buildSeparableLayers(channels, this.innerChannels, config, { initStd, outInit }));
    this.keepAttention = opts?.keepAttention ?? false;
  }

  /** Frames [N·T, C, H, W] -> the same shape. */
  forward(x: Tensor): Tensor {
    const { output, maps } = separableForward('SSA', this, this.config, x, this.keepAttention);
    this.attentionMaps = maps;
    return output;
  }

  /** Multiply-adds of the attention products for an input shape (the convs count as layers). */
  ownMacs(inputShape: readonly number[]): number {
    return separableOwnMacs(this.innerChannels, this.config, inputShape);
  }

  extraRepr(): string {
    const c = this.config;
    return `${this.channels}, numSegments=${c.numSegments}, reduction=${c.reduction}, ` +
      `channelBranch=${c.channelBranch}, taValue='${c.taValue}', temporalKernel=${c.temporalKernel}, ` +
      `attnScale='${c.attnScale}', camStyle='${c.camStyle}'`;
  }
}
