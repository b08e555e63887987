/** Broadcasting arithmetic: add, sub, mul, div, pow. */
import { Tensor } from '../../tensor/tensor';
import { promoteTypes } from '../../tensor/dtype';
import { broadcastShapes } from '../../tensor/shape';
import type { BinaryOp } from '../../tensor/kernels/binary';
import { kernel } from '../../tensor/registry';
import { Function, applyFunction } from '../function';
import { TensorLike, asTensor, empty, sumToShape } from './util';

class Binary extends Function<[Tensor, Tensor, Tensor]> {
  constructor(
    private readonly op: BinaryOp,
    // Kept for undoing broadcasting; add and sub save no tensors.
    private readonly shapeA: readonly number[],
    private readonly shapeB: readonly number[],
  ) {
    super();
  }

  get name(): string {
    return this.op[0].toUpperCase() + this.op.slice(1);
  }

  forward(a: Tensor, b: Tensor): Tensor {
    const shape = broadcastShapes(a.shape, b.shape, this.op);
    let dtype = promoteTypes(a.dtype, b.dtype);
    if (this.op === 'div' && dtype === 'int32') dtype = 'float32'; // true division, as torch.div
    const out = empty(shape, dtype);
    kernel('binary', dtype)({ op: this.op, a: a.storage, aShape: a.shape, b: b.storage, bShape: b.shape, outShape: shape, out: out.storage });
    if (this.op === 'mul' || this.op === 'div' || this.op === 'pow') this.saveForBackward(a, b, out);
    return out;
  }

  backward(g: Tensor): (Tensor | null)[] {
    const [needA, needB] = this.needsInputGrad;
    const { shapeA, shapeB } = this;
    switch (this.op) {
      case 'add':
        return [needA ? sumToShape(g, shapeA) : null, needB ? sumToShape(g, shapeB) : null];
      case 'sub':
        return [needA ? sumToShape(g, shapeA) : null, needB ? sumToShape(g.neg(), shapeB) : null];
      case 'mul': {
        const [a, b] = this.saved;
        return [needA ? sumToShape(g.mul(b), shapeA) : null, needB ? sumToShape(g.mul(a), shapeB) : null];
      }
      case 'div': {
        const [, b, out] = this.saved;
        const ga = g.div(b);
        return [needA ? sumToShape(ga, shapeA) : null, needB ? sumToShape(ga.mul(out).neg(), shapeB) : null];
      }
      case 'pow': {
        const [a, b, out] = this.saved;
        // d(a^b)/da = b a^(b-1); d(a^b)/db = a^b ln a.
        return [
          needA ? sumToShape(g.mul(b).mul(a.pow(b.sub(1))), shapeA) : null,
          needB ? sumToShape(g.mul(out).mul(a.log()), shapeB) : null,
        ];
      }
    }
  }
}

function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) throw new Error(`${op}: at least one operand must be a Tensor`);
  const ta = a instanceof Tensor ? a : asTensor(a, b as Tensor, op);
  const tb = asTensor(b, ta, op);
  return applyFunction(new Binary(op, ta.shape, tb.shape), [ta, tb]);
}

export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', a, b);
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', a, b);
