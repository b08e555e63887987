/** optim: optimizers, gradient clipping, parameter groups and learning-rate schedulers, as torch.optim. */
export { Optimizer } from './optimizer';
export type {
  OptimizerHyperparameters, HyperparameterValue, ParamGroup, ParamGroupOptions, ParamsArgument, ParamState,
  OptimizerStateDict, ParamStateDict, ParamGroupStateDict,
} from './optimizer';
export { SGD } from './sgd';
export type { SGDHyperparameters, SGDOptions, SGDState } from './sgd';
export { Adam, AdamW } from './adam';
export type { AdamHyperparameters, AdamOptions, AdamState } from './adam';
export { clipGradNorm } from './clip-grad';
export type { ClipGradNormOptions } from './clip-grad';
export { paramGroupsNoDecay, isNoDecayParam } from './param-groups';
export type { NamedParameter, ParamGroupsNoDecayOptions, DecayParamGroup } from './param-groups';
export type { JsonValue } from './state-checks';
export * from './lr-scheduler';
export { saveCheckpoint, loadCheckpoint, readCheckpointInfo } from './checkpoint';
export type {
  SaveCheckpointOptions, LoadCheckpointOptions, CheckpointModel, CheckpointStateful, CheckpointProgress, CheckpointInfo,
  StateValue,
} from './checkpoint';
