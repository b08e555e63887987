/**
 * The reference kernel of a residual block's last step, out = max(a + b, 0): the branch added to the
 * shortcut and the ReLU in one pass (its backward is ReLU's, ./elementwise's reluBackward, applied
 * with the output as the mask: a + b > 0 exactly where out > 0).
 */
import type { TypedArray } from '../dtype';

export interface AddReluArgs {
  a: TypedArray;
  b: TypedArray;
  out: TypedArray;
}

export function addRelu({ a, b, out }: AddReluArgs): void {
  // The sum of two float32 values is rounded once when stored, so this is add then relu bit for bit.
  for (let i = 0; i < out.length; i++) {
    const v = a[i] + b[i];
    out[i] = v > 0 || v !== v ? v : 0; // NaN stays NaN, as torch.relu
  }
}
