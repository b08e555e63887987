/** relu(a + b) as one op: how a ResNet block joins its residual branch and its shortcut. */
import { Tensor } from '../../tensor/tensor';
import { formatShape, shapesEqual } from '../../tensor/shape';
import { kernel } from '../../tensor/registry';
import { Function, applyFunction } from '../../autograd/function';
import { assertFloat, assertTensor, empty } from '../../autograd/ops/util';

/**
 * One pass forward instead of an add writing a tensor that a ReLU reads back; the backward is ReLU's
 * with the output as the mask (a + b > 0 exactly where the output is), the same gradient for both.
 */
class AddRelu extends Function<[Tensor]> {
  forward(a: Tensor, b: Tensor): Tensor {
    const out = empty(a.shape, a.dtype);
    kernel('addRelu', a.dtype)({ a: a.storage, b: b.storage, out: out.storage });
    this.saveForBackward(out);
    return out;
  }

  backward(g: Tensor): (Tensor | null)[] {
    const [out] = this.saved;
    const [needA, needB] = this.needsInputGrad;
    const dx = empty(out.shape, g.dtype);
    kernel('reluBackward', g.dtype)({ x: out.storage, g: g.storage, dx: dx.storage });
    return [needA ? dx : null, needB ? dx : null];
  }
}

/**
 * relu(a + b) for two float tensors of the same shape and dtype (no broadcasting: this is the
 * residual join, where both are the block's output). Gradients are those of the two ops composed.
 */
export function addRelu(a: Tensor, b: Tensor): Tensor {
  assertTensor(a, 'addRelu', 'a');
  assertTensor(b, 'addRelu', 'b');
  assertFloat(a, 'addRelu', 'a');
  assertFloat(b, 'addRelu', 'b');
  if (!shapesEqual(a.shape, b.shape) || a.dtype !== b.dtype) {
    throw new Error(
      `addRelu: a (${formatShape(a.shape)}, ${a.dtype}) and b (${formatShape(b.shape)}, ${b.dtype}) ` +
        'must have the same shape and dtype; use relu(a.add(b)) to broadcast or mix dtypes',
    );
  }
  return applyFunction(new AddRelu(), [a, b]);
}
