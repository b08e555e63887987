/**
 * The paper's Figure 1 as a PNG: where separable self-attention looks from a query point (spatial
 * top-10 in the query's frame, temporal weights of that frame) against a 3D non-local block (top-10
 * over all frames), drawn over the clip's frames.
 *
 *     const ssa = captureAttention(ssanModel, frames);          // frames [T, 3, H, W], normalised
 *     const nl = captureAttention(nl3dModel, frames);
 *     fs.writeFileSync('figure1.png', attentionFigure({ frames, ssa, nonLocal3d: nl }));
 *
 * or, from checkpoints of examples/train-sth.ts, on a clip of the validation split they were trained with:
 *
 *     const { png } = attentionFigureFromCheckpoint('runs/ssan/best.safetensors', { nlCheckpoint: 'runs/nl3d/best.safetensors' });
 */
import path from 'path';
import { loadCheckpoint } from '../../optim/checkpoint';
import { Generator } from '../../tensor/random';
import { Tensor } from '../../tensor/tensor';
import { readClip } from '../data/clip-reader';
import { centerSegmentIndices } from '../data/sampling';
import type { TrainValSplits } from '../train/datasets';
import { buildModel, clipTransform, openRunData, readRunSettings, type RunSettings } from '../train/experiment';
import { attentionFigureSvg, type AttentionFigureInput, type AttentionFigureLayout } from './attention-figure-svg';
import { attentionBlocks, captureAttention, type BlockAttention } from './capture-attention';
import { movingQueryPoint, type QueryPoint } from './query-point';
import { svgToPng } from './render';

export { attentionFigureSvg, FIGURE_COLORS } from './attention-figure-svg';
export type {
  AttentionFigureInput, AttentionFigureLayout, Box, FigureColors, PanelLayout, SectionLayout, TemporalBarsLayout,
} from './attention-figure-svg';
export { topK, spatialTopK, spatioTemporalTopK } from './attention-top-k';
export type { AttentionTarget } from './attention-top-k';
export { attentionBlocks, captureAttention, findAttentionBlock } from './capture-attention';
export type { AttentionBlock, BlockAttention } from './capture-attention';
export { cellCentre, cellOfPixel } from './feature-grid';
export type { FeatureGrid, PixelPoint } from './feature-grid';
export { denormalizeFrame, frameDataUri } from './frames-png';
export { movingQueryPoint } from './query-point';
export type { QueryPoint } from './query-point';

/** The figure as PNG bytes; `width` scales it (default: its own size, one SVG unit per pixel). */
export function attentionFigure(input: AttentionFigureInput, options: { width?: number } = {}): Uint8Array {
  return svgToPng(attentionFigureSvg(input).svg, { width: options.width });
}

export interface CheckpointFigureOptions {
  /** Which video of the validation split (default 0, the first). */
  videoIndex?: number;
  /** The query point in input pixels (default: movingQueryPoint on the SSA block's grid). */
  query?: QueryPoint;
  /** A checkpoint of arch 'nl3d' for the spatio-temporal panel; without it the figure shows SSA alone. */
  nlCheckpoint?: string;
  /** The attention block to show, by name ('layer2.1') or forward position (default: the first). */
  block?: string | number;
  /** The splits to read the clip from (default: the dataset the checkpoint recorded). */
  splits?: TrainValSplits;
  log?: (line: string) => void;
}

export interface CheckpointFigure {
  png: Uint8Array;
  svg: string;
  layout: AttentionFigureLayout;
  /** The clip: which validation video, its class, and the frames (1-based, the centre of each segment). */
  video: { index: number; id: string; className: string; frameIndices: number[] };
  query: QueryPoint;
}

/** The run settings that decide what a clip looks like to the model. */
function clipSettings(run: RunSettings): string {
  const c = run.config;
  return `T = ${c.numSegments}, aug ${c.aug}, resize ${c.resize}, crop ${c.crop}`;
}

/** A checkpoint's folder and file name: runs keep 'best.safetensors' in a folder named for the run. */
function shortName(file: string): string {
  return path.join(path.basename(path.dirname(path.resolve(file))), path.basename(file));
}

/** A model of a checkpoint, its weights loaded, and the maps of one of its blocks for `frames`. */
function checkpointAttention(file: string, run: RunSettings, frames: Tensor, block?: string | number): BlockAttention {
  const model = buildModel(run.config);
  loadCheckpoint(file, { model });
  // The same block in the other model when it has one (same place, same resolution); else its first.
  const names = attentionBlocks(model).map((b) => b.name);
  const chosen = typeof block === 'string' && !names.includes(block) ? undefined : block;
  return captureAttention(model, frames, { block: chosen });
}

/**
 * Figure 1 for a validation clip, from a checkpoint of examples/train-sth.ts (arch 'ssan', or any arch
 * with per-frame spatial maps) and, optionally, one of arch 'nl3d' trained on the same clips. The clip
 * is what evaluation feeds the model: the centre frame of each segment, the evaluation transform.
 */
export function attentionFigureFromCheckpoint(checkpointFile: string, options: CheckpointFigureOptions = {}): CheckpointFigure {
  const op = 'attentionFigureFromCheckpoint';
  const run = readRunSettings(checkpointFile, op);
  if (!['ssan', 'nl2d1d', 'nl2d'].includes(run.config.arch)) {
    throw new Error(`${op}: ${checkpointFile} is of arch '${run.config.arch}'; the figure's first panel needs 'ssan' ` +
      "(give a checkpoint of arch 'nl3d' as nlCheckpoint)");
  }
  const nlRun = options.nlCheckpoint ? readRunSettings(options.nlCheckpoint, op) : null;
  if (nlRun && options.nlCheckpoint) {
    if (nlRun.config.arch !== 'nl3d') {
      throw new Error(`${op}: nlCheckpoint ${options.nlCheckpoint} is of arch '${nlRun.config.arch}'; it must be 'nl3d'`);
    }
    if (clipSettings(nlRun) !== clipSettings(run)) {
      throw new Error(`${op}: the two checkpoints see different clips (${clipSettings(run)} against ${clipSettings(nlRun)}); ` +
        'the figure draws both on the same frames');
    }
  }
  const splits = options.splits ?? openRunData(run.data, options.log);
  const val = splits.val;
  const index = options.videoIndex ?? 0;
  if (!Number.isInteger(index) || index < 0 || index >= val.records.length) {
    throw new Error(`${op}: videoIndex ${index} is outside 0..${val.records.length - 1} (the validation split's videos)`);
  }
  const record = val.records[index];
  const { numSegments, crop } = run.config;
  const frameIndices = centerSegmentIndices(record.numFrames, numSegments);
  // The evaluation transform draws no random numbers; readClip still takes a generator.
  const clip = readClip(record, val.layout, frameIndices, clipTransform(run.config, false), new Generator(0));
  const frames = new Tensor(clip, [numSegments, 3, crop, crop]);

  const ssa = checkpointAttention(checkpointFile, run, frames, options.block);
  const nonLocal3d = nlRun && options.nlCheckpoint ? checkpointAttention(options.nlCheckpoint, nlRun, frames, ssa.name) : null;
  const query = options.query ?? movingQueryPoint(frames, ssa.grid);
  const className = val.classes[record.label] ?? `class ${record.label}`;
  const notes = [
    `Clip: validation video ${record.id} ("${className}"), frames ${frameIndices.join(', ')}, ${crop}x${crop} centre crop.`,
    `SSA: ${shortName(checkpointFile)} (${run.config.arch}, ResNet-${run.config.depth}).` +
      (nlRun && options.nlCheckpoint ? ` 3D non-local: ${shortName(options.nlCheckpoint)} (ResNet-${nlRun.config.depth}).` : ''),
  ];
  const { svg, layout } = attentionFigureSvg({
    frames, ssa, nonLocal3d, queries: [query], notes,
    nonLocalMissing: "3D non-local: not drawn, no checkpoint of arch 'nl3d' was given (nlCheckpoint)",
    frameLabels: frameIndices.map((i) => `frame ${i}`),
    title: nonLocal3d
      ? `Figure 1: where attention goes from a query point, SSA against a 3D non-local block`
      : 'Figure 1: where SSA\'s attention goes from a query point',
  });
  return {
    png: svgToPng(svg), svg, layout, query,
    video: { index, id: record.id, className, frameIndices },
  };
}
