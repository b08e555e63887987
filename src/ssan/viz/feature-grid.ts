/**
 * Where an attention map's positions are in the input frame. A block attends over the cells of its
 * feature map, rows x cols per frame; position p is cell (floor(p / cols), p mod cols), and cell (i, j) of
 * an h x w map covers input rows i·H/h .. (i+1)·H/h and columns j·W/w .. (j+1)·W/w. The map is drawn
 * over the frames, so each position is shown at the centre of the pixels its cell covers.
 */

/** The cells of a block's feature map in one frame. */
export interface FeatureGrid {
  rows: number;
  cols: number;
}

/** A point of the input frame, in pixels (x to the right, y down; fractions allowed). */
export interface PixelPoint {
  x: number;
  y: number;
}

export function checkGrid(op: string, grid: FeatureGrid): void {
  if (!grid || !Number.isInteger(grid.rows) || !Number.isInteger(grid.cols) || grid.rows < 1 || grid.cols < 1) {
    throw new Error(`${op}: a feature grid needs positive integer rows and cols; got ${JSON.stringify(grid)}`);
  }
}

export function gridPositions(grid: FeatureGrid): number {
  return grid.rows * grid.cols;
}

/** The cell (a position index of the map) that covers input pixel (row, col) of a height x width frame. */
export function cellOfPixel(grid: FeatureGrid, frameHeight: number, frameWidth: number, row: number, col: number): number {
  if (!(row >= 0 && row < frameHeight && col >= 0 && col < frameWidth)) {
    throw new Error(`cellOfPixel: pixel (row ${row}, col ${col}) is outside the ${frameHeight}x${frameWidth} frame`);
  }
  const i = Math.min(grid.rows - 1, Math.floor((row * grid.rows) / frameHeight));
  const j = Math.min(grid.cols - 1, Math.floor((col * grid.cols) / frameWidth));
  return i * grid.cols + j;
}

/**
 * The centre, in input pixels, of position `cell` of a key grid. `span` is how many cells of the block's
 * own grid one key cell covers along each side: 1 normally, 2 when the non-local block max-pools its keys
 * 2x2 (subSample), whose key cell (i, j) pools cells 2i..2i+1 by 2j..2j+1.
 */
export function cellCentre(
  grid: FeatureGrid, cell: number, frameHeight: number, frameWidth: number, span = 1, keyCols = grid.cols,
): PixelPoint {
  const i = Math.floor(cell / keyCols);
  const j = cell % keyCols;
  return {
    x: ((j + 0.5) * span * frameWidth) / grid.cols,
    y: ((i + 0.5) * span * frameHeight) / grid.rows,
  };
}

/**
 * The grid of the keys of a map with `keysPerFrame` keys in each frame: the block's own grid, or the
 * 2x2-pooled one of a non-local block with subSample (floor(rows/2) x floor(cols/2), as the max pool
 * drops an odd last row or column).
 */
export function keyGridOf(op: string, grid: FeatureGrid, keysPerFrame: number): { span: number; cols: number } {
  if (keysPerFrame === gridPositions(grid)) return { span: 1, cols: grid.cols };
  const pooled = { rows: Math.floor(grid.rows / 2), cols: Math.floor(grid.cols / 2) };
  if (keysPerFrame === gridPositions(pooled)) return { span: 2, cols: pooled.cols };
  throw new Error(
    `${op}: the map has ${keysPerFrame} keys per frame, which is neither the ${grid.rows}x${grid.cols} feature map ` +
      `nor its 2x2-pooled ${pooled.rows}x${pooled.cols}; is the grid the block's?`,
  );
}
