/**
 * Copying a rectangular, optionally strided, region between two contiguous tensors. Slice, cat and
 * pad (and their backwards) are all this one copy with different corners.
 */
import { stridesOf } from '../shape';
import { forEachRow } from './strided';

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

export function copyRegion(c: RegionCopy): void {
  const rank = c.region.length;
  const plainSrc = stridesOf(c.srcShape);
  const plainDst = stridesOf(c.dstShape);
  let srcBase = 0;
  let dstBase = 0;
  for (let d = 0; d < rank; d++) {
    srcBase += c.srcStart[d] * plainSrc[d];
    dstBase += c.dstStart[d] * plainDst[d];
  }
  const srcStrides = plainSrc.map((s, d) => s * (c.srcStep?.[d] ?? 1));
  const dstStrides = plainDst.map((s, d) => s * (c.dstStep?.[d] ?? 1));
  const n = rank === 0 ? 1 : c.region[rank - 1];
  const ss = rank === 0 ? 0 : srcStrides[rank - 1];
  const ds = rank === 0 ? 0 : dstStrides[rank - 1];
  const { src, dst } = c;
  forEachRow(c.region, [srcStrides, dstStrides], (_, [so, doff]) => {
    const s0 = srcBase + so;
    const d0 = dstBase + doff;
    if (c.accumulate) for (let j = 0; j < n; j++) dst[d0 + j * ds] += src[s0 + j * ss];
    else for (let j = 0; j < n; j++) dst[d0 + j * ds] = src[s0 + j * ss];
  });
}
