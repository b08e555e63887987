/**
 * Embedding lookup: rows of a [rows, dim] table gathered by index, and the gradient, which scatters
 * each looked-up row's gradient back into the table's (adding where an index repeats).
 */
import type { TypedArray } from '../dtype';

/** out[i, :] = weight[indices[i], :]. */
export interface EmbeddingArgs {
  /** The table, [rows, dim]. */
  weight: TypedArray;
  /** Row indices, each checked by the caller to lie in [0, rows). */
  indices: ArrayLike<number>;
  dim: number;
  /** Written: [indices.length, dim]. */
  out: TypedArray;
}

/** gw[indices[i], :] += g[i, :], for every i whose index is not `paddingIdx`. */
export interface EmbeddingBackwardArgs {
  /** The output's gradient, [indices.length, dim]. */
  g: ArrayLike<number>;
  indices: ArrayLike<number>;
  dim: number;
  /** A row whose gradient stays zero (a padding token's vector is not learned), or null. */
  paddingIdx: number | null;
  /** Added into: the table's gradient, [rows, dim], zeros from the caller. */
  gw: TypedArray;
}

export function embedding({ weight, indices, dim, out }: EmbeddingArgs): void {
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i];
    out.set(weight.subarray(row * dim, (row + 1) * dim), i * dim);
  }
}

/** Lookups are visited in order, so a repeated row's gradient is summed in index order. */
export function embeddingBackward({ g, indices, dim, paddingIdx, gw }: EmbeddingBackwardArgs): void {
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i];
    if (row === paddingIdx) continue;
    for (let j = 0; j < dim; j++) gw[row * dim + j] += g[i * dim + j];
  }
}
