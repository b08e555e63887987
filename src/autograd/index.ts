import './tensor-methods';

export { Function, applyFunction } from './function';
export { backward, retainGrad } from './engine';
export type { BackwardOptions } from './engine';
export { noGrad, enableGrad, isGradEnabled } from './grad-mode';
export { gradcheck } from './gradcheck';
export type { GradcheckOptions } from './gradcheck';
export * from './ops/binary';
export * from './ops/unary';
export * from './ops/reduce';
export * from './ops/shape';
export * from './ops/matmul';
