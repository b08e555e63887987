/**
 * 2-D pooling kernels over `planes` contiguous [H, W] planes (a batch's N * C). Window bounds are
 * worked out once per output row and column (`Windows`), so the inner loops carry no bounds tests.
 */
import { TypedArray } from '../dtype';

/** The input range [lo[o], hi[o]) that output index o of one dim reads, plus the extent PyTorch divides by. */
export interface Windows {
  lo: Int32Array;
  hi: Int32Array;
  /** Average pooling with countIncludePad: the window clipped to input + padding, not to the input. */
  padded: Int32Array;
}

function allocWindows(n: number): Windows {
  return { lo: new Int32Array(n), hi: new Int32Array(n), padded: new Int32Array(n) };
}

/**
 * Max-pooling windows of one dim, as PyTorch: a dilated window starting at o * stride - padding, its
 * start moved up by whole dilation steps until it is inside the input. Step through it by `dilation`.
 */
export function maxWindows(
  size: number, outSize: number, kernel: number, stride: number, padding: number, dilation: number,
): Windows {
  const w = allocWindows(outSize);
  for (let o = 0; o < outSize; o++) {
    const start = o * stride - padding;
    w.hi[o] = Math.min(start + (kernel - 1) * dilation + 1, size);
    w.lo[o] = start >= 0 ? start : start + Math.ceil(-start / dilation) * dilation;
  }
  return w;
}

/** Average-pooling windows of one dim: clipped to input + padding for the divisor, to the input for the sum. */
export function avgWindows(size: number, outSize: number, kernel: number, stride: number, padding: number): Windows {
  const w = allocWindows(outSize);
  for (let o = 0; o < outSize; o++) {
    const start = o * stride - padding;
    const end = Math.min(start + kernel, size + padding);
    w.padded[o] = end - start;
    w.lo[o] = Math.max(start, 0);
    w.hi[o] = Math.min(end, size);
  }
  return w;
}

/** Adaptive windows: output o reads [floor(o * size / outSize), ceil((o + 1) * size / outSize)). */
export function adaptiveWindows(size: number, outSize: number): Windows {
  const w = allocWindows(outSize);
  for (let o = 0; o < outSize; o++) {
    w.lo[o] = Math.floor((o * size) / outSize);
    w.hi[o] = Math.ceil(((o + 1) * size) / outSize);
    w.padded[o] = w.hi[o] - w.lo[o];
  }
  return w;
}

export interface PlaneSizes {
  planes: number;
  inH: number;
  inW: number;
}

/**
 * Visits every output position of every plane in order, with the flat output index `o`, the offset of
 * its plane in the input, and its window [h0, h1) x [w0, w1): the traversal the average-pooling kernels
 * share (maxPool2d writes it out).
 */
function forEachWindow(
  sizes: PlaneSizes, rows: Windows, columns: Windows,
  visit: (o: number, base: number, oh: number, ow: number) => void,
): void {
  const outH = rows.lo.length;
  const outW = columns.lo.length;
  let o = 0;
  for (let p = 0; p < sizes.planes; p++) {
    const base = p * sizes.inH * sizes.inW;
    for (let oh = 0; oh < outH; oh++) for (let ow = 0; ow < outW; ow++, o++) visit(o, base, oh, ow);
  }
}

/** How max pooling's windows slide along one dim, as PyTorch's max_pool2d takes it. */
export interface PoolAxis {
  /** Elements in a window. */
  kernel: number;
  stride: number;
  /** Implicit -Infinity before the input (and after it, up to what the output size needs). */
  padding: number;
  /** Steps from one element of a window to the next. */
  dilation: number;
  /** Output size (ceil mode is in it). */
  out: number;
}

/** This dim's windows (`maxWindows`) over an input of `size`. */
export function axisWindows(size: number, axis: PoolAxis): Windows {
  return maxWindows(size, axis.out, axis.kernel, axis.stride, axis.padding, axis.dilation);
}

/** The arguments of max pooling over `planes` contiguous [inH, inW] planes. */
export interface MaxPool2dArgs extends PlaneSizes {
  x: ArrayLike<number>;
  rows: PoolAxis;
  columns: PoolAxis;
  /** Written: [planes, rows.out, columns.out], each window's maximum. */
  out: TypedArray;
  /** Written: the flat index within its plane (h * inW + w) of the element each window picked. */
  indices: Int32Array;
}

/** The arguments of max pooling's backward: `gx` receives each output gradient at its picked element. */
export interface MaxPool2dBackwardArgs extends PlaneSizes {
  /** The output's gradient, [planes, outH * outW]. */
  grad: ArrayLike<number>;
  /** The forward's indices. */
  indices: Int32Array;
  /** outH * outW. */
  outPlane: number;
  /** Added into: [planes, inH * inW], zeros from the caller. */
  gx: TypedArray;
}

/**
 * Max pooling. Each window picks the first maximum in row-major order, except that a NaN replaces
 * whatever came before it (so the last NaN wins), as PyTorch's `val > max || isnan(val)`. A window
 * holding no input element gives -Infinity and index -1.
 */
export function maxPool2d(args: MaxPool2dArgs): void {
  const { x, out, indices, inW } = args;
  const inPlane = args.inH * inW;
  const rows = axisWindows(args.inH, args.rows), columns = axisWindows(inW, args.columns);
  const dH = args.rows.dilation, dW = args.columns.dilation;
  const outH = args.rows.out, outW = args.columns.out;
  // The loops are written out rather than through forEachWindow: this is the stem's hot path, where a
  // callback per window made it about 1.25x slower (the main job's [64,16,20,20], 3x3 stride 2).
  let o = 0;
  for (let p = 0; p < args.planes; p++) {
    const base = p * inPlane;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = rows.lo[oh], h1 = rows.hi[oh];
      for (let ow = 0; ow < outW; ow++, o++) {
        const w0 = columns.lo[ow], w1 = columns.hi[ow];
        let best = -Infinity;
        let bestIndex = h0 < h1 && w0 < w1 ? h0 * inW + w0 : -1;
        for (let h = h0; h < h1; h += dH) {
          const row = h * inW;
          for (let w = w0; w < w1; w += dW) {
            const v = x[base + row + w];
            // v !== v: a NaN wins and then stays until the next NaN, as in PyTorch.
            if (v > best || v !== v) {
              best = v;
              bestIndex = row + w;
            }
          }
        }
        out[o] = best;
        indices[o] = bestIndex;
      }
    }
  }
}

/** Routes each output gradient to the input element its window picked (adding where windows share one). */
export function maxPool2dBackward(args: MaxPool2dBackwardArgs): void {
  const { grad, indices, outPlane, gx } = args;
  const inPlane = args.inH * args.inW;
  let o = 0;
  for (let p = 0; p < args.planes; p++) {
    const base = p * inPlane;
    for (let i = 0; i < outPlane; i++, o++) if (indices[o] >= 0) gx[base + indices[o]] += grad[o];
  }
}

/**
 * What an average divides by: `divisor` when given, else the padded window area when `countPadded`,
 * else the number of input elements in the window.
 */
export interface AverageRule {
  countPadded: boolean;
  divisor?: number;
}

function divisorOf(rule: AverageRule, rows: Windows, columns: Windows, oh: number, ow: number): number {
  if (rule.divisor !== undefined) return rule.divisor;
  if (rule.countPadded) return rows.padded[oh] * columns.padded[ow];
  return (rows.hi[oh] - rows.lo[oh]) * (columns.hi[ow] - columns.lo[ow]);
}

/**
 * The arguments of average pooling (adaptive pooling too) over `planes` contiguous [inH, inW] planes:
 * the windows of each dim are given (avgWindows or adaptiveWindows), with the rule for the divisor.
 */
export interface AvgPool2dArgs extends PlaneSizes {
  x: ArrayLike<number>;
  rows: Windows;
  columns: Windows;
  rule: AverageRule;
  /** Written: [planes, rows.lo.length, columns.lo.length], each window's average. */
  out: TypedArray;
}

/** The arguments of average pooling's backward: `gx` receives each output gradient spread over its window. */
export interface AvgPool2dBackwardArgs extends PlaneSizes {
  /** The output's gradient, [planes, outH * outW]. */
  grad: ArrayLike<number>;
  rows: Windows;
  columns: Windows;
  rule: AverageRule;
  /** Added into: [planes, inH * inW], zeros from the caller. */
  gx: TypedArray;
}

/** Average pooling (adaptive pooling too, with its windows). A window holding no input element gives 0. */
export function avgPool2d(args: AvgPool2dArgs): void {
  const { x: src, rows, columns, rule, out } = args;
  const inW = args.inW;
  forEachWindow(args, rows, columns, (o, base, oh, ow) => {
    const h0 = rows.lo[oh], h1 = rows.hi[oh], w0 = columns.lo[ow], w1 = columns.hi[ow];
    if (h0 >= h1 || w0 >= w1) {
      out[o] = 0;
      return;
    }
    let sum = 0;
    for (let h = h0; h < h1; h++) {
      const row = base + h * inW;
      for (let w = w0; w < w1; w++) sum += src[row + w];
    }
    out[o] = sum / divisorOf(rule, rows, columns, oh, ow);
  });
}

/** Spreads each output gradient evenly (by the forward divisor) over its window; adds into `gx`. */
export function avgPool2dBackward(args: AvgPool2dBackwardArgs): void {
  const { grad, rows, columns, rule, gx } = args;
  const inW = args.inW;
  forEachWindow(args, rows, columns, (o, base, oh, ow) => {
    const h0 = rows.lo[oh], h1 = rows.hi[oh], w0 = columns.lo[ow], w1 = columns.hi[ow];
    if (h0 >= h1 || w0 >= w1) return;
    const share = grad[o] / divisorOf(rule, rows, columns, oh, ow);
    for (let h = h0; h < h1; h++) {
      const row = base + h * inW;
      for (let w = w0; w < w1; w++) gx[row + w] += share;
    }
  });
}
