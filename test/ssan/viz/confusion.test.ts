/**
 * The confusion matrix: counted from predictions as top-1 counts them, and drawn so that a perfect
 * classifier's diagonal cells, and only they, are the darkest; 174 classes still get a cell each.
 */
import { describe, expect, it } from 'vitest';
import {
  confusionMatrix, confusionPng, confusionSpec, EMPTY_CELL_COLOUR, FULL_CELL_COLOUR,
} from '../../../src/ssan/viz/confusion';
import { SYNTHETIC_CLASSES } from '../../../src/ssan/data/synthetic';
import { decodePng, rowBands } from './pixels';

/** Predictions as predict() gives them: per video, log-probabilities and the label. */
function predictions(numClasses: number, videos: { label: number; scores: number[] }[]) {
  return {
    numClasses,
    logProbs: new Map(videos.map((v, i) => [i, Float64Array.from(v.scores)])),
    labels: new Map(videos.map((v, i) => [i, v.label])),
  };
}

/** A perfect classifier's counts: `perClass` videos of each class, all on the diagonal. */
function diagonal(n: number, perClass: number): number[][] {
  return Array.from({ length: n }, (_, t) => Array.from({ length: n }, (_, p) => (t === p ? perClass : 0)));
}

describe('confusion matrix', () => {
  it('counts true rows against predicted columns, the first of equal scores predicted', () => {
    const counts = confusionMatrix(predictions(3, [
      { label: 0, scores: [-0.1, -3, -3] },
      { label: 0, scores: [-3, -0.1, -3] },
      { label: 2, scores: [-1, -1, -1] }, // a tie: class 0, as top-1 counts it
      { label: 1, scores: [-3, -0.2, -2] },
    ]));
    expect(counts).toEqual([[1, 1, 0], [0, 1, 0], [1, 0, 0]]);
    expect(() => confusionSpec(['a', 'b'], [[1, 0]])).toThrow('expected a 2 x 2 matrix of counts for 2 class names');
  });

  it('draws a perfect classifier with its diagonal cells the darkest, down from top left, the rest empty', async () => {
    const n = SYNTHETIC_CLASSES.length;
    const picture = decodePng(await confusionPng(SYNTHETIC_CLASSES, diagonal(n, 20)));
    expect(picture.width).toBeGreaterThan(n * 26);
    expect(picture.width).toBeLessThan(1400);
    expect(picture.height).toBeGreaterThan(n * 26);
    expect(picture.height).toBeLessThan(1400);
    // The legend's gradient ends in the darkest colour too: only the cells are wider than a few pixels.
    const cells = rowBands(picture.pixelsOf(FULL_CELL_COLOUR)).filter((b) => b.right - b.left > 20);
    expect(cells).toHaveLength(n);
    cells.forEach((cell, k) => {
      const size = cell.bottom - cell.top + 1;
      expect(cell.right - cell.left + 1).toBeCloseTo(size, -1);
      // Each row's dark cell is one cell further right than the row above's.
      if (k > 0) expect(cell.left - cells[k - 1].left).toBeCloseTo(cell.top - cells[k - 1].top, -1);
    });
    // The off-diagonal cells are white: (n^2 - n) cells' worth of it, and more around the chart.
    const cellArea = (cells[0].bottom - cells[0].top) ** 2;
    expect(picture.pixelsOf(EMPTY_CELL_COLOUR).length).toBeGreaterThan((n * n - n) * cellArea * 0.9);
  });

  it('shades by the share of each true class with rates: a class always right is darkest however few its videos', async () => {
    // Class 0: 2 videos, both right; class 1: 40 videos, 30 right.
    const counts = [[2, 0, 0], [10, 30, 0], [0, 0, 0]];
    const darkRows = async (rates: boolean) => rowBands(decodePng(await confusionPng(['a', 'b', 'c'], counts, { rates })).pixelsOf(FULL_CELL_COLOUR))
      .filter((b) => b.right - b.left > 20);
    const byRate = await darkRows(true);
    const byCount = await darkRows(false);
    expect(byRate).toHaveLength(1);
    expect(byCount).toHaveLength(1);
    // By rate the top row's cell (class 0, 100%) is the darkest; by count the second row's (30 videos).
    expect(byRate[0].top).toBeLessThan(byCount[0].top);
  });

  it('gives 174 classes a cell each, every name whole on both axes in the classes\' order', async () => {
    const names = Array.from({ length: 174 }, (_, k) => `Pretending to put something somewhere ${k}`);
    type Axis = { sort: string[]; axis: { labelLimit: number; labelFontSize: number } };
    const spec = confusionSpec(names, diagonal(174, 3)) as {
      width: { step: number }; data: { values: unknown[] }; encoding: { x: Axis; y: Axis };
    };
    expect(spec.data.values).toHaveLength(174 * 174);
    expect(spec.width.step).toBeGreaterThanOrEqual(11);
    for (const axis of [spec.encoding.x, spec.encoding.y]) {
      expect(axis.sort).toEqual(names);
      expect(axis.axis.labelLimit).toBe(0); // no limit: names are never cut
      expect(axis.axis.labelFontSize).toBeLessThan(spec.width.step);
    }
    const picture = decodePng(await confusionPng(names, diagonal(174, 3)));
    expect(picture.width).toBeGreaterThan(174 * 11);
    expect(picture.height).toBeGreaterThan(174 * 11);
    expect(rowBands(picture.pixelsOf(FULL_CELL_COLOUR)).length).toBeGreaterThan(0);
  });
});
