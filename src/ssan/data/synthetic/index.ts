/** The synthetic Something-Something dataset: classes, the renderer, and the on-disk generator. */
export { SYNTHETIC_ACTIONS, SYNTHETIC_CLASSES, syntheticClassAction } from './classes';
export type { SyntheticAction } from './classes';
export { renderSyntheticVideo } from './render';
export type { SyntheticVideoSize } from './render';
export {
  DEFAULT_SYNTHETIC_SETTINGS, describeSyntheticSth, ensureSyntheticSth, generateSyntheticSth, readSyntheticSummary,
} from './generate';
export type {
  SyntheticSplit, SyntheticSthOptions, SyntheticSthSettings, SyntheticSthSummary, SyntheticVideoDescription,
} from './generate';
