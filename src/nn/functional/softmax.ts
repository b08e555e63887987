/**
 * softmax and logSoftmax along one dim, as torch.nn.functional.softmax / log_softmax. The loops are the
 * registry's `softmax` and `softmaxBackward` kernels (src/tensor/kernels/softmax.ts).
 */
import { Tensor } from '../../tensor/tensor';
import { DimSplit, normalizeDim, splitAtDim } from '../../tensor/shape';
import { kernel } from '../../tensor/registry';
import { Function, applyFunction } from '../../autograd/function';
import { assertFloat, assertTensor, empty } from '../../autograd/ops/util';

/** softmax, or its log when `log` is set; both backwards need only the saved output. */
class Softmax extends Function<[Tensor]> {
  constructor(private readonly split: DimSplit, private readonly log: boolean) {
    super();
  }

  get name(): string {
    return this.log ? 'LogSoftmax' : 'Softmax';
  }

  forward(x: Tensor): Tensor {
    const y = empty(x.shape, x.dtype);
    kernel('softmax', x.dtype)({ x: x.storage, y: y.storage, ...this.split, log: this.log });
    this.saveForBackward(y);
    return y;
  }

  backward(g: Tensor): Tensor[] {
    const [y] = this.saved;
    const gx = empty(y.shape, y.dtype);
    kernel('softmaxBackward', y.dtype)({ g: g.storage, y: y.storage, gx: gx.storage, ...this.split, log: this.log });
    return [gx];
  }
}

function prepare(x: Tensor, dim: number, op: string): DimSplit {
  assertTensor(x, op, 'input');
  assertFloat(x, op, 'input');
  return splitAtDim(x.shape, normalizeDim(dim, x.ndim, op));
}

/** exp(x) / sum(exp(x)) along `dim` (negative counts from the end). */
export function softmax(x: Tensor, dim: number): Tensor {
  return applyFunction(new Softmax(prepare(x, dim, 'softmax'), false), [x]);
}

/** x - log(sum(exp(x))) along `dim`; more accurate than log(softmax(x)) for very negative values. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return applyFunction(new Softmax(prepare(x, dim, 'logSoftmax'), true), [x]);
}
