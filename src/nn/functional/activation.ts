/** Activations and dropout. */
import { Tensor } from '../../tensor/tensor';
import { defaultGenerator } from '../../tensor/random';
import { kernel } from '../../tensor/registry';
import { Function, applyFunction } from '../../autograd/function';
import { empty } from '../../autograd/ops/util';
export { relu, sigmoid, tanh } from '../../autograd/ops/unary';

/** Multiplies by a saved mask of 0 and 1/(1-p). */
class Dropout extends Function<[Tensor]> {
  constructor(private readonly p: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    const mask = empty(x.shape, x.dtype);
    const keep = 1 - this.p;
    const scale = keep > 0 ? 1 / keep : 0;
    // One read of `data` (it brings values back from a device when a backend keeps them there), not one per element.
    const m = mask.data;
    for (let i = 0; i < m.length; i++) m[i] = defaultGenerator.random() < keep ? scale : 0;
    this.saveForBackward(mask);
    const out = empty(x.shape, x.dtype);
    kernel('binary', x.dtype)({ op: 'mul', a: x.storage, aShape: x.shape, b: mask.storage, bShape: mask.shape, outShape: x.shape, out: out.storage });
    return out;
  }

  backward(g: Tensor): Tensor[] {
    return [g.mul(this.saved[0])];
  }
}

/**
 * Zeroes each element with probability p and scales the rest by 1/(1-p) in training; the identity
 * otherwise. Draws from the default generator, so manualSeed makes it repeatable.
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`dropout: p must be in [0, 1]; got ${p}`);
  if (!training || p === 0) return x;
  return applyFunction(new Dropout(p), [x]);
}
