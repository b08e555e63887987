/**
 * Walking an output shape row by row while tracking the matching offsets of inputs read through
 * their own strides (0 on broadcast dims). Kernels loop over the last dim themselves, so the per-row
 * callback is the only indirect call.
 */
import { stridesOf } from '../shape';

/**
 * Calls `row(outOffset, offsets)` once per row of `shape` (a row runs along the last dim), with
 * `offsets[k]` the element offset of input k at the row's start under `strides[k]`.
 */
export function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  row: (outOffset: number, offsets: number[]) => void,
): void {
  const rank = shape.length;
  const rowLength = rank === 0 ? 1 : shape[rank - 1];
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= shape[d];
  if (rows === 0 || rowLength === 0) return;
  const index = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  const offsets = strides.map(() => 0);
  for (let r = 0; r < rows; r++) {
    row(r * rowLength, offsets);
    // Odometer over the leading dims, moving each input's offset by its stride.
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      for (let k = 0; k < strides.length; k++) offsets[k] += strides[k][d];
      if (index[d] < shape[d]) break;
      for (let k = 0; k < strides.length; k++) offsets[k] -= strides[k][d] * shape[d];
      index[d] = 0;
    }
  }
}

/**
 * The same walk over fewer, longer rows: size-1 dims dropped, and each dim merged into the next one
 * out wherever every stride set steps over it contiguously (stride[d] = stride[d + 1] * shape[d + 1]).
 * A slice along dim 1 of [N, C, H, W], say, becomes N rows of (C part) x H x W elements.
 */
export function coalesce(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  if (shape.includes(0)) return { shape: [0], strides: strides.map(() => [0]) };
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    const merges = outShape.length > 0 && strides.every((st, k) => st[d] === outStrides[k][0] * outShape[0]);
    if (merges) {
      outShape[0] *= shape[d];
    } else {
      outShape.unshift(shape[d]);
      strides.forEach((st, k) => outStrides[k].unshift(st[d]));
    }
  }
  // A single element (every dim 1, or a scalar): one row of one.
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}

/** Rows at least this long are copied with TypedArray.set (a memcpy); shorter ones by a loop. */
const BLOCK_COPY_MIN = 32;

/** Whether `a` and `b` are typed arrays of one kind, so that `set` copies between them unconverted. */
function sameTypedArrays(a: unknown, b: unknown): boolean {
  return ArrayBuffer.isView(a) && ArrayBuffer.isView(b) && a.constructor === b.constructor;
}

/**
 * Copies (or adds, with `accumulate`) `shape` elements read from `src` through `srcStrides` starting
 * at `srcBase` into `dst` through `dstStrides` starting at `dstBase`. Dims are coalesced first, so
 * contiguous runs become single rows, and long unit-stride rows are block copies.
 */
export function copyStrided(
  src: ArrayLike<number>, srcBase: number, srcStrides: readonly number[],
  dst: { [i: number]: number }, dstBase: number, dstStrides: readonly number[],
  shape: readonly number[], accumulate = false,
): void {
  const merged = coalesce(shape, [srcStrides, dstStrides]);
  const rank = merged.shape.length;
  const n = merged.shape[rank - 1];
  if (n === 0) return;
  const [ss, ds] = [merged.strides[0][rank - 1], merged.strides[1][rank - 1]];
  const block = !accumulate && ss === 1 && ds === 1 && n >= BLOCK_COPY_MIN && sameTypedArrays(src, dst);
  const srcArray = src as Float32Array;
  const dstArray = dst as Float32Array;
  if (rank <= 4 && !block) {
    copyNested(src, srcBase, merged.strides[0], dst, dstBase, merged.strides[1], merged.shape, accumulate);
    return;
  }
  forEachRow(merged.shape, merged.strides, (_, [so, doff]) => {
    const s0 = srcBase + so;
    const d0 = dstBase + doff;
    if (block) dstArray.set(srcArray.subarray(s0, s0 + n), d0);
    else if (accumulate) for (let j = 0; j < n; j++) dst[d0 + j * ds] += src[s0 + j * ss];
    else for (let j = 0; j < n; j++) dst[d0 + j * ds] = src[s0 + j * ss];
  });
}

/** Copies `src` read through `srcStrides` into the contiguous `out` of `shape` (expand, permute). */
export interface StridedCopyArgs {
  src: ArrayLike<number>;
  srcStrides: readonly number[];
  shape: readonly number[];
  out: { [i: number]: number };
}

export function stridedCopy({ src, srcStrides, shape, out }: StridedCopyArgs): void {
  copyStrided(src, 0, srcStrides, out, 0, stridesOf(shape), shape);
}

/**
 * copyStrided's element loops for up to 4 coalesced dims, written out as nested loops: the short rows
 * of permutes (a 5x5 frame, say) made the per-row callback of forEachRow most of their cost.
 */
function copyNested(
  src: ArrayLike<number>, srcBase: number, srcStrides: readonly number[],
  dst: { [i: number]: number }, dstBase: number, dstStrides: readonly number[],
  shape: readonly number[], accumulate: boolean,
): void {
  // Padded to 4 dims at the front with size 1.
  const pad = 4 - shape.length;
  const size = (d: number) => (d < pad ? 1 : shape[d - pad]);
  const sStride = (d: number) => (d < pad ? 0 : srcStrides[d - pad]);
  const dStride = (d: number) => (d < pad ? 0 : dstStrides[d - pad]);
  const [n0, n1, n2, n3] = [size(0), size(1), size(2), size(3)];
  const [s0, s1, s2, s3] = [sStride(0), sStride(1), sStride(2), sStride(3)];
  const [d0, d1, d2, d3] = [dStride(0), dStride(1), dStride(2), dStride(3)];
  for (let a = 0; a < n0; a++) {
    for (let b = 0; b < n1; b++) {
      for (let c = 0; c < n2; c++) {
        let si = srcBase + a * s0 + b * s1 + c * s2;
        let di = dstBase + a * d0 + b * d1 + c * d2;
        if (accumulate) {
          for (let e = 0; e < n3; e++, si += s3, di += d3) dst[di] += src[si];
        } else {
          for (let e = 0; e < n3; e++, si += s3, di += d3) dst[di] = src[si];
        }
      }
    }
  }
}
