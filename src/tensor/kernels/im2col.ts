/**
 * im2col and col2im over three spatial dims (depth, height, width): the unfolding that turns a
 * convolution into one matrix product. 2-D convolution runs through here with depth 1.
 *
 * The column matrix has one row per (channel, kd, kh, kw), in the order a weight [out, channels, kd,
 * kh, kw] flattens, and one column per output position (od, oh, ow), row-major. Reads that fall in the
 * padding are zeros.
 */
import { TypedArray } from '../dtype';

export type Triple = readonly [number, number, number];

export interface ColumnGeometry {
  /** Channels unfolded into one column matrix (one group's worth). */
  channels: number;
  input: Triple;
  kernel: Triple;
  stride: Triple;
  /** Padding before each dim; any padding after is implied by `output`. */
  padding: Triple;
  dilation: Triple;
  output: Triple;
}

/** Rows of the column matrix: channels x kernel volume. */
export function columnRows(geo: ColumnGeometry): number {
  return geo.channels * geo.kernel[0] * geo.kernel[1] * geo.kernel[2];
}

/** Columns of the column matrix: the output volume. */
export function columnCount(geo: ColumnGeometry): number {
  return geo.output[0] * geo.output[1] * geo.output[2];
}

/**
 * The output positions o in [lo, hi) whose input index o * stride + offset lies inside [0, size).
 * Computing the range once per kernel offset keeps the bounds test out of the innermost loop.
 */
function insideRange(size: number, outSize: number, stride: number, offset: number): [number, number] {
  const lo = Math.min(outSize, Math.max(0, Math.ceil(-offset / stride)));
  const hi = Math.max(lo, Math.min(outSize, Math.floor((size - 1 - offset) / stride) + 1));
  return [lo, hi];
}

/**
 * Walks every (row of the column matrix, output position) pair that reads inside the input, calling
 * `visit` once per contiguous run along the width: the shared traversal of im2col and col2im.
 * `visit(colStart, inStart, count, inStep)` covers cols[colStart + i] <-> input[inStart + i * inStep].
 */
function forEachRun(
  geo: ColumnGeometry,
  visit: (colStart: number, inStart: number, count: number, inStep: number) => void,
): void {
  const [D, H, W] = geo.input;
  const [KD, KH, KW] = geo.kernel;
  const [SD, SH, SW] = geo.stride;
  const [PD, PH, PW] = geo.padding;
  const [DD, DH, DW] = geo.dilation;
  const [OD, OH, OW] = geo.output;
  const plane = OH * OW;
  const volume = OD * plane;
  let row = 0;
  for (let c = 0; c < geo.channels; c++) {
    for (let a = 0; a < KD; a++) {
      const offD = a * DD - PD;
      const [d0, d1] = insideRange(D, OD, SD, offD);
      for (let b = 0; b < KH; b++) {
        const offH = b * DH - PH;
        const [h0, h1] = insideRange(H, OH, SH, offH);
        for (let e = 0; e < KW; e++, row++) {
          const offW = e * DW - PW;
          const [w0, w1] = insideRange(W, OW, SW, offW);
          if (w1 <= w0) continue;
          for (let od = d0; od < d1; od++) {
            const inPlane = (c * D + od * SD + offD) * H;
            for (let oh = h0; oh < h1; oh++) {
              const inRow = (inPlane + oh * SH + offH) * W;
              visit(row * volume + od * plane + oh * OW + w0, inRow + w0 * SW + offW, w1 - w0, SW);
            }
          }
        }
      }
    }
  }
}

/** Unfolds one group of one sample, starting at `srcOffset` of `src`, into `cols` (overwritten). */
export function im2col(src: ArrayLike<number>, srcOffset: number, geo: ColumnGeometry, cols: TypedArray): void {
  cols.fill(0, 0, columnRows(geo) * columnCount(geo));
  forEachRun(geo, (colStart, inStart, count, step) => {
    let i = srcOffset + inStart;
    for (let j = colStart, end = colStart + count; j < end; j++, i += step) cols[j] = src[i];
  });
}

/** Folds `cols` back onto one group of one sample at `dstOffset` of `dst`, adding where windows overlap. */
export function col2im(cols: ArrayLike<number>, geo: ColumnGeometry, dst: TypedArray, dstOffset: number): void {
  forEachRun(geo, (colStart, inStart, count, step) => {
    let i = dstOffset + inStart;
    for (let j = colStart, end = colStart + count; j < end; j++, i += step) dst[i] += cols[j];
  });
}
