/**
 * The non-local baselines of the paper's Table 2 (docs/model.md#non-local-blocks): embedded-Gaussian non-local blocks
 * that differ in what attends to what.
 * - '3d': every position of every frame of a clip attends to all T·P positions of that clip;
 * - '2d': positions attend within their own frame;
 * - '1d': frames attend to the frames of their clip, each frame one vector of C'·H·W features;
 * - '2d1d': 2D then 1D. 'fused' (default) is one block with SSA's topology (Table 5's first row: SSA
 *   with its channel branch, shared value and 3x1x1 temporal kernel switched off); 'stacked' is a full
 *   2D block followed by a full 1D block.
 * Each block: θ, φ, g 1x1 embeddings to C' channels, softmax(θᵀφ / √d) over the keys, W_z back to C
 * channels, BatchNorm with zero scale, plus the input. Their 1x1 embeddings see no frame order, so
 * TSN plus any of these gives the same logits for any order of the segments (docs/model.md#frame-order).
 */
import { Tensor } from '../../tensor/tensor';
import { Module } from '../../nn/module';
import { BatchNorm2d, Conv2d, Conv3d } from '../../nn/layers';
import { maxPool2d } from '../../nn/functional/pooling';
import {
  AttentionMaps, AttnScale, EMBEDDING_INIT_STD, attend, checkBlockOptions, checkInitStd, checkOutInit, embeddingConv2d,
  OUT_INIT, outputBatchNorm, splitClips,
} from './attention-common';
import {
  SeparableConfig, SeparableLayers, buildSeparableLayers, registerSeparableLayers, separableForward, separableOwnMacs,
} from './separable';

export type NonLocalKind = '3d' | '2d' | '1d' | '2d1d';
const KINDS: readonly NonLocalKind[] = ['3d', '2d', '1d', '2d1d'];

export interface NonLocalOptions {
  kind: NonLocalKind;
  /** Frames per clip, T. */
  numSegments: number;
  /** C' = C / reduction (default 2). */
  reduction?: 1 | 2;
  attnScale?: AttnScale;
  /**
   * Max-pool φ and g 2x2 per frame after their convs, so the keys are a quarter as many (official
   * non-local; default false, so that the 2D block's position attention is exactly SSA's). '3d' and '2d' only.
   */
  subSample?: boolean;
  /** Standard deviation of the new convs' initial weights (default 0.01, as SSA). */
  initStd?: number;
  /** Initial scale of the output BatchNorm (default 0: the identity at initialisation, as SSA). */
  outInit?: number;
  /** For '2d1d': one fused block (default) or a 2D block followed by a 1D block. */
  fusion?: 'fused' | 'stacked';
  /** Keep the last forward's attention maps in `attentionMaps` (default false). */
  keepAttention?: boolean;
}

export class NonLocal extends Module {
  // '3d' / '2d' / '1d': the embeddings θ, φ, g.
  readonly theta: Conv2d | null = null;
  readonly phi: Conv2d | null = null;
  readonly g: Conv2d | null = null;
  // '2d1d' stacked: two whole blocks, 2D (`spatial`) then 1D (`temporal`).
  readonly spatial: NonLocal | null = null;
  // '2d1d' fused: the separable layers (see separable.ts), filled by registerSeparableLayers.
  readonly query: Conv2d | null = null;
  readonly key: Conv2d | null = null;
  readonly value: Conv2d | null = null;
  /** The fused block's temporal query/key conv, or the stacked block's 1D non-local. */
  readonly temporal: Conv3d | NonLocal | null = null;
  readonly temporalValue: Conv3d | null = null;
  /** W_z and its BatchNorm (scale outInit, 0 by default) (absent when stacked: each child has its own). */
  readonly out: Conv2d | null = null;
  readonly bn: BatchNorm2d | null = null;

  readonly kind: NonLocalKind;
  readonly fusion: 'fused' | 'stacked';
  readonly numSegments: number;
  readonly attnScale: AttnScale;
  readonly subSample: boolean;
  /** C', the embedding width. */
  readonly innerChannels: number;
  /** The fused 2D+1D block's configuration and its layers (the fields above), null for the other kinds. */
  private readonly fused: { config: SeparableConfig; layers: SeparableLayers } | null = null;
  keepAttention: boolean;
  attentionMaps: AttentionMaps | null = null;

  constructor(readonly channels: number, opts: NonLocalOptions) {
    super();
    const op = 'NonLocal';
    const {
      kind, numSegments, reduction = 2, attnScale = 'len', subSample = false, fusion = 'fused', initStd = EMBEDDING_INIT_STD,
      outInit = OUT_INIT,
    } = opts ?? ({} as NonLocalOptions);
    if (!KINDS.includes(kind)) throw new Error(`${op}: kind must be one of ${KINDS.map((k) => `'${k}'`).join(', ')}; got ${String(kind)}`);
    if (fusion !== 'fused' && fusion !== 'stacked') throw new Error(`${op}: fusion must be 'fused' or 'stacked'; got '${String(fusion)}'`);
    if (subSample && kind !== '3d' && kind !== '2d') {
      throw new Error(`${op}: subSample applies to kinds '3d' and '2d' only (keys are pooled in space); got kind '${kind}'`);
    }
    this.innerChannels = checkBlockOptions(op, channels, numSegments, reduction, attnScale);
    checkInitStd(op, initStd);
    checkOutInit(op, outInit);
    this.kind = kind;
    this.fusion = fusion;
    this.numSegments = numSegments;
    this.attnScale = attnScale;
    this.subSample = subSample;
    this.keepAttention = opts.keepAttention ?? false;

    if (kind === '2d1d' && fusion === 'stacked') {
      const child = { numSegments, reduction, attnScale, initStd, outInit, keepAttention: this.keepAttention };
      this.spatial = new NonLocal(channels, { ...child, kind: '2d' });
      this.temporal = new NonLocal(channels, { ...child, kind: '1d' });
    } else if (kind === '2d1d') {
      const config: SeparableConfig = {
        numSegments, reduction, attnScale, channelBranch: false, taValue: 'separate_g', temporalKernel: 1, camStyle: 'qk',
      };
      const layers = buildSeparableLayers(channels, this.innerChannels, config, { initStd, outInit });
      this.fused = { config, layers };
      registerSeparableLayers(this, layers);
    } else {
      this.theta = embeddingConv2d(channels, this.innerChannels, initStd);
      this.phi = embeddingConv2d(channels, this.innerChannels, initStd);
      this.g = embeddingConv2d(channels, this.innerChannels, initStd);
      this.out = embeddingConv2d(this.innerChannels, channels, initStd);
      this.bn = outputBatchNorm(channels, outInit);
    }
  }

  /** Frames [N·T, C, H, W] -> the same shape. */
  forward(x: Tensor): Tensor {
    if (this.spatial && this.temporal instanceof NonLocal) {
      const temporal = this.temporal;
      this.spatial.keepAttention = this.keepAttention;
      temporal.keepAttention = this.keepAttention;
      const output = temporal.forward(this.spatial.forward(x));
      this.attentionMaps = this.keepAttention
        ? { position: this.spatial.attentionMaps?.position, temporal: temporal.attentionMaps?.temporal }
        : null;
      return output;
    }
    if (this.fused) {
      const { config, layers } = this.fused;
      const { output, maps } = separableForward('NonLocal(2d1d)', layers, config, x, this.keepAttention);
      this.attentionMaps = maps;
      return output;
    }
    return this.forwardSingle(x);
  }

  /** One '3d', '2d' or '1d' block. */
  private forwardSingle(x: Tensor): Tensor {
    const op = `NonLocal(${this.kind})`;
    const { clips, frames } = splitClips(op, x, this.channels, this.numSegments);
    const [batch, , height, width] = x.shape;
    const inner = this.innerChannels;
    const theta = (this.theta as Conv2d).forward(x);
    let phi = (this.phi as Conv2d).forward(x);
    let g = (this.g as Conv2d).forward(x);
    if (this.subSample) {
      phi = maxPool2d(phi, { kernelSize: 2, stride: 2 });
      g = maxPool2d(g, { kernelSize: 2, stride: 2 });
    }
    // Each kind as attention over tokens: `rows` gives queries and values as [groups, tokens, features],
    // `columns` the keys as [groups, features, tokens] (no transpose to undo), `back` restores frames.
    let rows: (t: Tensor) => Tensor;
    let columns: (t: Tensor) => Tensor;
    let back: (t: Tensor) => Tensor;
    if (this.kind === '1d') {
      // A frame is one token of C'·H·W features.
      rows = (t) => t.reshape([clips, frames, -1]);
      columns = (t) => rows(t).transpose(1, 2);
      back = (t) => t.reshape([batch, inner, height, width]);
    } else if (this.kind === '2d') {
      // A frame's positions are its tokens.
      rows = (t) => t.flatten(2).transpose(1, 2);
      columns = (t) => t.flatten(2);
      back = (t) => t.transpose(1, 2).reshape([batch, inner, height, width]);
    } else {
      // The positions of all T frames of a clip, one frame after another, are the clip's tokens.
      rows = (t) => t.flatten(2).transpose(1, 2).reshape([clips, -1, inner]);
      columns = (t) => t.reshape([clips, frames, inner, -1]).permute([0, 2, 1, 3]).reshape([clips, inner, -1]);
      back = (t) => t.reshape([batch, height * width, inner]).transpose(1, 2).reshape([batch, inner, height, width]);
    }
    const attention = attend(rows(theta), columns(phi), rows(g), this.attnScale);
    const output = x.add((this.bn as BatchNorm2d).forward((this.out as Conv2d).forward(back(attention.output))));
    this.attentionMaps = this.keepAttention
      ? { [this.kind === '1d' ? 'temporal' : 'position']: attention.weights.detach() }
      : null;
    return output;
  }

  /** Multiply-adds of the attention products for an input shape (docs/model.md#parameters-and-multiply-adds). */
  ownMacs(inputShape: readonly number[]): number {
    if (this.spatial) return 0; // its two children count their own
    if (this.fused) return separableOwnMacs(this.innerChannels, this.fused.config, inputShape);
    const [batch, , height, width] = inputShape;
    const positions = height * width;
    const keys = this.subSample ? Math.floor(height / 2) * Math.floor(width / 2) : positions;
    const inner = this.innerChannels;
    const clips = batch / this.numSegments;
    const T = this.numSegments;
    if (this.kind === '3d') return clips * 2 * (T * positions) * (T * keys) * inner;
    if (this.kind === '2d') return batch * 2 * positions * keys * inner;
    return clips * 2 * T * T * inner * positions;
  }

  extraRepr(): string {
    const fusion = this.kind === '2d1d' ? `, fusion='${this.fusion}'` : '';
    return `${this.channels}, kind='${this.kind}'${fusion}, numSegments=${this.numSegments}, ` +
      `attnScale='${this.attnScale}', subSample=${this.subSample}`;
  }
}
