/**
 * nn: Module and Parameter, the layers, initialisers (nn.init), the functional ops (nn.functional),
 * ready-made networks (nn.models) and summary.
 */
export { Module } from './module';
export type { LoadStateDictOptions, LoadStateDictResult, RegisterBufferOptions } from './module';
export { Parameter } from './parameter';
export type { StateDict } from './state-dict';
export * from './layers';
export * as init from './init';
export * as functional from './functional';
export * as models from './models';
export { summary, ModelSummary } from './summary';
export type { CountsOwnMacs, SummaryOptions, SummaryRow } from './summary';
export { save, load } from './serialization';
export * as safetensors from './safetensors';
