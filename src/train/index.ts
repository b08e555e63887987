/**
 * train: what any training loop uses, whatever the model: the epoch's progress bar, the classification
 * meter (loss, top-1, top-5, per class) and the files of a run (checkpoints and metrics.jsonl).
 */
export { ProgressBar, formatDuration } from './progress';
export type { ProgressStream, ProgressFields } from './progress';
export { ClassificationMeter } from './meter';
export type { ClassificationMetrics } from './meter';
export { runFiles, existingRunFiles, readJsonLines } from './run-files';
export { writeFileAtomic } from '../nn/atomic-files';
export type { RunFiles } from './run-files';
