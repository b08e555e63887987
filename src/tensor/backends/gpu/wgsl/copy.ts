/**
 * Strided copies in WGSL: stridedCopy (permute, expand) and copyRegion (slice, cat, pad and their
 * gradients). One thread per copied element: its index is split into coordinates by the (coalesced)
 * shape and recombined with the source's and destination's strides. Copies are exact; accumulate adds
 * in float32, as the reference does into a Float32Array.
 */
import type { TypedArray } from '../../../dtype';
import type { StridedCopyArgs } from '../../../kernels/strided';
import { coalesce } from '../../../kernels/strided';
import { RegionCopy, regionLayout } from '../../../kernels/region';
import { stridesOf } from '../../../shape';
import type { Shader } from '../device';
import { DeviceArrays, Params } from '../device-arrays';
import { FLAT_MAIN, flatGrid } from './grid';
import { bindings } from './source';

/** Dims a copy may have after coalescing (the binary kernels' limit too). */
const MAX_RANK = 8;

/**
 * Parameters: n, rank, srcBase, dstBase, shape[rank], srcStrides[rank], dstStrides[rank]; bases and
 * strides as i32 (a step could be negative).
 */
function copyShader(accumulate: boolean): Shader {
  const key = accumulate ? 'strided-copy-accumulate' : 'strided-copy';
  const code = `${bindings(['src'], ['dst'])}
${FLAT_MAIN}
  if (i >= p[0]) { return; }
  let rank = p[1];
  var rest = i;
  var si = bitcast<i32>(p[2]);
  var di = bitcast<i32>(p[3]);
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let size = p[4u + u32(d)];
    let c = i32(rest % size);
    rest = rest / size;
    si += c * bitcast<i32>(p[4u + rank + u32(d)]);
    di += c * bitcast<i32>(p[4u + 2u * rank + u32(d)]);
  }
  dst[di] = ${accumulate ? 'dst[di] + ' : ''}src[si];
}`;
  return { key, code };
}

const COPY = copyShader(false);
const COPY_ACCUMULATE = copyShader(true);

/**
 * Copies (or adds) `shape` elements of `src` (from srcBase through srcStrides) into `dst` (from dstBase
 * through dstStrides). `dstWhole`: every element of dst is written, so its old values need not be uploaded.
 */
function launchCopy(
  arrays: DeviceArrays, src: TypedArray, srcBase: number, srcStrides: readonly number[],
  dst: TypedArray, dstBase: number, dstStrides: readonly number[], shape: readonly number[],
  accumulate: boolean, dstWhole: boolean,
): void {
  const merged = coalesce(shape, [srcStrides, dstStrides]);
  const n = merged.shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const rank = merged.shape.length;
  if (rank > MAX_RANK) throw new Error(`gpu backend: strided copies support up to ${MAX_RANK} dims after merging; got ${rank}`);
  const params = new Params().u32(n, rank, srcBase, dstBase, ...merged.shape, ...merged.strides[0], ...merged.strides[1]).build();
  const srcId = arrays.input(src);
  const dstId = !accumulate && dstWhole ? arrays.output(dst) : arrays.inout(dst);
  arrays.launch(accumulate ? COPY_ACCUMULATE : COPY, [srcId], [dstId], params, flatGrid(n));
}

export function stridedCopy(arrays: DeviceArrays, { src, srcStrides, shape, out }: StridedCopyArgs): void {
  launchCopy(arrays, src as TypedArray, 0, srcStrides, out as TypedArray, 0, stridesOf(shape), shape, false, true);
}

/**
 * dst is written only in the region (or added into), so its other values are kept: inout, unless the
 * region covers all of dst (distinct positive steps inside dst: as many elements as dst holds).
 */
export function copyRegion(arrays: DeviceArrays, c: RegionCopy): void {
  const { srcBase, srcStrides, dstBase, dstStrides } = regionLayout(c);
  const dst = c.dst as TypedArray;
  launchCopy(arrays, c.src as TypedArray, srcBase, srcStrides, dst, dstBase, dstStrides, c.region, c.accumulate === true,
    c.region.reduce((a, b) => a * b, 1) === dst.length);
}
