/**
 * TSM's temporal shift (Lin et al.; docs/model.md#tsm): a parameter-free way to mix time into a 2D network.
 * In each clip, 1/8 of the channels take their values from the next frame and another 1/8 from the
 * previous frame (zeros past the clip's ends); the rest stay. Put on the residual branch before a
 * block's conv1 ("residual shift"), the conv then sees three frames at once while the shortcut keeps
 * the frame's own features.
 */
import { Tensor } from '../../tensor/tensor';
import { TypedArray } from '../../tensor/dtype';
import { empty } from '../../autograd/ops/util';
import { Function, applyFunction } from '../../autograd/function';
import { Module } from '../../nn/module';
import { splitClips } from './attention-common';

/** Sizes of a shift: clips, frames per clip, channels, fold (channels moved each way), H·W. */
interface ShiftSizes {
  clips: number;
  frames: number;
  channels: number;
  fold: number;
  plane: number;
}

/**
 * Copies `src` into `dst` [N, T, C, H·W] with channels [0, fold) taken from frame t + step and
 * [fold, 2·fold) from frame t − step, zeros where that frame is outside the clip. step = +1 is the
 * shift; step = −1 moves everything back, which is the shift's gradient (it is a permutation with zeros).
 */
function shiftFrames(src: TypedArray, dst: TypedArray, s: ShiftSizes, step: 1 | -1): void {
  const frameSize = s.channels * s.plane;
  const foldSize = s.fold * s.plane;
  for (let n = 0; n < s.clips; n++) {
    for (let t = 0; t < s.frames; t++) {
      const here = (n * s.frames + t) * frameSize;
      const copyFold = (offset: number, from: number) => {
        if (from < 0 || from >= s.frames) dst.fill(0, here + offset, here + offset + foldSize);
        else {
          const start = (n * s.frames + from) * frameSize + offset;
          dst.set(src.subarray(start, start + foldSize), here + offset);
        }
      };
      copyFold(0, t + step);
      copyFold(foldSize, t - step);
      dst.set(src.subarray(here + 2 * foldSize, here + frameSize), here + 2 * foldSize);
    }
  }
}

/** The shift as one autograd op: a copy forward, the opposite copy backward. */
class TemporalShiftFunction extends Function<[]> {
  constructor(private readonly sizes: ShiftSizes) {
    super();
  }

  forward(x: Tensor): Tensor {
    const y = empty(x.shape, x.dtype);
    shiftFrames(x.data, y.data, this.sizes, 1);
    return y;
  }

  backward(g: Tensor): Tensor[] {
    const gx = empty(g.shape, g.dtype);
    shiftFrames(g.data, gx.data, this.sizes, -1);
    return [gx];
  }
}

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
    // The shift takes any channel count, so the check is of the rank and of whole clips only.
    const channels = x instanceof Tensor && x.ndim === 4 ? x.shape[1] : -1;
    const { clips, frames } = splitClips('TemporalShift', x, channels, this.numSegments);
    const fold = Math.floor(channels / this.shiftDiv);
    if (fold === 0 || frames === 1) return x;
    const plane = x.shape[2] * x.shape[3];
    return applyFunction(new TemporalShiftFunction({ clips, frames, channels, fold, plane }), [x]);
  }

  extraRepr(): string {
    return `numSegments=${this.numSegments}, shiftDiv=${this.shiftDiv}`;
  }
}
