/** The synthetic Something-Something dataset: classes, the renderer, and the on-disk generator. */
export { SYNTHETIC_ACTIONS, SYNTHETIC_CLASSES, syntheticClassAction } from './classes';
export type { SyntheticAction } from './classes';
export { describeSyntheticVideo, renderSyntheticVideo } from './render';
export type { SyntheticSceneDescription, SyntheticVideoSize } from './render';
export { COLOUR_NAMES, hueName } from './colours';
export type { ColourName } from './colours';
export {
  DEFAULT_SYNTHETIC_SETTINGS, STH_V1_FILES, SYNTHETIC_FORMAT_VERSION, SYNTHETIC_MARKER,
  describeSyntheticSth, ensureSyntheticSth, generateSyntheticSth, readSyntheticSummary, resolveSyntheticSettings,
} from './generate';
export type {
  SyntheticSplit, SyntheticSthOptions, SyntheticSthSettings, SyntheticSthSummary, SyntheticVideoDescription,
} from './generate';
export { SHAPES, PLAIN_SHAPES, ASYMMETRIC_SHAPES } from './shapes';
export type { ShapeKind } from './shapes';
export { planScene } from './scenes';
export type { ScenePlan } from './scenes';
export type { Sprite } from './canvas';
