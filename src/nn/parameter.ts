/**
 * Parameter: a tensor that a Module learns, as torch.nn.Parameter.
 *
 * A subclass rather than a flag on Tensor, for two reasons. A Module finds its parameters by looking
 * at its own fields (see module.ts), and `value instanceof Parameter` is how it tells a learned weight
 * from any other tensor it holds (a cached mask, a constant). And the type says it too: a field typed
 * `Parameter` cannot be given a plain tensor by mistake. Everything else, the ops included, sees an
 * ordinary Tensor: the ops return plain tensors, so only what a Module registers is a Parameter.
 */
import { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';

export class Parameter extends Tensor {
  /**
   * Wraps `data`'s storage (no copy, as PyTorch). The result is always a leaf of the graph, even when
   * `data` was computed by recorded ops, so gradients stop here.
   */
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) {
      throw new Error(`Parameter: expected a Tensor; got ${data === null ? 'null' : typeof data}`);
    }
    super(data.data, data.shape);
    if (requiresGrad && data.dtype === 'int32') {
      throw new Error(
        `Parameter: an int32 tensor ${formatShape(data.shape)} cannot require gradients; ` +
          'pass requiresGrad = false, or make it float32 / float64',
      );
    }
    this.requiresGrad = requiresGrad;
  }

  toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
