/**
 * One SSA block (the paper's separable self-attention, src/ssan/models/ssa.ts), forward and backward in
 * training mode, at the two widths where the paper places it: layer2, C = 128 at 28x28, and layer3,
 * C = 256 at 14x14, each on one clip of 8 frames. Run alone: npx ts-node bench/ssa.ts
 *
 * One clip, not two: the block attends within a frame and within a clip, so more clips add the same
 * work again at the same rate, and two clips at 28x28 already take about a second per call on the cpu
 * backend (the ts and gpu backends take 6 and 15 s per call at one clip).
 */
import { BenchCase, Proxy } from './case';
import { SSASpec } from './spec';

const layer2: SSASpec = { kind: 'ssa', clips: 1, segments: 8, channels: 128, height: 28, width: 28 };
const layer3: SSASpec = { kind: 'ssa', clips: 1, segments: 8, channels: 256, height: 14, width: 14 };

/**
 * No runner needs a proxy by default (TensorFlow.js has no SSA block); these half-size frames are for
 * `--proxy ts,gpu`, a quick run on the slow backends. The channels and the 8 frames stay, so the
 * products keep their inner dimensions.
 */
const halfFrames = (spec: SSASpec): Proxy => ({
  spec: { ...spec, height: spec.height / 2, width: spec.width / 2 },
  runners: [],
  why: 'asked for with --proxy: frames of half the height and width',
});

export const cases: BenchCase[] = [
  { id: 'ssa', group: 'ssa', title: 'SSA block fwd+bwd', spec: layer2, proxy: halfFrames(layer2) },
  { id: 'ssa-c256', group: 'ssa', title: 'SSA block fwd+bwd (C 256)', spec: layer3, proxy: halfFrames(layer3) },
];

// The runner is loaded only when this file is run, so importing the case list (as tests do) stays light.
if (require.main === module) void import('./run').then((run) => run.runAsScript('ssa', cases));
