/**
 * TSM's temporal shift (Lin et al.; ssan-spec §5): a parameter-free way to mix time into a 2D network.
 * In each clip, 1/8 of the channels take their values from the next frame and another 1/8 from the
 * previous frame (zeros past the clip's ends); the rest stay. Put on the residual branch before a
 * block's conv1 ("residual shift"), the conv then sees three frames at once while the shortcut keeps
 * the frame's own features.
 */
import { Tensor } from '../../tensor/tensor';
import { Module } from '../../nn/module';
import { splitClips } from './attention-common';

export interface TemporalShiftOptions {
  /** Frames per clip, T. */
  numSegments: number;
  /** Shift C / shiftDiv channels each way (default 8, TSM's). */
  shiftDiv?: number;
}

export class TemporalShift extends Module {
  readonly numSegments: number;
  readonly shiftDiv: number;

  constructor(opts: TemporalShiftOptions) {
    super();
    const { numSegments, shiftDiv = 8 } = opts ?? ({} as TemporalShiftOptions);
    if (!Number.isInteger(numSegments) || numSegments < 1) {
      throw new Error(`TemporalShift: numSegments must be a positive integer; got ${numSegments}`);
    }
    if (!Number.isInteger(shiftDiv) || shiftDiv < 2) {
      throw new Error(`TemporalShift: shiftDiv must be an integer >= 2 (it shifts 2 of every shiftDiv channels); got ${shiftDiv}`);
    }
    this.numSegments = numSegments;
    this.shiftDiv = shiftDiv;
  }

  /** Frames [N·T, C, H, W] -> the same shape, a fold of channels moved one frame each way. */
  forward(x: Tensor): Tensor {
    const channels = x instanceof Tensor && x.ndim === 4 ? x.shape[1] : -1;
    const { clips, frames } = splitClips('TemporalShift', x, channels, this.numSegments);
    const fold = Math.floor(channels / this.shiftDiv);
    if (fold === 0 || frames === 1) return x;
    const [batch, , height, width] = x.shape;
    const clip = x.reshape([clips, frames, channels, height, width]);
    // pad() lists (before, after) pairs from the last dim backwards; the fifth pair from the end is time.
    const timePad = (before: number, after: number) => [0, 0, 0, 0, 0, 0, before, after];
    // Frame t takes frame t+1's first fold: drop frame 0, append a zero frame.
    const fromNext = clip.slice(2, 0, fold).slice(1, 1, frames).pad(timePad(0, 1));
    // Frame t takes frame t-1's second fold: prepend a zero frame, drop the last.
    const fromPrevious = clip.slice(2, fold, 2 * fold).slice(1, 0, frames - 1).pad(timePad(1, 0));
    const parts = 2 * fold < channels ? [fromPrevious, clip.slice(2, 2 * fold, channels)] : [fromPrevious];
    return fromNext.cat(parts, 2).reshape([batch, channels, height, width]);
  }

  extraRepr(): string {
    return `numSegments=${this.numSegments}, shiftDiv=${this.shiftDiv}`;
  }
}
