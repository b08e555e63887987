/**
 * The convolution descriptor: the sizes the WebAssembly convolution code reads from memory instead of
 * taking two dozen parameters. TypeScript writes it (`writeConvDescriptor`), the generated code reads
 * it by field name (`convField`), so both sides share this one list of offsets.
 *
 * After the fixed fields come three tables, one per spatial dim (depth, height, width), with one entry
 * per kernel tap t: the input offset t * dilation - padding of that tap and the range [lo, hi) of
 * output positions whose input index o * stride + offset falls inside the input. Computing the ranges
 * here keeps the floor/ceil arithmetic out of the generated loops, which then never test bounds.
 */
import { ConvShape, convSizes } from '../../../kernels/conv';
import type { ColumnGeometry } from '../../../kernels/im2col';

export const CONV_FIELDS = [
  'batch', 'groups', 'channels', 'outChannels',
  /** Channels and output channels of one group. */
  'groupChannels', 'groupOutChannels',
  /** D * H * W of the input; rows and columns of one group's column matrix. */
  'inVolume', 'rows', 'cols',
  'inDepth', 'inHeight', 'inWidth',
  'outDepth', 'outHeight', 'outWidth',
  'kernelDepth', 'kernelHeight', 'kernelWidth',
  'strideDepth', 'strideHeight', 'strideWidth',
  /** Byte offsets of the three tap tables from the descriptor's start. */
  'depthTaps', 'heightTaps', 'widthTaps',
  /** 1 when the convolution is pointwise (see `isPointwise`), else 0. */
  'pointwise',
  /**
   * Samples per block, the passes' unit of work with one group (../conv.ts chooses it): 1 runs one
   * GEMM per (sample, group) pair; more puts that many samples' columns side by side in one GEMM.
   */
  'blockSamples',
] as const;

export type ConvField = (typeof CONV_FIELDS)[number];

/** Byte offset of a field in the descriptor. */
export function convFieldOffset(field: ConvField): number {
  return CONV_FIELDS.indexOf(field) * 4;
}

/** One tap entry: offset, lo, hi (three i32). */
export const TAP_BYTES = 12;
export const TAP_OFFSET = 0;
export const TAP_LO = 4;
export const TAP_HI = 8;

/** Bytes the descriptor of `shape` takes. */
export function convDescriptorBytes(shape: ConvShape): number {
  const [kd, kh, kw] = shape.geometry.kernel;
  return CONV_FIELDS.length * 4 + (kd + kh + kw) * TAP_BYTES;
}

/**
 * Whether a (sample, group) pair's column matrix is its image itself: a 1x1(x1) kernel, stride 1 and
 * no padding, so the output has the input's size. im2col would then be a plain copy and col2im a plain
 * add, and the passes read and write the image where they would use the column matrix. (Dilation
 * spaces out the taps of a kernel, and a 1x1 kernel has a single tap, so any dilation qualifies.)
 */
export function isPointwise(geo: ColumnGeometry): boolean {
  const ones = (t: readonly number[]) => t.every((v) => v === 1);
  return ones(geo.kernel) && ones(geo.stride) && geo.padding.every((v) => v === 0) &&
    geo.output.every((size, i) => size === geo.input[i]);
}

/** Output positions o in [lo, hi) with 0 <= o * stride + offset < size. */
function insideRange(size: number, outSize: number, stride: number, offset: number): [number, number] {
  const lo = Math.min(outSize, Math.max(0, Math.ceil(-offset / stride)));
  const hi = Math.max(lo, Math.min(outSize, Math.floor((size - 1 - offset) / stride) + 1));
  return [lo, hi];
}

/** Writes the descriptor of `shape`, run in blocks of `blockSamples` samples, at byte `address` of the memory `heap` views. */
export function writeConvDescriptor(heap: Int32Array, address: number, shape: ConvShape, blockSamples = 1): void {
  const sizes = convSizes(shape);
  const geo = shape.geometry;
  const tableStart = CONV_FIELDS.length * 4;
  const taps = [
    tableStart,
    tableStart + geo.kernel[0] * TAP_BYTES,
    tableStart + (geo.kernel[0] + geo.kernel[1]) * TAP_BYTES,
  ];
  const values: Record<ConvField, number> = {
    batch: sizes.N, groups: sizes.G, channels: sizes.C, outChannels: sizes.O,
    groupChannels: sizes.cg, groupOutChannels: sizes.og,
    inVolume: sizes.inVolume, rows: sizes.rows, cols: sizes.cols,
    inDepth: geo.input[0], inHeight: geo.input[1], inWidth: geo.input[2],
    outDepth: geo.output[0], outHeight: geo.output[1], outWidth: geo.output[2],
    kernelDepth: geo.kernel[0], kernelHeight: geo.kernel[1], kernelWidth: geo.kernel[2],
    strideDepth: geo.stride[0], strideHeight: geo.stride[1], strideWidth: geo.stride[2],
    depthTaps: taps[0], heightTaps: taps[1], widthTaps: taps[2],
    pointwise: isPointwise(geo) ? 1 : 0,
    blockSamples,
  };
  const base = address / 4;
  CONV_FIELDS.forEach((field, i) => {
    heap[base + i] = values[field];
  });
  for (let dim = 0; dim < 3; dim++) {
    for (let t = 0; t < geo.kernel[dim]; t++) {
      const offset = t * geo.dilation[dim] - geo.padding[dim];
      const [lo, hi] = insideRange(geo.input[dim], geo.output[dim], geo.stride[dim], offset);
      const entry = (address + taps[dim] + t * TAP_BYTES) / 4;
      heap[entry] = offset;
      heap[entry + 1] = lo;
      heap[entry + 2] = hi;
    }
  }
}
