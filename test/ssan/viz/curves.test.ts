/**
 * Training curves: the long table taken from metrics.jsonl records, and the picture of two runs decoded
 * back, each run's line colour in it.
 */
import { describe, expect, it } from 'vitest';
import { curvePoints, curvesPng, curvesSpec, RUN_COLOURS } from '../../../src/ssan/viz/curves';
import { decodePng } from './pixels';

/** A run's metrics.jsonl lines: loss falling, accuracy rising, the lr decayed tenfold at epoch 4. */
function records(epochs: number, skill: number): Record<string, unknown>[] {
  return Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1,
    trainLoss: 2 / (i + 1),
    valLoss: 2.2 / (i + 1),
    valTop1: Math.min(1, skill * (i + 1)),
    valTop5: Math.min(1, 2 * skill * (i + 1)),
    lr: i < 3 ? 0.01 : 0.001,
    perClassTop1: [0.5, null],
  }));
}

describe('training curves', () => {
  it('takes every recorded number into its panel, training top-1 too when recorded, and leaves out what a log axis cannot show', () => {
    const points = curvePoints([
      { name: 'a', records: [{ epoch: 1, trainLoss: 1, valLoss: 2, valTop1: 0.5, valTop5: 0.9, trainTop1: 0.6, lr: 0, seconds: 3 }] },
      { name: 'b', records: [{ epoch: 1, trainLoss: NaN, valLoss: 1.5, lr: 0.1 }, { note: 'no epoch' }] },
    ]);
    const rows = points.map((p) => `${p.run} ${p.panel} ${p.split} ${p.value}`);
    expect(rows).toEqual([
      'a loss train 1', 'a loss validation 2', 'a top-1 train 0.6', 'a top-1 validation 0.5', 'a top-5 validation 0.9',
      'b loss validation 1.5', 'b learning rate train 0.1',
    ]);
  });

  it('draws two runs overlaid, each in its own colour, and one run of a single epoch', async () => {
    const picture = decodePng(await curvesPng([{ name: 'ssan', records: records(6, 0.12) }, { name: 'tsn', records: records(6, 0.08) }]));
    expect(picture.width).toBeGreaterThan(600);
    expect(picture.width).toBeLessThan(1000);
    expect(picture.height).toBeGreaterThan(450);
    expect(picture.height).toBeLessThan(800);
    // Four panels of lines and points in each run's colour; a colour no run has is absent.
    expect(picture.pixelsOf(RUN_COLOURS[0]).length).toBeGreaterThan(500);
    expect(picture.pixelsOf(RUN_COLOURS[1]).length).toBeGreaterThan(500);
    expect(picture.pixelsOf(RUN_COLOURS[2])).toHaveLength(0);

    // After the first epoch of a run there is one point per panel, still to be seen.
    const first = decodePng(await curvesPng([{ name: 'new run', records: records(1, 0.1) }]));
    expect(first.pixelsOf(RUN_COLOURS[0]).length).toBeGreaterThan(20);
  });

  it('refuses no runs and two runs of one name', () => {
    expect(() => curvesSpec([])).toThrow('at least one run');
    expect(() => curvesSpec([{ name: 'a', records: [] }, { name: 'a', records: [] }])).toThrow("two runs are named 'a'");
  });
});

describe('ssan.viz', () => {
  it('is the package\'s way to the pictures', async () => {
    const { ssan } = await import('../../../src');
    for (const name of ['curvesPng', 'perClassPng', 'confusionPng', 'confusionMatrix', 'chartToPng', 'svgToPng', 'vegaLiteToSvg'] as const) {
      expect(typeof ssan.viz[name]).toBe('function');
    }
  });
});
