export { Tensor } from './tensor';
export type { NestedArray } from './tensor';
export type { DType, TypedArray } from './dtype';
export type { Shape } from './shape';
export { tensor, zeros, ones, full, zerosLike, onesLike, arange, rand, randn } from './creation';
export type { TensorOptions, TensorFromValuesOptions, RandomOptions } from './creation';
export { Generator, defaultGenerator, manualSeed } from './random';
export type { GeneratorState } from './random';
