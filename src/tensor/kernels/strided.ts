/**
 * Walking an output shape row by row while tracking the matching offsets of inputs read through
 * their own strides (0 on broadcast dims). Kernels loop over the last dim themselves, so the per-row
 * callback is the only indirect call.
 */

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

/** Copies `src` read through `srcStrides` into the contiguous `out` of `shape` (expand, permute). */
export function stridedCopy(
  src: ArrayLike<number>,
  srcStrides: readonly number[],
  shape: readonly number[],
  out: { [i: number]: number },
): void {
  const last = shape.length === 0 ? 0 : srcStrides[shape.length - 1];
  const rowLength = shape.length === 0 ? 1 : shape[shape.length - 1];
  forEachRow(shape, [srcStrides], (o, [s]) => {
    for (let j = 0; j < rowLength; j++) out[o + j] = src[s + j * last];
  });
}
