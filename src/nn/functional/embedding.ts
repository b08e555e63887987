/** Looking up rows of a table by index, as torch.nn.functional.embedding. */
import { Tensor } from '../../tensor/tensor';
import { formatShape } from '../../tensor/shape';
import { kernel } from '../../tensor/registry';
import { Function, applyFunction } from '../../autograd/function';
import { assertFloat, assertTensor, empty } from '../../autograd/ops/util';

export interface EmbeddingOptions {
  /** A row whose gradient stays zero (a padding token's vector is not learned); negative counts from the end. */
  paddingIdx?: number | null;
}

/** out[..., :] = weight[index[...], :]. Only the weight has a gradient: indices are not differentiable. */
class Embedding extends Function<[Int32Array]> {
  constructor(
    private readonly weightRows: number,
    private readonly paddingIdx: number | null,
  ) {
    super();
  }

  forward(index: Tensor, weight: Tensor): Tensor {
    const dim = weight.shape[1];
    const rows = index.data;
    const out = empty([...index.shape, dim], weight.dtype);
    kernel('embedding', weight.dtype)({ weight: weight.storage, indices: rows, dim, out: out.storage });
    // Backward needs only the indices: a copy, so that a later change to the index tensor cannot reach it.
    if (this.needsInputGrad[1]) this.saveForBackward(Int32Array.from(rows));
    return out;
  }

  backward(g: Tensor): (Tensor | null)[] {
    const [indices] = this.saved;
    const dim = g.shape[g.ndim - 1];
    const gw = empty([this.weightRows, dim], g.dtype);
    // A row looked up several times gets the sum of the gradients of all its lookups.
    kernel('embeddingBackward', g.dtype)({ g: g.storage, indices, dim, paddingIdx: this.paddingIdx, gw: gw.storage });
    return [null, gw];
  }
}

/**
 * Rows of `weight` [numEmbeddings, embeddingDim] picked by the int32 `input` of any shape; the output
 * has shape [...input.shape, embeddingDim]. The gradient of a row is the sum over its lookups, except
 * for `paddingIdx`, whose gradient is zero.
 */
export function embedding(input: Tensor, weight: Tensor, opts: EmbeddingOptions = {}): Tensor {
  assertTensor(input, 'embedding', 'input');
  assertTensor(weight, 'embedding', 'weight');
  assertFloat(weight, 'embedding', 'weight');
  if (input.dtype !== 'int32') {
    throw new Error(`embedding: input must be an int32 tensor of indices; got ${input.dtype}`);
  }
  if (weight.ndim !== 2) {
    throw new Error(`embedding: weight must be 2-D [numEmbeddings, embeddingDim]; got shape ${formatShape(weight.shape)}`);
  }
  const rows = weight.shape[0];
  for (const i of input.data) {
    if (i < 0 || i >= rows) {
      throw new Error(`embedding: index ${i} is out of range for a weight of ${rows} rows (expected 0 to ${rows - 1})`);
    }
  }
  let paddingIdx = opts.paddingIdx ?? null;
  if (paddingIdx !== null) {
    if (!Number.isInteger(paddingIdx) || paddingIdx < -rows || paddingIdx >= rows) {
      throw new Error(`embedding: paddingIdx must be an integer in [${-rows}, ${rows - 1}]; got ${paddingIdx}`);
    }
    if (paddingIdx < 0) paddingIdx += rows;
  }
  return applyFunction(new Embedding(rows, paddingIdx), [input, weight]);
}
