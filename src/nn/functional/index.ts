/** F: the functional ops, as torch.nn.functional. */
export { linear } from './linear';
export { relu, sigmoid, tanh, dropout } from './activation';
export { pad } from '../../autograd/ops/shape';
export { batchNorm } from './batchnorm';
export type { BatchNormOptions } from './batchnorm';
export { addRelu } from './residual';
export { softmax, logSoftmax } from './softmax';
export { crossEntropy } from './loss';
export type { CrossEntropyOptions, Reduction } from './loss';
export { conv2d, conv3d } from './conv';
export type { ConvOptions } from './conv';
export type { IntOrTuple } from '../../tensor/shape';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d } from './pooling';
export type { MaxPool2dOptions, AvgPool2dOptions } from './pooling';
export { embedding } from './embedding';
export type { EmbeddingOptions } from './embedding';
