/**
 * Copying a rectangular, optionally strided, region between two contiguous tensors. Slice, cat and
 * pad (and their backwards) are all this one copy with different corners.
 */
import { stridesOf } from '../shape';
import { copyStrided } from './strided';

export interface RegionCopy {
  src: ArrayLike<number>;
  srcShape: readonly number[];
  /** Index of the region's first element in src, per dim. */
  srcStart: readonly number[];
  /** Step between region elements in src, per dim (1 when omitted). */
  srcStep?: readonly number[];
  dst: { [i: number]: number };
  dstShape: readonly number[];
  dstStart: readonly number[];
  dstStep?: readonly number[];
  region: readonly number[];
  /** Add into dst instead of overwriting. */
  accumulate?: boolean;
}

/** A region copy as a strided one: where the region starts in src and dst, and its strides in each. */
export function regionLayout(c: RegionCopy): { srcBase: number; srcStrides: number[]; dstBase: number; dstStrides: number[] } {
  const plainSrc = stridesOf(c.srcShape);
  const plainDst = stridesOf(c.dstShape);
  let srcBase = 0;
  let dstBase = 0;
  for (let d = 0; d < c.region.length; d++) {
    srcBase += c.srcStart[d] * plainSrc[d];
    dstBase += c.dstStart[d] * plainDst[d];
  }
  const srcStrides = plainSrc.map((s, d) => s * (c.srcStep?.[d] ?? 1));
  const dstStrides = plainDst.map((s, d) => s * (c.dstStep?.[d] ?? 1));
  return { srcBase, srcStrides, dstBase, dstStrides };
}

export function copyRegion(c: RegionCopy): void {
  const { srcBase, srcStrides, dstBase, dstStrides } = regionLayout(c);
  copyStrided(c.src, srcBase, srcStrides, c.dst, dstBase, dstStrides, c.region, c.accumulate);
}
