/** ssan.train: the paper's training recipe, the training loop with checkpoints and metrics, evaluation. */
export { paperRecipe, scaledLr, buildOptimizer, isAttentionParam } from './recipe';
export type { TrainRecipe } from './recipe';
export { evaluate, predict, scorePredictions, EvaluationStoppedError } from './evaluate';
export type { EvaluateOptions, EvaluationResult, Predictions } from './evaluate';
export { fit, StopRequest, TrainingDivergedError } from './fit';
export type { FitOptions, FitResult, EpochMetrics } from './fit';
export type { BatchSource, ClipBatchLike } from './batch-source';
export {
  buildModel, clipTransform, trainLoader, evalLoader, readRunSettings, describeData, openRunData, dataChanges, PAPER_CONFIG,
} from './experiment';
export type { ExperimentConfig, LoaderSettings, RunData, RunSettings } from './experiment';
export { openTrainVal, SYNTHETIC_ROOT, SYNTHETIC_SET } from './datasets';
export type { DataChoice, TrainValSplits } from './datasets';
