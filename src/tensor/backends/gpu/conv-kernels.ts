/**
 * Convolution as three direct gpu.js kernels, one per output: each thread evaluates the defining sum
 * of one element of y (forward), gx (backward-data) or gw (backward-filter), over three spatial dims
 * with groups, stride, padding and dilation. A read that falls in the padding contributes nothing.
 *
 * Direct sums need no im2col buffer and no scatter: backward-data is written from the input's point
 * of view (which outputs did this input pixel feed?), so every thread only reads, which a GPU does
 * well and gpu.js can express. The plain TypeScript kernels (im2col then GEMM) are the reference the
 * tests compare these with.
 *
 * Layouts: x [N, C, D, H, W], w [O, C / groups, KD, KH, KW], y [N, O, OD, OH, OW].
 */
import { ConvShape, convSizes } from '../../kernels/conv';
import { KernelSpec, KernelThis, kernelSpec } from './kernel-spec';

/** Every size the kernels read, named as in the layouts above; `cg` / `og` are channels per group. */
export interface ConvConstants {
  N: number; cg: number; og: number;
  D: number; H: number; W: number;
  KD: number; KH: number; KW: number;
  SD: number; SH: number; SW: number;
  PD: number; PH: number; PW: number;
  DD: number; DH: number; DW: number;
  OD: number; OH: number; OW: number;
  /** Strides of the flat arrays: one sample / channel / depth slice of x and y, one filter of w. */
  xSample: number; xChannel: number; xPlane: number;
  ySample: number; yChannel: number; yPlane: number;
  wFilter: number; wChannel: number; wPlane: number;
}

/** Grid [OD * OH * OW, O, N]: thread (x, y, z) computes y[z][y][x] (x a flat output position). */
export function convForwardKernel(this: KernelThis<ConvConstants>, x: number[], w: number[]): number {
  const od = Math.floor(this.thread.x / this.constants.yPlane);
  const oh = Math.floor((this.thread.x - od * this.constants.yPlane) / this.constants.OW);
  const ow = this.thread.x - od * this.constants.yPlane - oh * this.constants.OW;
  const g = Math.floor(this.thread.y / this.constants.og);
  let sum = 0;
  for (let c = 0; c < this.constants.cg; c++) {
    for (let a = 0; a < this.constants.KD; a++) {
      const d = od * this.constants.SD - this.constants.PD + a * this.constants.DD;
      if (d >= 0 && d < this.constants.D) {
        for (let b = 0; b < this.constants.KH; b++) {
          const h = oh * this.constants.SH - this.constants.PH + b * this.constants.DH;
          if (h >= 0 && h < this.constants.H) {
            for (let e = 0; e < this.constants.KW; e++) {
              const iw = ow * this.constants.SW - this.constants.PW + e * this.constants.DW;
              if (iw >= 0 && iw < this.constants.W) {
                sum += x[this.thread.z * this.constants.xSample + ((g * this.constants.cg + c) | 0) * this.constants.xChannel
                  + (d | 0) * this.constants.xPlane + (h | 0) * this.constants.W + (iw | 0)]
                  * w[this.thread.y * this.constants.wFilter + (c | 0) * this.constants.wChannel
                  + (a | 0) * this.constants.wPlane + (b | 0) * this.constants.KW + (e | 0)];
              }
            }
          }
        }
      }
    }
  }
  return sum;
}

/**
 * Grid [D * H * W, C, N]: thread (x, y, z) computes gx[z][y][x]. Input position d was read by output
 * position od through tap a when od * SD - PD + a * DD = d, that is when d + PD - a * DD is a
 * non-negative multiple of SD whose quotient is a valid od.
 */
export function convBackwardDataKernel(this: KernelThis<ConvConstants>, gy: number[], w: number[]): number {
  const d = Math.floor(this.thread.x / this.constants.xPlane);
  const h = Math.floor((this.thread.x - d * this.constants.xPlane) / this.constants.W);
  const iw = this.thread.x - d * this.constants.xPlane - h * this.constants.W;
  const g = Math.floor(this.thread.y / this.constants.cg);
  const c = this.thread.y - g * this.constants.cg;
  let sum = 0;
  for (let o = 0; o < this.constants.og; o++) {
    for (let a = 0; a < this.constants.KD; a++) {
      const td = d + this.constants.PD - a * this.constants.DD;
      const od = td / this.constants.SD;
      if (td >= 0 && td % this.constants.SD === 0 && od < this.constants.OD) {
        for (let b = 0; b < this.constants.KH; b++) {
          const th = h + this.constants.PH - b * this.constants.DH;
          const oh = th / this.constants.SH;
          if (th >= 0 && th % this.constants.SH === 0 && oh < this.constants.OH) {
            for (let e = 0; e < this.constants.KW; e++) {
              const tw = iw + this.constants.PW - e * this.constants.DW;
              const ow = tw / this.constants.SW;
              if (tw >= 0 && tw % this.constants.SW === 0 && ow < this.constants.OW) {
                sum += gy[this.thread.z * this.constants.ySample + ((g * this.constants.og + o) | 0) * this.constants.yChannel
                  + (od | 0) * this.constants.yPlane + (oh | 0) * this.constants.OW + (ow | 0)]
                  * w[((g * this.constants.og + o) | 0) * this.constants.wFilter + (c | 0) * this.constants.wChannel
                  + (a | 0) * this.constants.wPlane + (b | 0) * this.constants.KW + (e | 0)];
              }
            }
          }
        }
      }
    }
  }
  return sum;
}

/** Grid [C / groups * KD * KH * KW, O]: thread (x, y) computes gw[y][x], summing over samples and output positions. */
export function convBackwardFilterKernel(this: KernelThis<ConvConstants>, x: number[], gy: number[]): number {
  const c = Math.floor(this.thread.x / this.constants.wChannel);
  const a = Math.floor((this.thread.x - c * this.constants.wChannel) / this.constants.wPlane);
  const b = Math.floor((this.thread.x - c * this.constants.wChannel - a * this.constants.wPlane) / this.constants.KW);
  const e = this.thread.x - c * this.constants.wChannel - a * this.constants.wPlane - b * this.constants.KW;
  const g = Math.floor(this.thread.y / this.constants.og);
  let sum = 0;
  for (let n = 0; n < this.constants.N; n++) {
    for (let od = 0; od < this.constants.OD; od++) {
      const d = od * this.constants.SD - this.constants.PD + a * this.constants.DD;
      if (d >= 0 && d < this.constants.D) {
        for (let oh = 0; oh < this.constants.OH; oh++) {
          const h = oh * this.constants.SH - this.constants.PH + b * this.constants.DH;
          if (h >= 0 && h < this.constants.H) {
            for (let ow = 0; ow < this.constants.OW; ow++) {
              const iw = ow * this.constants.SW - this.constants.PW + e * this.constants.DW;
              if (iw >= 0 && iw < this.constants.W) {
                sum += gy[(n | 0) * this.constants.ySample + this.thread.y * this.constants.yChannel
                  + (od | 0) * this.constants.yPlane + (oh | 0) * this.constants.OW + (ow | 0)]
                  * x[(n | 0) * this.constants.xSample + ((g * this.constants.cg + c) | 0) * this.constants.xChannel
                  + (d | 0) * this.constants.xPlane + (h | 0) * this.constants.W + (iw | 0)];
              }
            }
          }
        }
      }
    }
  }
  return sum;
}

/** The constants of a convolution, from the shape the ops hand to every backend. */
export function convConstants(shape: ConvShape): ConvConstants {
  const { N, C, O, cg, og } = convSizes(shape);
  const geo = shape.geometry;
  const [D, H, W] = geo.input;
  const [KD, KH, KW] = geo.kernel;
  const [OD, OH, OW] = geo.output;
  return {
    N, cg, og, D, H, W, KD, KH, KW, OD, OH, OW,
    SD: geo.stride[0], SH: geo.stride[1], SW: geo.stride[2],
    PD: geo.padding[0], PH: geo.padding[1], PW: geo.padding[2],
    DD: geo.dilation[0], DH: geo.dilation[1], DW: geo.dilation[2],
    xSample: C * D * H * W, xChannel: D * H * W, xPlane: H * W,
    ySample: O * OD * OH * OW, yChannel: OD * OH * OW, yPlane: OH * OW,
    wFilter: cg * KD * KH * KW, wChannel: KD * KH * KW, wPlane: KH * KW,
  };
}

/** Array lengths of x, w and gy for a shape. */
function lengths(k: ConvConstants, O: number) {
  return { x: k.N * k.xSample, w: O * k.wFilter, gy: k.N * k.ySample };
}

export function convForwardSpec(shape: ConvShape): KernelSpec {
  const k = convConstants(shape);
  const len = lengths(k, shape.outChannels);
  return kernelSpec('convForward', convForwardKernel, [k.yChannel, shape.outChannels, k.N], { ...k }, [len.x, len.w]);
}

export function convBackwardDataSpec(shape: ConvShape): KernelSpec {
  const k = convConstants(shape);
  const len = lengths(k, shape.outChannels);
  const C = k.cg * shape.groups;
  return kernelSpec('convBackwardData', convBackwardDataKernel, [k.xChannel, C, k.N], { ...k }, [len.gy, len.w]);
}

export function convBackwardFilterSpec(shape: ConvShape): KernelSpec {
  const k = convConstants(shape);
  const len = lengths(k, shape.outChannels);
  return kernelSpec('convBackwardFilter', convBackwardFilterKernel, [k.wFilter, shape.outChannels, 1], { ...k }, [len.x, len.gy]);
}
