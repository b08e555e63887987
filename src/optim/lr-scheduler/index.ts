/** Learning-rate schedulers, as torch.optim.lr_scheduler. */
export { LRScheduler } from './lr-scheduler';
export type { SchedulerOptions, SchedulerStateDict } from './lr-scheduler';
export { LinearLR } from './linear-lr';
export type { LinearLROptions } from './linear-lr';
export { StepLR } from './step-lr';
export type { StepLROptions } from './step-lr';
export { MultiStepLR } from './multi-step-lr';
export type { MultiStepLROptions } from './multi-step-lr';
export { CosineAnnealingLR } from './cosine-annealing-lr';
export type { CosineAnnealingLROptions } from './cosine-annealing-lr';
export { ReduceLROnPlateau } from './reduce-lr-on-plateau';
export type { ReduceLROnPlateauOptions, PlateauOptions, PlateauMode, ThresholdMode } from './reduce-lr-on-plateau';
export { WarmupThenPlateau } from './warmup-then-plateau';
