/** The synthetic Something-Something dataset: classes, the renderer, and the on-disk generator. */
export { SYNTHETIC_ACTIONS, SYNTHETIC_CLASSES, syntheticClassAction } from './classes';
export type { SyntheticAction } from './classes';
export { renderSyntheticVideo } from './render';
export type { SyntheticVideoSize } from './render';
export {
  DEFAULT_SYNTHETIC_SETTINGS, STH_V1_FILES, SYNTHETIC_FORMAT_VERSION, SYNTHETIC_MARKER,
  ensureSyntheticSth, generateSyntheticSth, resolveSyntheticSettings,
} from './generate';
export type { SyntheticSthOptions, SyntheticSthSettings, SyntheticSthSummary } from './generate';
export { SHAPES, PLAIN_SHAPES, ASYMMETRIC_SHAPES } from './shapes';
export type { ShapeKind } from './shapes';
export { planScene } from './scenes';
export type { ScenePlan } from './scenes';
export type { Sprite } from './canvas';
