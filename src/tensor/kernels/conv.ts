/**
 * The reference convolution kernels over three spatial dims: forward, the gradient for the input
 * (backward-data) and the gradient for the weight (backward-filter), each as im2col / col2im and one
 * matrix product per (sample, group). Fast backends implement the same three signatures.
 */
import { TypedArray, allocate, dtypeOf } from '../dtype';
import { gemm } from './gemm';
import { ColumnGeometry, col2im, columnCount, columnRows, im2col } from './im2col';

/** The sizes every convolution kernel needs; `geometry.channels` is the channels of one group. */
export interface ConvShape {
  batch: number;
  groups: number;
  outChannels: number;
  geometry: ColumnGeometry;
}

/** x [N, C, D, H, W] and w [O, C / groups, kd, kh, kw] -> y [N, O, od, oh, ow] (overwritten; no bias). */
export interface ConvForwardArgs extends ConvShape {
  x: TypedArray;
  w: TypedArray;
  y: TypedArray;
}

/** gy [N, O, od, oh, ow] and w -> gx [N, C, D, H, W] (overwritten). */
export interface ConvBackwardDataArgs extends ConvShape {
  gy: TypedArray;
  w: TypedArray;
  gx: TypedArray;
}

/** x and gy -> gw [O, C / groups, kd, kh, kw] (overwritten). */
export interface ConvBackwardFilterArgs extends ConvShape {
  x: TypedArray;
  gy: TypedArray;
  gw: TypedArray;
}

/** Sizes derived from a ConvShape, in the names the loops use. */
export function convSizes(s: ConvShape) {
  const geo = s.geometry;
  const [D, H, W] = geo.input;
  const cg = geo.channels;
  const og = s.outChannels / s.groups;
  return {
    N: s.batch, G: s.groups, C: cg * s.groups, O: s.outChannels, cg, og,
    inVolume: D * H * W, rows: columnRows(geo), cols: columnCount(geo),
  };
}

export function convForward(args: ConvForwardArgs): void {
  const { N, G, C, O, cg, og, inVolume, rows, cols } = convSizes(args);
  // One column buffer serves every (sample, group): its size does not grow with the batch.
  const buffer = allocate(dtypeOf(args.y), rows * cols);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      im2col(args.x, (n * C + g * cg) * inVolume, args.geometry, buffer);
      gemm({
        transA: false, transB: false, m: og, n: cols, k: rows,
        a: args.w, aOffset: g * og * rows, b: buffer, c: args.y, cOffset: (n * O + g * og) * cols,
      });
    }
  }
}

export function convBackwardData(args: ConvBackwardDataArgs): void {
  const { N, G, C, O, cg, og, inVolume, rows, cols } = convSizes(args);
  const buffer = allocate(dtypeOf(args.gx), rows * cols);
  // col2im accumulates (overlapping windows add up), so start from zero.
  args.gx.fill(0);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      gemm({
        transA: true, transB: false, m: rows, n: cols, k: og,
        a: args.w, aOffset: g * og * rows, b: args.gy, bOffset: (n * O + g * og) * cols, c: buffer,
      });
      col2im(buffer, args.geometry, args.gx, (n * C + g * cg) * inVolume);
    }
  }
}

export function convBackwardFilter(args: ConvBackwardFilterArgs): void {
  const { N, G, C, O, cg, og, inVolume, rows, cols } = convSizes(args);
  const buffer = allocate(dtypeOf(args.gw), rows * cols);
  args.gw.fill(0);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      im2col(args.x, (n * C + g * cg) * inVolume, args.geometry, buffer);
      gemm({
        transA: false, transB: true, m: og, n: rows, k: cols, accumulate: true,
        a: args.gy, aOffset: (n * O + g * og) * cols, b: buffer, c: args.gw, cOffset: g * og * rows,
      });
    }
  }
}
