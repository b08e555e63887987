/**
 * ssan-ts: a readable deep-learning framework in TypeScript, and the SSAN video model built on it.
 */
export * from './tensor';
export { noGrad, enableGrad, isGradEnabled, cat, stack, matmul, bmm } from './autograd';
export * as autograd from './autograd/api';
export * as F from './nn/functional';
export * as nn from './nn';
export * as optim from './optim';
export * as train from './train';
export * as ssan from './ssan';
export { setNumThreads, getNumThreads } from './tensor/backends/cpu';
