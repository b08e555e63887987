/** Dropout: F.dropout in train mode, the identity in eval mode, as torch.nn.Dropout. */
import { Tensor } from '../../tensor/tensor';
import { dropout } from '../functional/activation';
import { Module } from '../module';
import { formatFloat } from '../repr';

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`Dropout: p must be in [0, 1]; got ${p}`);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }

  extraRepr(): string {
    return `p=${formatFloat(this.p)}, inplace=False`;
  }
}
