/**
 * A query point on the moving object, chosen without a model: Figure 1 asks where attention from the
 * actor goes, and in a clip the actor is what changes while the scene stays.
 *
 * The rule: average the clip's colors (de-normalised, RGB in [0, 1]) over each cell of the feature grid
 * in each frame; for each cell, its mean colour over all frames is what the cell usually shows (the
 * background, when the object only passes through). The query is the (frame, cell) whose colour lies
 * farthest (Euclidean distance in RGB) from its cell's usual colour: the object where it least resembles
 * the scene behind it. Ties go to the earlier frame, then the earlier cell; a clip without any change
 * gets the centre cell of its middle frame. The point returned is the cell's centre pixel.
 */
import { Tensor } from '../../tensor/tensor';
import { IMAGENET_MEAN, IMAGENET_STD } from '../data/transforms';
import { FeatureGrid, cellCentre, cellOfPixel, checkGrid, gridPositions } from './feature-grid';
import { Normalization, clipSizes } from './frames-png';

/** A query given in input pixels: frame t (0-based in the clip), pixel row and column. */
export interface QueryPoint {
  frame: number;
  row: number;
  col: number;
}

/** Mean RGB of each cell in each frame: [T][cell][channel] flattened. */
function cellColors(frames: Tensor, grid: FeatureGrid, normalization: Normalization): Float64Array {
  const { frames: count, height, width } = clipSizes('movingQueryPoint', frames);
  const mean = normalization.mean ?? IMAGENET_MEAN;
  const std = normalization.std ?? IMAGENET_STD;
  const cells = gridPositions(grid);
  const sums = new Float64Array(count * cells * 3);
  const pixelsPerCell = new Float64Array(cells);
  const cellOf = new Int32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const cell = cellOfPixel(grid, height, width, y, x);
      cellOf[y * width + x] = cell;
      pixelsPerCell[cell]++;
    }
  }
  const plane = height * width;
  const values = frames.data;
  for (let t = 0; t < count; t++) {
    for (let c = 0; c < 3; c++) {
      const base = (t * 3 + c) * plane;
      for (let p = 0; p < plane; p++) sums[(t * cells + cellOf[p]) * 3 + c] += values[base + p] * std[c] + mean[c];
    }
  }
  for (let i = 0; i < sums.length; i++) sums[i] /= pixelsPerCell[Math.floor(i / 3) % cells];
  return sums;
}

/** The query point of the rule above, on `grid` (the feature grid of the block whose attention is shown). */
export function movingQueryPoint(frames: Tensor, grid: FeatureGrid, normalization: Normalization = {}): QueryPoint {
  checkGrid('movingQueryPoint', grid);
  const { frames: count, height, width } = clipSizes('movingQueryPoint', frames);
  const cells = gridPositions(grid);
  const colors = cellColors(frames, grid, normalization);
  const usual = new Float64Array(cells * 3);
  for (let t = 0; t < count; t++) for (let i = 0; i < cells * 3; i++) usual[i] += colors[t * cells * 3 + i] / count;
  // A change below 1e-6 (far under one 8-bit step) is rounding, not motion.
  let best = { distance: 1e-6, frame: Math.floor(count / 2), cell: Math.floor(grid.rows / 2) * grid.cols + Math.floor(grid.cols / 2) };
  // Frame by frame, cell by cell, replacing only on a strictly larger distance: ties keep the earlier one.
  for (let t = 0; t < count; t++) {
    for (let cell = 0; cell < cells; cell++) {
      let squares = 0;
      for (let c = 0; c < 3; c++) squares += (colors[(t * cells + cell) * 3 + c] - usual[cell * 3 + c]) ** 2;
      const distance = Math.sqrt(squares);
      if (distance > best.distance) best = { distance, frame: t, cell };
    }
  }
  const centre = cellCentre(grid, best.cell, height, width);
  return { frame: best.frame, row: Math.floor(centre.y), col: Math.floor(centre.x) };
}
