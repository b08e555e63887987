/**
 * The paper's Figure 1 as SVG: for a query point on one clip, where separable self-attention looks
 * (spatial top-k inside the query's frame, and the temporal weights of that frame over all frames) next
 * to where a spatio-temporal block (3D non-local) looks (top-k over every position of every frame).
 *
 * Layout, per query: a row of the clip's frames for SSA, with arrows from the query point to its top-k
 * positions and, under each frame, a bar of the query frame's temporal weight for it; below, the same
 * frames for the 3D non-local block, its arrows arcing over the row to other frames. A legend closes the
 * figure. The result comes with the geometry (where each frame is drawn) so callers can find things in
 * the rendered picture.
 */
import { Tensor } from '../../tensor/tensor';
import { AttentionTarget, spatialTopK, spatioTemporalTopK } from './attention-top-k';
import type { BlockAttention } from './capture-attention';
import { FeatureGrid, PixelPoint, cellCentre, cellOfPixel, checkGrid, gridPositions, keyGridOf } from './feature-grid';
import { Normalization, clipSizes, frameDataUri } from './frames-png';
import { QueryPoint, movingQueryPoint } from './query-point';
import {
  TextStyle, arcPath, arrowHeadMarker, loopPath, num, straightPath, svgArrow, svgImage, svgRect, svgText, textWidth,
} from './svg-parts';

export interface FigureColors {
  /** The query point. */
  query: string;
  /** Heads (and, a little transparent, shafts) of the SSA arrows. */
  ssaArrow: string;
  /** Heads and shafts of the 3D non-local arrows. */
  nonLocalArrow: string;
  /** The temporal-weight bars. */
  temporalBar: string;
}

/** Colours rare in video frames, so arrows stand out (and tests can find them). */
export const FIGURE_COLORS: Readonly<FigureColors> = Object.freeze({
  query: '#ff2020', ssaArrow: '#00e5ff', nonLocalArrow: '#ffd000', temporalBar: '#3f6fd8',
});

export interface AttentionFigureInput extends Normalization {
  /** The clip as fed to the model: float32 [T, 3, H, W], normalised (ImageNet mean/std unless given). */
  frames: Tensor;
  /**
   * The separable block's maps: position [T, P, K] (one map per frame) and temporal [1, T, T]; any block
   * with per-frame position maps fits (SSA, a fused 2D+1D or a 2D non-local, the last without bars).
   */
  ssa: BlockAttention;
  /** The spatio-temporal block's maps: position [1, T·P, T·K]. Omitted: the figure shows SSA alone. */
  nonLocal3d?: BlockAttention | null;
  /** Query points in input pixels; by default one, chosen by movingQueryPoint on the SSA block's grid. */
  queries?: readonly QueryPoint[];
  /** Positions per arrow fan (default 10, the paper's). */
  k?: number;
  /** A label per frame (default 't = 0', 't = 1', ...): e.g. the video's frame numbers. */
  frameLabels?: readonly string[];
  title?: string;
  /** Why there is no 3D non-local panel, printed in the legend in its place (default: a general reason). */
  nonLocalMissing?: string;
  /** Lines printed under the legend (where the clip comes from, ...). */
  notes?: readonly string[];
  /** Width of each drawn frame in pixels (default: 144, more for fine feature grids). */
  frameSize?: number;
  /** Colors of the query point, the arrows and the temporal bars (default FIGURE_COLORS). */
  colors?: Partial<FigureColors>;
  /** @deprecated The British spelling of `colors`, still accepted (`colors` wins where both are given). */
  colours?: Partial<FigureColors>;
}

/** A rectangle of the figure, in its pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PanelLayout {
  /** Where each frame is drawn. */
  frames: Box[];
  /** The query's cell in this block's grid, and the positions its arrows point to. */
  queryCell: number;
  targets: AttentionTarget[];
}

export interface TemporalBarsLayout {
  /** The y of the bars' common base; a weight w is a bar of height maxHeight·w / (largest weight). */
  baseline: number;
  maxHeight: number;
  /** The query frame's weight for each frame, in frame order. */
  weights: number[];
  /** Each bar as drawn (zero height for a weight <= 0). */
  bars: Box[];
}

export interface SectionLayout {
  query: QueryPoint;
  ssa: PanelLayout & { temporal: TemporalBarsLayout | null };
  nonLocal3d: PanelLayout | null;
}

export interface AttentionFigureLayout {
  width: number;
  height: number;
  sections: SectionLayout[];
}

const MARGIN = 16;
const LABEL_COLUMN = 168;
const FRAME_GAP = 10;
const BAR_HEIGHT = 44;
const QUERY_RADIUS = 5;

/** A validated separable map: its per-frame position map and the temporal map, if any. */
function checkSsaMaps(block: BlockAttention, frames: number): { position: Tensor; temporal: Tensor | null } {
  const op = 'attentionFigure';
  checkGrid(op, block.grid);
  const { position, temporal } = block.maps ?? {};
  const cells = gridPositions(block.grid);
  if (!(position instanceof Tensor) || position.ndim !== 3 || position.shape[0] !== frames || position.shape[1] !== cells) {
    const got = position instanceof Tensor ? `[${position.shape.join(', ')}]` : 'none';
    throw new Error(`${op}: the SSA block's position map should be [${frames}, ${cells}, K] (one per frame of the clip, ` +
      `${block.grid.rows}x${block.grid.cols} positions); got ${got}`);
  }
  keyGridOf(op, block.grid, position.shape[2]);
  if (temporal && !(temporal.ndim === 3 && temporal.shape[0] === 1 && temporal.shape[1] === frames && temporal.shape[2] === frames)) {
    throw new Error(`${op}: the SSA block's temporal map should be [1, ${frames}, ${frames}]; got [${temporal.shape.join(', ')}]`);
  }
  return { position, temporal: temporal ?? null };
}

function checkNonLocalMaps(block: BlockAttention, frames: number): Tensor {
  const op = 'attentionFigure';
  checkGrid(op, block.grid);
  const position = block.maps?.position;
  const queries = frames * gridPositions(block.grid);
  if (!(position instanceof Tensor) || position.ndim !== 3 || position.shape[0] !== 1 || position.shape[1] !== queries ||
      position.shape[2] % frames !== 0) {
    const got = position instanceof Tensor ? `[${position.shape.join(', ')}]` : 'none';
    throw new Error(`${op}: the 3D non-local block's position map should be [1, ${queries}, ${frames}·K] (all ${frames} frames' ` +
      `${block.grid.rows}x${block.grid.cols} positions of one clip); got ${got}`);
  }
  keyGridOf(op, block.grid, position.shape[2] / frames);
  return position;
}

/** The grey lines under a row's name: where the block is, its map size, and its kind when the row's name is not it. */
function blockLines(block: BlockAttention, rowKind: string): string[] {
  const lines = [`${block.name ? `${block.name}, ` : ''}${block.grid.rows}x${block.grid.cols} map`];
  if (block.kind && block.kind !== rowKind) lines.push(`(block: ${block.kind})`);
  return lines;
}

/** Builds the figure's SVG text and where everything went. */
export function attentionFigureSvg(input: AttentionFigureInput): { svg: string; layout: AttentionFigureLayout } {
  const { frames: count, height: frameHeight, width: frameWidth } = clipSizes('attentionFigure', input.frames);
  const normalization: Normalization = { mean: input.mean, std: input.std };
  const colours: FigureColors = { ...FIGURE_COLORS, ...input.colours, ...input.colors };
  const k = input.k ?? 10;
  const ssaMaps = checkSsaMaps(input.ssa, count);
  const nonLocal = input.nonLocal3d ? { block: input.nonLocal3d, position: checkNonLocalMaps(input.nonLocal3d, count) } : null;
  const queries = input.queries && input.queries.length > 0
    ? input.queries
    : [movingQueryPoint(input.frames, input.ssa.grid, normalization)];
  for (const q of queries) {
    if (!Number.isInteger(q.frame) || q.frame < 0 || q.frame >= count) {
      throw new Error(`attentionFigure: query frame ${q.frame} is outside 0..${count - 1}`);
    }
    cellOfPixel(input.ssa.grid, frameHeight, frameWidth, q.row, q.col);
  }
  const labels = input.frameLabels ?? Array.from({ length: count }, (_, t) => `t = ${t}`);
  if (labels.length !== count) throw new Error(`attentionFigure: ${labels.length} frame labels for ${count} frames`);

  const finestCols = Math.max(input.ssa.grid.cols, nonLocal?.block.grid.cols ?? 0);
  const drawnWidth = input.frameSize ?? Math.max(144, 12 * finestCols);
  const drawnHeight = (drawnWidth * frameHeight) / frameWidth;
  const pixelated = drawnWidth >= 2 * frameWidth;
  const arcSpace = Math.max(56, Math.round(drawnHeight * 0.45));
  const framesWidth = MARGIN * 2 + LABEL_COLUMN + count * drawnWidth + (count - 1) * FRAME_GAP;
  const frameX = (t: number) => MARGIN + LABEL_COLUMN + t * (drawnWidth + FRAME_GAP);
  // Each frame is encoded once and drawn in every row.
  const hrefs = Array.from({ length: count }, (_, t) => frameDataUri(input.frames, t, normalization));
  const toFigure = (box: Box, p: PixelPoint): PixelPoint => ({
    x: box.x + (p.x * box.width) / frameWidth, y: box.y + (p.y * box.height) / frameHeight,
  });

  const body: string[] = [];
  const sections: SectionLayout[] = [];
  // Text at the left margin (titles, row labels) may run past the frames; the figure widens to hold it.
  let textRight = 0;
  const write = (x: number, baseline: number, content: string, style: TextStyle) => {
    body.push(svgText(x, baseline, content, style));
    textRight = Math.max(textRight, x + textWidth(content, style.size ?? 12, style.weight));
  };
  let y = MARGIN;
  const title = input.title ?? (nonLocal
    ? `Where attention goes from a query point: SSA against a 3D non-local block (top-${k} weights)`
    : `Where SSA's attention goes from a query point (top-${k} weights)`);
  write(MARGIN, y + 16, title, { size: 17, weight: 'bold' });
  y += 34;

  /** A row's name in the left column, grey lines about its block, then what its arrows show. */
  const rowLabel = (top: number, name: string, about: string[], meaning: string[]) => {
    let baseline = top + 18;
    write(MARGIN, baseline, name, { size: 16, weight: 'bold' });
    for (const line of about) write(MARGIN, (baseline += 17), line, { size: 11, fill: '#555555' });
    baseline += 2;
    for (const line of meaning) write(MARGIN, (baseline += 16), line, { size: 12, fill: '#333333' });
  };
  const drawFrames = (rowY: number, grid: FeatureGrid): Box[] => Array.from({ length: count }, (_, t) => {
    const box = { x: frameX(t), y: rowY, width: drawnWidth, height: drawnHeight };
    body.push(svgImage(box.x, box.y, box.width, box.height, hrefs[t], pixelated));
    body.push(gridLines(box, grid));
    body.push(svgRect(box.x - 0.5, box.y - 0.5, box.width + 1, box.height + 1, 'fill="none" stroke="#555555" stroke-width="1"'));
    return box;
  });
  const drawQueryDot = (at: PixelPoint) => {
    body.push(`<circle cx="${num(at.x)}" cy="${num(at.y)}" r="${QUERY_RADIUS}" fill="${colours.query}" stroke="#ffffff" stroke-width="1.5"/>`);
  };
  const frameLabel = (t: number, q: QueryPoint, labelY: number) => {
    const isQuery = t === q.frame;
    body.push(svgText(frameX(t) + drawnWidth / 2, labelY, isQuery ? `${labels[t]} (query)` : labels[t], {
      size: 12, anchor: 'middle', weight: isQuery ? 'bold' : 'normal', fill: isQuery ? colours.query : '#333333',
    }));
  };

  queries.forEach((q, qi) => {
    const heading = `Query ${qi + 1}: ${labels[q.frame]}, pixel (row ${q.row}, col ${q.col}) of the ${frameHeight}x${frameWidth} input`;
    write(MARGIN, y + 14, heading, { size: 14, weight: 'bold' });
    y += 26;

    // SSA: spatial fan inside the query's frame, temporal bars under the frames.
    const ssaGrid = input.ssa.grid;
    const ssaCell = cellOfPixel(ssaGrid, frameHeight, frameWidth, q.row, q.col);
    const ssaKeys = keyGridOf('attentionFigure', ssaGrid, ssaMaps.position.shape[2]);
    const ssaTargets = spatialTopK(ssaMaps.position, q.frame, ssaCell, k);
    for (let t = 0; t < count; t++) frameLabel(t, q, y + 12);
    y += 18;
    const rowTop = y;
    const ssaFrames = drawFrames(y, ssaGrid);
    rowLabel(rowTop, 'SSA', blockLines(input.ssa, 'SSA'), [`spatial top-${k}`, 'in the query\'s frame']);
    const ssaQuery = toFigure(ssaFrames[q.frame], cellCentre(ssaGrid, ssaCell, frameHeight, frameWidth));
    drawQueryDot(ssaQuery);
    drawFan(body, ssaFrames, ssaTargets, ssaQuery, q.frame, ssaGrid, ssaKeys, 'head-ssa', colours.ssaArrow,
      { frameHeight, frameWidth, toFigure, arcTop: rowTop });
    y += drawnHeight;

    let temporal: TemporalBarsLayout | null = null;
    if (ssaMaps.temporal) {
      const weights = Array.from(ssaMaps.temporal.data.subarray(q.frame * count, (q.frame + 1) * count));
      temporal = drawTemporalBars(body, weights, y + 6, frameX, drawnWidth, colours.temporalBar);
      write(MARGIN, y + 22, 'temporal attention', { size: 12, fill: '#333333' });
      write(MARGIN, y + 38, `of ${labels[q.frame]}`, { size: 12, fill: '#333333' });
      write(MARGIN, y + 54, 'to each frame', { size: 12, fill: '#333333' });
      y += BAR_HEIGHT + 32;
    } else {
      write(MARGIN, y + 20, 'no temporal map in this block', { size: 12, fill: '#555555' });
      y += 30;
    }
    const section: SectionLayout = { query: q, ssa: { frames: ssaFrames, queryCell: ssaCell, targets: ssaTargets, temporal }, nonLocal3d: null };

    // 3D non-local: one fan over all positions of all frames; arcs above the row reach other frames.
    if (nonLocal) {
      const grid = nonLocal.block.grid;
      const cell = cellOfPixel(grid, frameHeight, frameWidth, q.row, q.col);
      const keys = keyGridOf('attentionFigure', grid, nonLocal.position.shape[2] / count);
      const targets = spatioTemporalTopK(nonLocal.position, count, q.frame, cell, k);
      y += arcSpace;
      const nlFrames = drawFrames(y, grid);
      rowLabel(y, '3D non-local', blockLines(nonLocal.block, 'NonLocal(3d)'), [`top-${k} over all`, 'frames and positions']);
      const nlQuery = toFigure(nlFrames[q.frame], cellCentre(grid, cell, frameHeight, frameWidth));
      drawQueryDot(nlQuery);
      drawFan(body, nlFrames, targets, nlQuery, q.frame, grid, keys, 'head-nl', colours.nonLocalArrow,
        { frameHeight, frameWidth, toFigure, arcTop: y - arcSpace + 8 });
      y += drawnHeight;
      for (let t = 0; t < count; t++) frameLabel(t, q, y + 15);
      y += 24;
      section.nonLocal3d = { frames: nlFrames, queryCell: cell, targets };
    }
    sections.push(section);
    y += 18;
  });

  const missing = nonLocal ? null : input.nonLocalMissing ?? '3D non-local: not drawn (no maps of a spatio-temporal block were given)';
  const legendTop = y;
  y = drawLegend(write, body, y, k, colours, missing, input.notes ?? []);
  const width = Math.ceil(Math.max(framesWidth, textRight + MARGIN));
  body.push(`<line x1="${MARGIN}" y1="${num(legendTop)}" x2="${num(width - MARGIN)}" y2="${num(legendTop)}" stroke="#cccccc" stroke-width="1"/>`);
  const height = y + MARGIN;
  const defs = `<defs>${arrowHeadMarker('head-ssa', colours.ssaArrow)}${arrowHeadMarker('head-nl', colours.nonLocalArrow)}</defs>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" ` +
    `viewBox="0 0 ${num(width)} ${num(height)}">${defs}${svgRect(0, 0, width, height, 'fill="#ffffff"')}${body.join('')}</svg>`;
  return { svg, layout: { width, height, sections } };
}

/** Faint lines between the feature map's cells: the resolution the attention sees. */
function gridLines(box: Box, grid: FeatureGrid): string {
  const lines: string[] = [];
  for (let i = 1; i < grid.rows; i++) {
    const y = box.y + (i * box.height) / grid.rows;
    lines.push(`M${num(box.x)},${num(y)} H${num(box.x + box.width)}`);
  }
  for (let j = 1; j < grid.cols; j++) {
    const x = box.x + (j * box.width) / grid.cols;
    lines.push(`M${num(x)},${num(box.y)} V${num(box.y + box.height)}`);
  }
  return lines.length === 0 ? '' : `<path d="${lines.join(' ')}" stroke="#ffffff" stroke-opacity="0.22" stroke-width="1" fill="none"/>`;
}

interface FanGeometry {
  frameHeight: number;
  frameWidth: number;
  toFigure: (box: Box, p: PixelPoint) => PixelPoint;
  /** The highest an arc between frames may climb. */
  arcTop: number;
}

/** Arrows from the query to each target: straight inside the query's frame, a loop to itself, arcs to other frames. */
function drawFan(
  body: string[], frames: Box[], targets: AttentionTarget[], query: PixelPoint, queryFrame: number,
  grid: FeatureGrid, keys: { span: number; cols: number }, markerId: string, colour: string, g: FanGeometry,
): void {
  const rowWidth = frames[frames.length - 1].x + frames[0].width - frames[0].x;
  const cellSize = frames[0].width / grid.cols;
  for (const target of targets) {
    const end = g.toFigure(frames[target.frame], cellCentre(grid, target.cell, g.frameHeight, g.frameWidth, keys.span, keys.cols));
    let d: string;
    if (target.frame !== queryFrame) {
      // Farther frames climb higher, so arcs of different lengths do not lie on top of each other.
      const reach = Math.min(1, 0.35 + Math.abs(end.x - query.x) / rowWidth);
      const top = frames[0].y;
      d = arcPath(query, end, top - (top - g.arcTop) * reach, QUERY_RADIUS + 1);
    } else if (Math.hypot(end.x - query.x, end.y - query.y) < QUERY_RADIUS) {
      d = loopPath(end, Math.max(10, Math.min(18, cellSize * 0.6)));
    } else {
      d = straightPath(query, end, QUERY_RADIUS + 1);
    }
    body.push(svgArrow(d, colour, markerId));
  }
}

function drawTemporalBars(
  body: string[], weights: number[], top: number, frameX: (t: number) => number, frameWidth: number, colour: string,
): TemporalBarsLayout {
  const baseline = top + BAR_HEIGHT;
  const largest = Math.max(...weights.filter((w) => w > 0), 0);
  const barWidth = frameWidth * 0.4;
  const bars = weights.map((w, t) => {
    const h = largest > 0 && w > 0 ? (BAR_HEIGHT * w) / largest : 0;
    const box = { x: frameX(t) + (frameWidth - barWidth) / 2, y: baseline - h, width: barWidth, height: h };
    if (h > 0) body.push(svgRect(box.x, box.y, box.width, box.height, `fill="${colour}"`));
    body.push(svgText(frameX(t) + frameWidth / 2, baseline + 15, w.toFixed(3), { size: 11, anchor: 'middle', fill: '#333333' }));
    return box;
  });
  body.push(`<line x1="${num(frameX(0))}" y1="${num(baseline + 0.5)}" x2="${num(frameX(weights.length - 1) + frameWidth)}" ` +
    `y2="${num(baseline + 0.5)}" stroke="#999999" stroke-width="1"/>`);
  return { baseline, maxHeight: BAR_HEIGHT, weights, bars };
}

function drawLegend(
  write: (x: number, baseline: number, content: string, style: TextStyle) => void, body: string[], top: number, k: number,
  colours: FigureColors, nonLocalMissing: string | null, notes: readonly string[],
): number {
  let y = top + 20;
  const entry = (draw: (cx: number, cy: number) => string, text: string) => {
    body.push(draw(MARGIN + 18, y - 4));
    write(MARGIN + 46, y, text, { size: 13 });
    y += 22;
  };
  entry((cx, cy) => `<circle cx="${cx}" cy="${cy}" r="${QUERY_RADIUS}" fill="${colours.query}" stroke="#ffffff" stroke-width="1.5"/>`,
    'query point (drawn at the centre of its feature cell)');
  const sample = (marker: string, colour: string) => (cx: number, cy: number) =>
    svgArrow(`M${cx - 16},${cy} L${cx + 10},${cy}`, colour, marker);
  entry(sample('head-ssa', colours.ssaArrow), `SSA: spatial top-${k}`);
  if (nonLocalMissing === null) entry(sample('head-nl', colours.nonLocalArrow), `3D non-local: top-${k} over all frames`);
  else entry((cx, cy) => svgText(cx, cy + 4, '–', { size: 13, anchor: 'middle', fill: '#777777' }), nonLocalMissing);
  entry((cx, cy) => svgRect(cx - 5, cy - 9, 10, 14, `fill="${colours.temporalBar}"`),
    'SSA temporal weights: attention of the query\'s frame to each frame (bar height proportional to the weight)');
  for (const note of notes) {
    write(MARGIN, y, note, { size: 12, fill: '#555555' });
    y += 18;
  }
  return y;
}
