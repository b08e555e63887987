/**
 * The per-class comparison (the paper's Figure 4): differences sorted, classes without a score left out,
 * and the picture decoded back: one bar per class, the longest at the top in run A's colour, B's below.
 */
import { describe, expect, it } from 'vitest';
import {
  A_AHEAD_COLOUR, B_AHEAD_COLOUR, lastPerClassTop1, perClassDifferences, perClassPng, perClassSpec,
} from '../../../src/ssan/viz/per-class';
import { decodePng, rowBands } from './pixels';

const classes = ['Pushing something from left to right', 'Tearing something into two pieces', 'Something falling like a rock',
  'Pretending to pour something out of something, but something is empty', 'Moving something up'];
const ssan = { name: 'SSAN', perClass: [0.9, 0.7, 0.4, 0.2, null] };
const tsn = { name: 'TSN', perClass: [0.3, 0.4, 0.6, 0.6, 0.7] };

describe('per-class comparison', () => {
  it('sorts the differences A minus B, largest first, leaving out classes either run has no score for', () => {
    const rows = perClassDifferences(classes, ssan, tsn);
    expect(rows.map((r) => r.classIndex)).toEqual([0, 1, 2, 3]);
    expect(rows.map((r) => r.difference)).toEqual([0.9 - 0.3, 0.7 - 0.4, 0.4 - 0.6, 0.2 - 0.6]);
    expect(() => perClassDifferences(classes.slice(1), ssan, tsn)).toThrow("run 'SSAN' has scores for 5 classes; 4 class names were given");
    expect(() => perClassSpec(classes, ssan, { ...tsn, name: 'SSAN' })).toThrow("both runs are named 'SSAN'");
  });

  it('reads the last epoch of a run\'s metrics, and says when it has none', () => {
    expect(lastPerClassTop1([{ epoch: 1, perClassTop1: [0, 1] }, { epoch: 2, perClassTop1: [0.5, null] }])).toEqual([0.5, null]);
    expect(() => lastPerClassTop1([], 'runs/a')).toThrow('runs/a has no finished epoch');
    expect(() => lastPerClassTop1([{ epoch: 3 }], 'runs/a')).toThrow('the last epoch of runs/a (epoch 3) records no perClassTop1');
  });

  it('draws a bar per class: the largest lead of A longest and on top in A\'s colour, B\'s leads below in the other', async () => {
    const picture = decodePng(await perClassPng(classes, ssan, tsn));
    expect(picture.width).toBeGreaterThan(700);
    expect(picture.width).toBeLessThan(1200);
    expect(picture.height).toBeGreaterThan(150);
    expect(picture.height).toBeLessThan(400);
    // The legend swatches are small squares; bars are wider than tall.
    const bars = (colour: string) => rowBands(picture.pixelsOf(colour)).filter((b) => b.right - b.left > 2 * (b.bottom - b.top + 1));
    const ahead = bars(A_AHEAD_COLOUR);
    const behind = bars(B_AHEAD_COLOUR);
    expect(ahead).toHaveLength(2);
    expect(behind).toHaveLength(2);
    const length = (b: { left: number; right: number }) => b.right - b.left + 1;
    // +60 points, +30, then -20, -40: A's bars above B's, lengths in proportion.
    expect(ahead[0].bottom).toBeLessThan(ahead[1].top);
    expect(ahead[1].bottom).toBeLessThan(behind[0].top);
    expect(behind[0].bottom).toBeLessThan(behind[1].top);
    expect(length(ahead[0])).toBeGreaterThan(length(behind[1]));
    expect(length(ahead[0]) / length(ahead[1])).toBeCloseTo(2, 1);
    expect(length(behind[1]) / length(behind[0])).toBeCloseTo(2, 1);
    // A's bars grow right from the zero line, B's left.
    expect(ahead[0].left).toBeGreaterThan(behind[1].right - 2);
  });
});
