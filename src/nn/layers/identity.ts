/** Identity: returns its input, as torch.nn.Identity; a placeholder where a model has an optional layer. */
import { Tensor } from '../../tensor/tensor';
import { Module } from '../module';

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
