/** The maximum over dim 1 of [B, N, D], with PyTorch's th.max(x, dim)[0] gradient. */
import { Tensor } from '../../tensor/tensor';
import { embedding } from '../../nn/functional/embedding';

/**
 * max over dim 1 of x [B, N, D] -> [B, D], whose gradient reaches only the first maximal element of
 * each column, as th.max(x, dim=1)[0] does (its backward scatters to the returned index).
 *
 * Tensor.max would share the gradient among tied elements (torch.amax's rule), and ties are common
 * here: the zero rows padding a caption all map to the same ReLU(bias) in Sentence_Maxpool. The
 * parameters' gradients agree either way, the gradient of the word inputs does not.
 *
 * The chosen elements are picked with a gather: embedding() looks up rows of x seen as a column
 * [B·N·D, 1], and its backward adds each gradient to the row it read.
 */
export function maxOverDim1(x: Tensor): Tensor {
  if (x.ndim !== 3) throw new Error(`maxOverDim1: expected a [B, N, D] tensor; got shape [${x.shape.join(', ')}]`);
  const [b, n, d] = x.shape;
  if (n === 0) throw new Error(`maxOverDim1: cannot take the maximum over an empty dim (shape [${x.shape.join(', ')}])`);
  // argmax picks the first maximum, as PyTorch's max(dim) reports it; it records no graph.
  const best = x.argmax(1).data;
  const flat = new Int32Array(b * d);
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < d; j++) flat[i * d + j] = (i * n + best[i * d + j]) * d + j;
  }
  const picked = embedding(new Tensor(flat, [b, d]), x.reshape([b * n * d, 1]));
  return picked.reshape([b, d]);
}
