/** The layers, one family per file. */
export { Conv2d, Conv3d } from './conv';
export type { ConvLayerOptions } from './conv';
export { BatchNorm1d, BatchNorm2d, BatchNorm3d } from './batchnorm';
export type { BatchNormLayerOptions } from './batchnorm';
export { Linear } from './linear';
export type { LinearOptions } from './linear';
export { ReLU } from './activation';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './pooling';
export { Dropout } from './dropout';
export { Identity } from './identity';
export { Flatten } from './flatten';
export { Embedding } from './embedding';
export type { EmbeddingLayerOptions } from './embedding';
export { GRU } from './gru';
export type { GRUOptions } from './gru';
export { Sequential, ModuleList } from './container';
