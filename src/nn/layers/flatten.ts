/** Flatten: merges dims startDim..endDim into one, as torch.nn.Flatten (by default all but the batch dim). */
import { Tensor } from '../../tensor/tensor';
import { flatten } from '../../autograd/ops/shape';
import { Module } from '../module';

export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }

  extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}
