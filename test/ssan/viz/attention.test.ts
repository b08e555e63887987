/**
 * Figure 1 (ssan.viz attention): the figure is decoded back from its PNG and checked against the maps
 * it was drawn from, with everything the check needs computed here, not by the drawing code: the top-10
 * positions of each map row by a plain sort, their pixel centres from the cell rule (cell (i, j) of an
 * h x w map covers rows i·H/h..(i+1)·H/h), the arrow heads' pure colour found there and nowhere else,
 * the frames' own colours (so they were de-normalised), the temporal bars' heights in proportion. Maps
 * come hand-built and from tiny ResNet-18 models through captureAttention.
 */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { Generator } from '../../../src/tensor/random';
import { Tensor } from '../../../src/tensor/tensor';
import { manualSeed } from '../../../src/tensor/random';
import { createModel } from '../../../src/ssan/models/create-model';
import { SSA } from '../../../src/ssan/models/ssa';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../../src/ssan/data/transforms';
import {
  FIGURE_COLORS, attentionBlocks, attentionFigure, attentionFigureSvg, captureAttention, cellCentre, cellOfPixel,
  denormalizeFrame, movingQueryPoint, spatialTopK, spatioTemporalTopK, topK,
  type AttentionFigureInput, type BlockAttention, type Box, type QueryPoint,
} from '../../../src/ssan/viz/attention';

type Rgb = [number, number, number];

// ------------------------------------------------------------------ clips and maps

/** A clip [T, 3, S, S] normalised as the model's input, from a painter giving each pixel's 8-bit colour. */
function makeClip(frames: number, size: number, paint: (t: number, y: number, x: number) => Rgb): Tensor {
  const data = new Float32Array(frames * 3 * size * size);
  for (let t = 0; t < frames; t++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const colour = paint(t, y, x);
        for (let c = 0; c < 3; c++) data[((t * 3 + c) * size + y) * size + x] = (colour[c] / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
      }
    }
  }
  return new Tensor(data, [frames, 3, size, size]);
}

/** Frame t's background: greys and blues, far from the arrows' cyan and yellow and the bars' blue. */
const background = (t: number): Rgb => [70 + 30 * t, 80, 120 - 10 * t];
const SQUARE: Rgb = [200, 40, 60];

/** A square of 8x8 pixels moving right one cell per frame, over each frame's background. */
function movingSquareClip(frames: number, size: number): Tensor {
  return makeClip(frames, size, (t, y, x) => (y >= 16 && y < 24 && x >= 8 * t && x < 8 * t + 8 ? SQUARE : background(t)));
}

/** Softmax rows of random scores, scaled so that each row has a clear top-10. */
function randomMap(shape: [number, number, number], seed: number, favour: (group: number, query: number, key: number) => number = () => 0): Tensor {
  const g = new Generator(seed);
  const [groups, queries, keys] = shape;
  const data = new Float32Array(groups * queries * keys);
  g.fillNormal(data);
  for (let gq = 0; gq < groups * queries; gq++) {
    const row = data.subarray(gq * keys, (gq + 1) * keys);
    let sum = 0;
    for (let k = 0; k < keys; k++) {
      row[k] = Math.exp(2 * row[k] + favour(Math.floor(gq / queries), gq % queries, k));
      sum += row[k];
    }
    for (let k = 0; k < keys; k++) row[k] /= sum;
  }
  return new Tensor(data, shape);
}

// ------------------------------------------------------------------ reading the picture

function decode(png: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(png));
}

function hex(colour: string): Rgb {
  return [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16)) as Rgb;
}

function pixel(image: PNG, x: number, y: number): Rgb {
  const i = (y * image.width + x) * 4;
  return [image.data[i], image.data[i + 1], image.data[i + 2]];
}

/** Whether a pixel within `radius` of (x, y) (figure coordinates) has `colour`, each channel within `tolerance`. */
function colourNear(image: PNG, x: number, y: number, colour: Rgb, radius = 2.5, tolerance = 2): boolean {
  for (let py = Math.floor(y - radius); py <= Math.ceil(y + radius); py++) {
    for (let px = Math.floor(x - radius); px <= Math.ceil(x + radius); px++) {
      if (px < 0 || py < 0 || px >= image.width || py >= image.height) continue;
      if (Math.hypot(px + 0.5 - x, py + 0.5 - y) > radius) continue;
      const p = pixel(image, px, py);
      if (p.every((v, c) => Math.abs(v - colour[c]) <= tolerance)) return true;
    }
  }
  return false;
}

/** The k largest entries of a row by a plain sort, largest first, ties by index. */
function sortedTop(row: ArrayLike<number>, k: number): number[] {
  return Array.from(row, (v, i) => [v, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k).map(([, i]) => i);
}

/** Where cell `cell` of a rows x cols grid (key cells spanning `span` cells) is drawn in a frame box, for S x S frames. */
function drawnCentre(box: Box, size: number, rows: number, cols: number, cell: number, span = 1, keyCols = cols): { x: number; y: number } {
  const i = Math.floor(cell / keyCols);
  const j = cell % keyCols;
  const y = ((i + 0.5) * span * size) / rows;
  const x = ((j + 0.5) * span * size) / cols;
  return { x: box.x + (x * box.width) / size, y: box.y + (y * box.height) / size };
}

/**
 * Asserts that arrow heads of `colour` lie at exactly the `expected` (frame, cell) positions of a panel:
 * at each of them, and at no other cell centre of any frame (the query's own cell, where every shaft
 * starts, excepted when it is not a target).
 */
function expectHeadsAt(
  image: PNG, frames: Box[], size: number, grid: { rows: number; cols: number; span?: number; keyCols?: number },
  expected: { frame: number; cell: number }[], colour: string, query: { frame: number; cell: number },
): void {
  const rgb = hex(colour);
  const span = grid.span ?? 1;
  const keyCols = grid.keyCols ?? grid.cols;
  const keyRows = Math.floor(grid.rows / span);
  const wanted = new Set(expected.map((e) => `${e.frame}:${e.cell}`));
  for (let t = 0; t < frames.length; t++) {
    for (let cell = 0; cell < keyRows * keyCols; cell++) {
      const { x, y } = drawnCentre(frames[t], size, grid.rows, grid.cols, cell, span, keyCols);
      const found = colourNear(image, x, y, rgb);
      const isTarget = wanted.has(`${t}:${cell}`);
      if (!isTarget && span === 1 && t === query.frame && cell === query.cell) continue;
      expect(found, `frame ${t} cell ${cell}: ${isTarget ? 'no arrow head' : 'an arrow head where none should be'}`).toBe(isTarget);
    }
  }
}

/** The height of the bar of `colour` in the column x, between top and bottom (pure pixels). */
function barHeight(image: PNG, x: number, top: number, bottom: number, colour: string): number {
  const rgb = hex(colour);
  let count = 0;
  for (let y = Math.floor(top); y <= Math.ceil(bottom); y++) {
    if (pixel(image, Math.round(x), y).every((v, c) => Math.abs(v - rgb[c]) <= 2)) count++;
  }
  return count;
}

// ------------------------------------------------------------------ the pieces

describe('topK and the top-k of maps', () => {
  it('orders by weight, largest first, ties by index, NaN last', () => {
    expect(topK([0.1, 0.5, 0.2, 0.5, NaN, 0.3], 4)).toEqual([1, 3, 5, 2]);
    expect(topK([3, 1], 5)).toEqual([0, 1]);
    expect(topK([1, 2], 0)).toEqual([]);
    expect(() => topK([1], -1)).toThrow(/k must be a non-negative integer/);
  });

  it('picks a row of a per-frame map and of a spatio-temporal map, keys split into frame and cell', () => {
    const position = randomMap([3, 4, 4], 5);
    const row = Array.from(position.data.subarray((2 * 4 + 1) * 4, (2 * 4 + 2) * 4));
    expect(spatialTopK(position, 2, 1, 2).map((t) => t.cell)).toEqual(sortedTop(row, 2));
    expect(spatialTopK(position, 2, 1, 2).every((t) => t.frame === 2)).toBe(true);

    // 3 frames of 4 queries and 2 keys each: query (frame 1, cell 3) is row 7.
    const st = randomMap([1, 12, 6], 6);
    const stRow = Array.from(st.data.subarray(7 * 6, 8 * 6));
    const got = spatioTemporalTopK(st, 3, 1, 3, 4);
    expect(got.map((t) => t.frame * 2 + t.cell)).toEqual(sortedTop(stRow, 4));
    expect(got[0].weight).toBeCloseTo(Math.max(...stRow), 6);
    expect(() => spatioTemporalTopK(st, 5, 0, 0)).toThrow(/one clip of 5 frames/);
    expect(() => spatialTopK(position, 3, 0)).toThrow(/frame 3 is outside 0..2/);
  });
});

describe('cells and the query point', () => {
  it('maps feature cells to the input pixels they cover', () => {
    const grid = { rows: 5, cols: 5 };
    expect(cellOfPixel(grid, 40, 40, 0, 0)).toBe(0);
    expect(cellOfPixel(grid, 40, 40, 20, 39)).toBe(2 * 5 + 4);
    expect(cellOfPixel(grid, 40, 40, 15, 16)).toBe(5 + 2);
    expect(cellCentre(grid, 2 * 5 + 4, 40, 40)).toEqual({ x: 36, y: 20 });
    // A 2x2-pooled key grid (subSample): key cell (1, 0) pools rows 2..3, columns 0..1 of the 5x5 map.
    expect(cellCentre(grid, 2, 40, 40, 2, 2)).toEqual({ x: 8, y: 24 });
    expect(() => cellOfPixel(grid, 40, 40, 40, 0)).toThrow(/outside the 40x40 frame/);
  });

  it('puts the automatic query on what moves: the cell farthest from its usual colour', () => {
    // A square shows in frame 2 only, in cell (2, 3): the cell whose colour changes, where it changes.
    const clip = makeClip(4, 40, (t, y, x) => (t === 2 && y >= 16 && y < 24 && x >= 24 && x < 32 ? SQUARE : [90, 90, 90]));
    const q = movingQueryPoint(clip, { rows: 5, cols: 5 });
    expect(q.frame).toBe(2);
    expect(cellOfPixel({ rows: 5, cols: 5 }, 40, 40, q.row, q.col)).toBe(2 * 5 + 3);
    // Nothing moves: the middle frame's centre cell.
    const still = makeClip(4, 40, () => [90, 90, 90]);
    expect(movingQueryPoint(still, { rows: 5, cols: 5 })).toEqual({ frame: 2, row: 20, col: 20 });
  });

  it('de-normalises frames back to their 8-bit colours', () => {
    const clip = movingSquareClip(3, 40);
    const frame = denormalizeFrame(clip, 1);
    expect([frame.width, frame.height]).toEqual([40, 40]);
    expect(Array.from(frame.data.subarray(0, 3))).toEqual(background(1));
    const inSquare = (20 * 40 + 12) * 3;
    expect(Array.from(frame.data.subarray(inSquare, inSquare + 3))).toEqual(SQUARE);
  });
});

// ------------------------------------------------------------------ the figure

describe('attentionFigure', () => {
  const T = 4;
  const S = 40;
  const grid = { rows: 5, cols: 5 };
  const frames = movingSquareClip(T, S);
  // Query: pixel (20, 12) of frame 1, cell (2, 1) = 11.
  const query: QueryPoint = { frame: 1, row: 20, col: 12 };
  const queryCell = 11;
  // The SSA map favours the query's own cell, so the fan includes an arrow from the query to itself.
  const ssaPosition = randomMap([T, 25, 25], 11, (f, q, k) => (f === 1 && q === queryCell && k === queryCell ? 6 : 0));
  const temporalWeights = [0.1, 0.4, 0.2, 0.3];
  const temporal = new Tensor(Float32Array.from({ length: T * T }, (_, i) => temporalWeights[i % T]), [1, T, T]);
  // The 3D map favours frame 3, so arrows land on frames other than the query's.
  const nlPosition = randomMap([1, T * 25, T * 25], 12, (_g, q, k) => (q === 25 + queryCell && Math.floor(k / 25) === 3 ? 1.5 : 0));
  const input: AttentionFigureInput = {
    frames,
    ssa: { maps: { position: ssaPosition, temporal }, grid, name: 'layer2.1', kind: 'SSA' },
    nonLocal3d: { maps: { position: nlPosition }, grid, name: 'layer2.1', kind: 'NonLocal(3d)' },
    queries: [query],
  };

  it('draws arrow heads at exactly the top-10 positions, the frames de-normalised, the temporal bars in proportion', () => {
    const { layout } = attentionFigureSvg(input);
    const image = decode(attentionFigure(input));
    expect([image.width, image.height]).toEqual([layout.width, layout.height]);
    expect(layout.width).toBeGreaterThan(T * 100);
    const section = layout.sections[0];

    const ssaRow = Array.from(ssaPosition.data.subarray((1 * 25 + queryCell) * 25, (1 * 25 + queryCell + 1) * 25));
    const ssaTop = sortedTop(ssaRow, 10);
    expect(ssaTop).toContain(queryCell);
    expectHeadsAt(image, section.ssa.frames, S, grid, ssaTop.map((cell) => ({ frame: 1, cell })), FIGURE_COLORS.ssaArrow,
      { frame: 1, cell: queryCell });

    const nlRow = Array.from(nlPosition.data.subarray((25 + queryCell) * 100, (25 + queryCell + 1) * 100));
    const nlTop = sortedTop(nlRow, 10).map((key) => ({ frame: Math.floor(key / 25), cell: key % 25 }));
    expect(new Set(nlTop.map((t) => t.frame)).size).toBeGreaterThan(1);
    const nlFrames = (section.nonLocal3d as { frames: Box[] }).frames;
    expectHeadsAt(image, nlFrames, S, grid, nlTop, FIGURE_COLORS.nonLocalArrow, { frame: 1, cell: queryCell });
    // Each panel's arrows are its own colour only.
    expectHeadsAt(image, section.ssa.frames, S, grid, [], FIGURE_COLORS.nonLocalArrow, { frame: 1, cell: queryCell });

    // The query point, red, at its cell's centre in both rows.
    for (const box of [section.ssa.frames[1], nlFrames[1]]) {
      const at = drawnCentre(box, S, 5, 5, queryCell);
      // Lower right of the centre: clear of a loop's head, which comes in from the upper right.
      expect(colourNear(image, at.x + 2, at.y + 2, hex(FIGURE_COLORS.query), 1)).toBe(true);
    }

    // Frames de-normalised: each frame's background and the square in their own 8-bit colours.
    for (let t = 0; t < T; t++) {
      // A corner of the frame shows its background (some corner is free of arrow heads).
      for (const box of [section.ssa.frames[t], nlFrames[t]]) {
        const corners = [[3, 3], [box.width - 3, 3], [3, box.height - 3], [box.width - 3, box.height - 3]];
        expect(corners.some(([dx, dy]) => colourNear(image, box.x + dx, box.y + dy, background(t), 2, 0)), `frame ${t}`).toBe(true);
      }
      // The square: rows 16..23, columns 8t..8t+7 (a head may cover its middle; not all of it).
      const box = nlFrames[t];
      const inSquare = { x: box.x + ((8 * t + 4) * box.width) / S, y: box.y + (21 * box.height) / S };
      expect(colourNear(image, inSquare.x, inSquare.y, SQUARE, 8, 0), `square in frame ${t}`).toBe(true);
    }

    // Temporal bars: heights in the ratio of the query frame's weights (largest = the full height).
    const bars = section.ssa.temporal;
    expect(bars).not.toBeNull();
    const { baseline, maxHeight } = bars as { baseline: number; maxHeight: number };
    const largest = Math.max(...temporalWeights);
    temporalWeights.forEach((w, t) => {
      const box = section.ssa.frames[t];
      const measured = barHeight(image, box.x + box.width / 2, baseline - maxHeight - 3, baseline - 1, FIGURE_COLORS.temporalBar);
      expect(Math.abs(measured - (maxHeight * w) / largest), `bar of frame ${t}: ${measured} px`).toBeLessThanOrEqual(1.5);
    });
  });

  it('draws SSA alone without a 3D non-local block, and the automatic query on the moving square', () => {
    const { ssa } = input;
    const { svg, layout } = attentionFigureSvg({ frames, ssa });
    expect(layout.sections[0].nonLocal3d).toBeNull();
    expect(svg).toContain('3D non-local: not drawn');
    expect(svg).toContain('SSA: spatial top-10');
    const q = layout.sections[0].query;
    // The square is where a frame's colour differs most from its usual colour: in the frame it is in.
    const cell = cellOfPixel(grid, S, S, q.row, q.col);
    expect(Math.floor(cell / 5)).toBe(2);
    expect(cell % 5).toBe(q.frame);
    const image = decode(attentionFigure({ frames, ssa }));
    expect([image.width, image.height]).toEqual([layout.width, layout.height]);
  });

  it('takes its colors as `colors`, and still as the British `colours` (`colors` wins)', () => {
    const { ssa } = input;
    expect(attentionFigureSvg({ frames, ssa, colors: { ssaArrow: '#123456' } }).svg).toContain('#123456');
    expect(attentionFigureSvg({ frames, ssa, colours: { ssaArrow: '#123456' } }).svg).toContain('#123456');
    const both = attentionFigureSvg({ frames, ssa, colours: { ssaArrow: '#123456' }, colors: { ssaArrow: '#654321' } }).svg;
    expect(both).toContain('#654321');
    expect(both).not.toContain('#123456');
  });

  it('draws one section per query, and says what is wrong with its input', () => {
    const { layout } = attentionFigureSvg({ ...input, queries: [query, { frame: 3, row: 5, col: 35 }], k: 3 });
    expect(layout.sections).toHaveLength(2);
    expect(layout.sections[1].ssa.targets).toHaveLength(3);
    expect(layout.sections[1].nonLocal3d?.queryCell).toBe(4);
    expect(() => attentionFigureSvg({ ...input, queries: [{ frame: 4, row: 0, col: 0 }] })).toThrow(/query frame 4 is outside 0..3/);
    expect(() => attentionFigureSvg({ ...input, ssa: { ...input.ssa, grid: { rows: 4, cols: 5 } } }))
      .toThrow(/position map should be \[4, 20, K\]/);
    expect(() => attentionFigureSvg({ ...input, nonLocal3d: input.ssa })).toThrow(/3D non-local block's position map should be \[1, 100, 4·K\]/);
    expect(() => attentionFigureSvg({ ...input, frameLabels: ['a'] })).toThrow(/1 frame labels for 4 frames/);
  });
});

// ------------------------------------------------------------------ from models

describe('captureAttention on tiny models', () => {
  const T = 4;
  const S = 40;
  const frames = movingSquareClip(T, S);
  const base = { depth: 18 as const, width: 4, numClasses: 3, numSegments: T };

  it('finds the blocks, keeps the chosen one\'s maps for one pass and puts the model back as it was', () => {
    manualSeed(3);
    const model = createModel({ ...base, arch: 'ssan', ssa: { initStd: 0.5 } });
    expect(attentionBlocks(model).map((b) => b.name)).toEqual(['layer2.1', 'layer3.1']);
    const maps = captureAttention(model, frames);
    // 40 px -> stem 10 -> layer2 5x5.
    expect(maps.grid).toEqual({ rows: 5, cols: 5 });
    expect(maps.name).toBe('layer2.1');
    expect(maps.kind).toBe('SSA');
    expect(maps.maps.position?.shape).toEqual([T, 25, 25]);
    expect(maps.maps.temporal?.shape).toEqual([1, T, T]);
    const module = attentionBlocks(model)[0].module as SSA;
    expect(module.keepAttention).toBe(false);
    expect(module.attentionMaps).toBeNull();
    expect(Object.prototype.hasOwnProperty.call(module, 'forward')).toBe(false);
    expect(model.training).toBe(true);
    expect(captureAttention(model, frames, { block: 'layer3.1' }).grid).toEqual({ rows: 3, cols: 3 });
    expect(() => captureAttention(model, frames, { block: 'layer4.0' })).toThrow(/no attention block "layer4.0"; the model has layer2.1, layer3.1/);
    expect(() => captureAttention(model, movingSquareClip(2, S))).toThrow(/the clip has 2 frames; the model takes 4/);
    expect(() => captureAttention(createModel({ ...base, arch: 'tsn' }), frames)).toThrow(/no attention block/);
  });

  it('draws the figure of an SSA and a 3D non-local model with the arrows at their maps\' top-10', () => {
    manualSeed(4);
    const ssan = createModel({ ...base, arch: 'ssan', ssa: { initStd: 0.5 } });
    const nl = createModel({ ...base, arch: 'nl3d', nl: { initStd: 0.5 } });
    const ssa: BlockAttention = captureAttention(ssan, frames);
    const nonLocal3d = captureAttention(nl, frames);
    expect(nonLocal3d.maps.position?.shape).toEqual([1, T * 25, T * 25]);
    const query = { frame: 2, row: 21, col: 19 };
    const cell = 2 * 5 + 2;
    const { layout } = attentionFigureSvg({ frames, ssa, nonLocal3d, queries: [query] });
    const image = decode(attentionFigure({ frames, ssa, nonLocal3d, queries: [query] }));
    expect([image.width, image.height]).toEqual([layout.width, layout.height]);
    const section = layout.sections[0];

    const ssaMap = ssa.maps.position as Tensor;
    const ssaTop = sortedTop(ssaMap.data.subarray((2 * 25 + cell) * 25, (2 * 25 + cell + 1) * 25), 10);
    expectHeadsAt(image, section.ssa.frames, S, { rows: 5, cols: 5 }, ssaTop.map((c) => ({ frame: 2, cell: c })),
      FIGURE_COLORS.ssaArrow, { frame: 2, cell });
    const nlMap = nonLocal3d.maps.position as Tensor;
    const nlTop = sortedTop(nlMap.data.subarray((2 * 25 + cell) * 100, (2 * 25 + cell + 1) * 100), 10)
      .map((key) => ({ frame: Math.floor(key / 25), cell: key % 25 }));
    expectHeadsAt(image, (section.nonLocal3d as { frames: Box[] }).frames, S, { rows: 5, cols: 5 }, nlTop,
      FIGURE_COLORS.nonLocalArrow, { frame: 2, cell });

    // The temporal bars follow the model's temporal map.
    const weights = Array.from((ssa.maps.temporal as Tensor).data.subarray(2 * T, 3 * T));
    expect(section.ssa.temporal?.weights).toEqual(weights);
  });

  it('puts arrows of a 3D non-local block with 2x2-pooled keys at the pooled cells\' centres', () => {
    manualSeed(5);
    const nl = createModel({ ...base, arch: 'nl3d', nl: { initStd: 0.5, subSample: true } });
    const ssan = createModel({ ...base, arch: 'ssan', ssa: { initStd: 0.5 } });
    const nonLocal3d = captureAttention(nl, frames);
    // 5x5 queries, 2x2 keys per frame.
    expect(nonLocal3d.maps.position?.shape).toEqual([1, T * 25, T * 4]);
    const query = { frame: 0, row: 4, col: 4 };
    const input = { frames, ssa: captureAttention(ssan, frames), nonLocal3d, queries: [query] };
    const { layout } = attentionFigureSvg(input);
    const image = decode(attentionFigure(input));
    const nlMap = nonLocal3d.maps.position as Tensor;
    const nlTop = sortedTop(nlMap.data.subarray(0, 16), 10).map((key) => ({ frame: Math.floor(key / 4), cell: key % 4 }));
    expectHeadsAt(image, (layout.sections[0].nonLocal3d as { frames: Box[] }).frames, S, { rows: 5, cols: 5, span: 2, keyCols: 2 },
      nlTop, FIGURE_COLORS.nonLocalArrow, { frame: 0, cell: -1 });
  });
});
