/**
 * Text-to-video retrieval metrics from a similarity matrix, as HowTo100M's compute_metrics
 * (metrics.py): rows are texts, columns videos, text i's match is video i.
 *
 * compute_metrics sorts each row of −S ascending and takes, as the rank of text i, every position of
 * the sorted row that holds exactly S_ii (it finds them with `sorted − diagonal == 0`). Its rules,
 * which this file reproduces:
 *
 * - ties: a row whose S_ii is shared by t entries (itself included) behind p strictly larger ones
 *   contributes t ranks, p, p + 1, ..., p + t − 1, and every statistic is taken over all ranks of all
 *   rows together. An all-equal n × n matrix thus gives n² ranks, R@1 = 1/n and MR = (n + 1) / 2;
 * - a row whose S_ii is NaN or ±∞ contributes no rank (NaN never equals; ∞ − ∞ is NaN), and NaN
 *   elsewhere in a row sorts last, never ahead of S_ii;
 * - values are compared in the precision given (a float32 matrix in float32).
 *
 * R@K is the fraction of ranks below K, in [0, 1] (papers print percentages); MR is the median rank
 * + 1 (1-based; the mean of the two middle ranks for an even count). meanRank, which compute_metrics
 * lacks, is the mean rank + 1 over the same ranks.
 */
import { Tensor } from '../../tensor/tensor';
import { formatShape } from '../../tensor/shape';

export interface RetrievalMetrics {
  r1: number;
  r5: number;
  r10: number;
  /** Median rank, 1-based (HowTo100M's MR). */
  medianRank: number;
  /** Mean rank, 1-based. */
  meanRank: number;
}

/** A similarity as a Tensor [n, n], nested arrays, or flat row-major values with their shape. */
export function retrievalMetrics(similarity: Tensor | readonly (readonly number[])[]): RetrievalMetrics;
export function retrievalMetrics(values: ArrayLike<number>, shape: readonly number[]): RetrievalMetrics;
export function retrievalMetrics(
  similarity: Tensor | readonly (readonly number[])[] | ArrayLike<number>,
  shape?: readonly number[],
): RetrievalMetrics {
  const { values, n } = squareValues(similarity, shape);
  // rankCounts[r]: how many ranks equal r, over all rows.
  const rankCounts = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    const own = values[row + i];
    if (!Number.isFinite(own)) continue;
    let above = 0;
    let tied = 0;
    for (let j = 0; j < n; j++) {
      const v = values[row + j];
      if (v > own) above++;
      else if (v === own) tied++;
    }
    // The ranks above, above + 1, ..., above + tied − 1, recorded as a difference array.
    rankCounts[above] += 1;
    rankCounts[above + tied] -= 1;
  }
  for (let r = 1; r <= n; r++) rankCounts[r] += rankCounts[r - 1];
  return summarize(rankCounts.subarray(0, n));
}

function squareValues(
  similarity: Tensor | readonly (readonly number[])[] | ArrayLike<number>,
  shape: readonly number[] | undefined,
): { values: ArrayLike<number>; n: number } {
  let values: ArrayLike<number>;
  let dims: readonly number[];
  if (similarity instanceof Tensor) {
    values = similarity.data;
    dims = similarity.shape;
  } else if (shape !== undefined) {
    values = similarity as ArrayLike<number>;
    dims = shape;
  } else if (Array.isArray(similarity)) {
    const rows = similarity as readonly (readonly number[])[];
    dims = [rows.length, rows.length === 0 ? 0 : rows[0].length];
    rows.forEach((r, i) => {
      if (!Array.isArray(r) || r.length !== dims[1]) {
        throw new Error(`retrievalMetrics: row ${i} is not an array of ${dims[1]} numbers (the rows must be equally long)`);
      }
    });
    values = rows.flat();
  } else {
    throw new Error('retrievalMetrics: give a Tensor, an array of rows, or flat values with their shape');
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) {
    throw new Error(`retrievalMetrics: shape ${formatShape(dims)} needs ${count} values; got ${values.length}`);
  }
  if (dims.length !== 2 || dims[0] !== dims[1] || dims[0] === 0) {
    throw new Error(
      `retrievalMetrics: expected a non-empty square similarity [n, n] (texts × videos, text i matching video i); got shape ${formatShape(dims)}`,
    );
  }
  return { values, n: dims[0] };
}

/** The statistics of ranks given as counts per rank. */
function summarize(rankCounts: Float64Array): RetrievalMetrics {
  let total = 0;
  let rankSum = 0;
  rankCounts.forEach((c, r) => {
    total += c;
    rankSum += c * r;
  });
  if (total === 0) {
    throw new Error('retrievalMetrics: no row has a finite diagonal value, so there is no rank to measure');
  }
  const below = (k: number) => rankCounts.subarray(0, k).reduce((a, c) => a + c, 0);
  // The k-th smallest rank (0-based k), walking the counts.
  const nth = (k: number) => {
    let seen = 0;
    for (let r = 0; r < rankCounts.length; r++) {
      seen += rankCounts[r];
      if (seen > k) return r;
    }
    throw new Error('retrievalMetrics: internal error: rank index out of range');
  };
  const median = total % 2 === 1 ? nth((total - 1) / 2) : (nth(total / 2 - 1) + nth(total / 2)) / 2;
  return {
    r1: below(1) / total,
    r5: below(5) / total,
    r10: below(10) / total,
    medianRank: median + 1,
    meanRank: rankSum / total + 1,
  };
}
