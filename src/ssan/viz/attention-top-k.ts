/**
 * The positions a query attends to most: the k largest weights of one row of an attention map, as the
 * paper's Figure 1 draws them (top-10). Kept apart from the drawing so that tests can check the arrows
 * against a selection made without it.
 */
import { Tensor } from '../../tensor/tensor';

/** One attended position: the frame it is in (0-based in the clip), its cell in that frame's key grid, its weight. */
export interface AttentionTarget {
  frame: number;
  cell: number;
  weight: number;
}

/**
 * Indices of the k largest values, largest first; equal values keep their index order, so the choice is
 * the same on every run. NaN counts as smaller than any number. k larger than the count returns them all.
 */
export function topK(values: ArrayLike<number>, k: number): number[] {
  if (!Number.isInteger(k) || k < 0) throw new Error(`topK: k must be a non-negative integer; got ${k}`);
  const order = Array.from({ length: values.length }, (_, i) => i);
  const key = (i: number) => (Number.isNaN(values[i]) ? -Infinity : values[i]);
  order.sort((a, b) => key(b) - key(a) || a - b);
  return order.slice(0, k);
}

function checkMap(op: string, position: Tensor): void {
  if (!(position instanceof Tensor) || position.ndim !== 3) {
    const got = position instanceof Tensor ? `shape [${position.shape.join(', ')}]` : String(position);
    throw new Error(`${op}: expected a position map [groups, queries, keys]; got ${got}`);
  }
}

function checkIndex(op: string, what: string, value: number, size: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= size) {
    throw new Error(`${op}: ${what} ${value} is outside 0..${size - 1}`);
  }
}

/** Row `query` of group `group` of a [groups, queries, keys] map. */
function mapRow(position: Tensor, group: number, query: number): ArrayLike<number> {
  const [, queries, keys] = position.shape;
  const start = (group * queries + query) * keys;
  return position.data.subarray(start, start + keys);
}

/**
 * A per-frame spatial map (SSA's position branch, a 2D non-local) [frames, P, K]: the k positions of
 * frame `frame` that cell `queryCell` of the same frame attends to most.
 */
export function spatialTopK(position: Tensor, frame: number, queryCell: number, k = 10): AttentionTarget[] {
  const op = 'spatialTopK';
  checkMap(op, position);
  checkIndex(op, 'frame', frame, position.shape[0]);
  checkIndex(op, 'query cell', queryCell, position.shape[1]);
  const row = mapRow(position, frame, queryCell);
  return topK(row, k).map((cell) => ({ frame, cell, weight: row[cell] }));
}

/**
 * A spatio-temporal map (3D non-local) of one clip [1, T·P, T·K], positions ordered frame after frame:
 * the k positions, over all frames, that cell `queryCell` of frame `queryFrame` attends to most.
 */
export function spatioTemporalTopK(
  position: Tensor, numFrames: number, queryFrame: number, queryCell: number, k = 10,
): AttentionTarget[] {
  const op = 'spatioTemporalTopK';
  checkMap(op, position);
  const [clips, queries, keys] = position.shape;
  if (clips !== 1 || queries % numFrames !== 0 || keys % numFrames !== 0) {
    throw new Error(
      `${op}: expected the map of one clip of ${numFrames} frames, [1, ${numFrames}·P, ${numFrames}·K]; ` +
        `got [${position.shape.join(', ')}]`,
    );
  }
  const perFrame = queries / numFrames;
  const keysPerFrame = keys / numFrames;
  checkIndex(op, 'query frame', queryFrame, numFrames);
  checkIndex(op, 'query cell', queryCell, perFrame);
  const row = mapRow(position, 0, queryFrame * perFrame + queryCell);
  return topK(row, k).map((key) => ({
    frame: Math.floor(key / keysPerFrame), cell: key % keysPerFrame, weight: row[key],
  }));
}
