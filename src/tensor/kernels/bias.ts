/**
 * A per-channel bias over a tensor seen as [n, c, volume] (conv's [N, O, od·oh·ow]; a linear layer's
 * [rows, outF] is [rows, outF, 1]): channel ch of sample i is the run of `volume` values starting at
 * (i * c + ch) * volume. The bias is added in place, so the op's product needs no second buffer.
 */
import type { TypedArray } from '../dtype';

/** out[i, ch, :] += bias[ch]. */
export interface ChannelBiasArgs {
  /** Read and written: the output the bias is added to. */
  out: TypedArray;
  bias: ArrayLike<number>;
  n: number;
  c: number;
  volume: number;
}

/** gb[ch] = Σ over samples and volume of g[i, ch, :]. */
export interface ChannelBiasBackwardArgs {
  g: ArrayLike<number>;
  /** Written: one value per channel. */
  gb: TypedArray;
  n: number;
  c: number;
  volume: number;
}

export function channelBias({ out, bias, n, c, volume }: ChannelBiasArgs): void {
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const v = bias[ch];
      const start = (i * c + ch) * volume;
      for (let k = start; k < start + volume; k++) out[k] += v;
    }
  }
}

/**
 * Sums each channel's gradient, samples in order and each run in order, in a JS number so that a
 * float32 gradient is rounded once per channel rather than at every step.
 */
export function channelBiasBackward({ g, gb, n, c, volume }: ChannelBiasBackwardArgs): void {
  for (let ch = 0; ch < c; ch++) {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const start = (i * c + ch) * volume;
      for (let k = start; k < start + volume; k++) acc += g[k];
    }
    gb[ch] = acc;
  }
}
