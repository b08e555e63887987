/** ssan.train: the paper's training recipe, the training loop with checkpoints and metrics, evaluation. */
export { paperRecipe, scaledLr, buildOptimizer } from './recipe';
export type { TrainRecipe } from './recipe';
export { ClassificationMeter } from './meter';
export type { ClassificationMetrics } from './meter';
export { evaluate } from './evaluate';
export type { EvaluateOptions, EvaluationResult } from './evaluate';
export { fit, TrainingDivergedError } from './fit';
export type { FitOptions, FitResult, EpochMetrics } from './fit';
export { ProgressBar, formatDuration } from './progress';
export type { ProgressStream, ProgressFields } from './progress';
export { runFiles, readJsonLines } from './run-files';
export type { RunFiles } from './run-files';
export type { BatchSource, ClipBatchLike } from './batch-source';
