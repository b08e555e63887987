/** The models of the paper: the ResNet backbones, SSA, the non-local and TSM baselines, the TSN wrapper. */
export { ATTN_SCALES, EMBEDDING_INIT_STD, OUT_INIT } from './attention-common';
export type { AttnScale, AttentionMaps } from './attention-common';
export { SSA, ssaConfig } from './ssa';
export type { SSAOptions } from './ssa';
export type { TemporalValue, CamStyle, SeparableConfig } from './separable';
export { NonLocal } from './non-local';
export type { NonLocalKind, NonLocalOptions } from './non-local';
export { TemporalShift } from './tsm';
export type { TemporalShiftOptions } from './tsm';
export { TSN } from './tsn';
export type { TSNOptions, BackboneLoadResult } from './tsn';
export { PLACEMENTS, placedBlocks, defaultPlacement } from './placement';
export type { Placement, PlacementName, BlockIndices, PlacedBlock, StageName } from './placement';
export { ARCHS, createModel } from './create-model';
export type { Arch, CreateModelOptions } from './create-model';
