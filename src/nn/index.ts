/** nn: Module and Parameter, the layers, initialisers (nn.init) and the functional ops (nn.functional). */
export { Module } from './module';
export type { LoadStateDictOptions, LoadStateDictResult, RegisterBufferOptions } from './module';
export { Parameter } from './parameter';
export type { StateDict } from './state-dict';
export * from './layers';
export * as init from './init';
export * as functional from './functional';
export { save, load } from './serialization';
export * as safetensors from './safetensors';
