/** Activation layers: the functional ops as modules, so they can sit in a Sequential or a model's tree. */
import { Tensor } from '../../tensor/tensor';
import { relu } from '../functional/activation';
import { Module } from '../module';

/** max(0, x). (PyTorch's inplace flag has no meaning here: every op returns a new tensor.) */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}
