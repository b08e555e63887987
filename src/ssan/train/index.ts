/** ssan.train: the paper's training recipe, the training loop with checkpoints and metrics, evaluation. */
export { paperRecipe, scaledLr, buildOptimizer, isAttentionParam } from './recipe';
export type { TrainRecipe } from './recipe';
export { ClassificationMeter } from './meter';
export type { ClassificationMetrics } from './meter';
export { evaluate, predict, scorePredictions, EvaluationStoppedError } from './evaluate';
export type { EvaluateOptions, EvaluationResult, Predictions } from './evaluate';
export { fit, StopRequest, TrainingDivergedError } from './fit';
export type { FitOptions, FitResult, EpochMetrics } from './fit';
export { ProgressBar, formatDuration, formatPercent } from './progress';
export type { ProgressStream, ProgressFields } from './progress';
export { runFiles, readJsonLines } from './run-files';
export type { RunFiles } from './run-files';
export type { BatchSource, ClipBatchLike } from './batch-source';
export { buildModel, clipTransform, trainLoader, evalLoader, readRunSettings, PAPER_CONFIG } from './experiment';
export type { ExperimentConfig, LoaderSettings, RunSettings } from './experiment';
export { openTrainVal, SYNTHETIC_ROOT, SYNTHETIC_SET } from './datasets';
export type { DataChoice, TrainValSplits } from './datasets';
