/**
 * A state dict: tensors by dotted name (`layer3.5.bn2.running_var`), in registration order, as
 * PyTorch's OrderedDict. Dotted names never look like array indices, so a plain object keeps the order.
 */
import type { Tensor } from '../tensor';

export type StateDict = Record<string, Tensor>;
