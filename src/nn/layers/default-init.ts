/**
 * The initialization Linear and ConvNd run on construction and resetParameters(): internal to the
 * layers (it was nn.init.defaultWeightAndBias), built from the public nn.init functions.
 */
import { Tensor } from '../../tensor/tensor';
import { Generator, defaultGenerator } from '../../tensor/random';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init';

/**
 * PyTorch's default for Linear and ConvNd: the weight from kaimingUniform_ with a = sqrt(5), which is
 * U(±1/sqrt(fanIn)), and the bias from U(±1/sqrt(fanIn)) too, so outputs start at a scale that does not
 * depend on fanIn.
 */
export function defaultWeightAndBias(weight: Tensor, bias: Tensor | null, generator: Generator = defaultGenerator): void {
  kaimingUniform_(weight, { a: Math.sqrt(5), generator });
  if (bias) {
    const [fanIn] = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound, generator);
  }
}
