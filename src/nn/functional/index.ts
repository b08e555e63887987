/** F: the functional ops, as torch.nn.functional. */
export { linear } from './linear';
export { relu, sigmoid, tanh, dropout } from './activation';
export { matmul, bmm } from '../../autograd/ops/matmul';
export { pad } from '../../autograd/ops/shape';
