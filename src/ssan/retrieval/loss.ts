/** HowTo100M's bidirectional max-margin ranking loss (loss.py MaxMarginRankingLoss, n_pair = 1). */
import { Tensor } from '../../tensor/tensor';
import { formatShape } from '../../tensor/shape';
import { embedding } from '../../nn/functional/embedding';

/**
 * The margin HowTo100M trains with: train.py always passes args.margin, whose default is 0.1. The
 * MaxMarginRankingLoss class's own default, 1.0, is never used by its scripts (and with cosine
 * similarities in [-1, 1] it would keep almost every pair active).
 */
export const HOWTO100M_MARGIN = 0.1;

/**
 * For a square similarity S [n, n] (texts as rows, row i matching column i):
 *
 *   mean over i, j of  relu(m + S_ij − S_ii) + relu(m + S_ij − S_jj)
 *
 * the first term ranks the videos for text i, the second the texts for video j. The mean is over the
 * n² pairs (not the 2n² terms), and the diagonal pairs are included, each adding the constant 2m with
 * no gradient, exactly as HowTo100M computes it. Its negative weighting (n_pair > 1, pretraining on
 * HowTo100M clips) is not implemented.
 */
export function maxMarginRankingLoss(similarity: Tensor, margin = HOWTO100M_MARGIN): Tensor {
  if (!(similarity instanceof Tensor)) throw new Error('maxMarginRankingLoss: similarity must be a Tensor');
  const [n, m] = similarity.shape;
  if (similarity.ndim !== 2 || n !== m || n === 0) {
    throw new Error(
      `maxMarginRankingLoss: expected a non-empty square similarity [n, n] (texts × videos); got shape ${formatShape(similarity.shape)}`,
    );
  }
  if (similarity.dtype === 'int32') throw new Error('maxMarginRankingLoss: similarity must be a floating-point tensor; got int32');
  if (!Number.isFinite(margin)) throw new Error(`maxMarginRankingLoss: margin must be a finite number; got ${margin}`);
  const diagonal = diagonalOf(similarity);
  const shifted = similarity.add(margin);
  const rankVideos = shifted.sub(diagonal.reshape([n, 1])).relu();
  const rankTexts = shifted.sub(diagonal.reshape([1, n])).relu();
  return rankVideos.add(rankTexts).mean();
}

/** S_ii as an [n] tensor, differentiable: a gather of the elements i·(n + 1) of S seen as a column. */
function diagonalOf(s: Tensor): Tensor {
  const n = s.shape[0];
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = i * (n + 1);
  return embedding(new Tensor(index, [n]), s.reshape([n * n, 1])).reshape([n]);
}
