/**
 * Figure 1 from checkpoints: tiny SSA and 3D non-local ResNet-18s saved with their run settings, as
 * examples/train-sth.ts saves them, on a tiny synthetic set; the figure is drawn for a validation clip
 * (the clip evaluation feeds the model), with or without the non-local checkpoint, and mismatched
 * checkpoints are refused with a message.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed } from '../../../src/tensor/random';
import { saveCheckpoint, type StateValue } from '../../../src/optim/checkpoint';
import { generateSyntheticSth } from '../../../src/ssan/data';
import { centerSegmentIndices } from '../../../src/ssan/data/sampling';
import { openTrainVal, type TrainValSplits } from '../../../src/ssan/train/datasets';
import { buildModel, describeData, type ExperimentConfig, type RunSettings } from '../../../src/ssan/train/experiment';
import { paperRecipe } from '../../../src/ssan/train/recipe';
import { attentionFigureFromCheckpoint } from '../../../src/ssan/viz/attention';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-figure-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const data = path.join(root, 'data');
let splits: TrainValSplits;

/** Saves an untrained model of `config` with run settings, as fit() does for train-sth.ts. */
function checkpoint(name: string, overrides: Partial<ExperimentConfig>): string {
  const config: ExperimentConfig = {
    arch: 'ssan', depth: 18, width: 4, numClasses: 12, numSegments: 4, dropout: 0.5, aug: 'paper', resize: 48, crop: 40,
    flip: false, attnInitStd: 0.5, ...overrides,
  };
  const run: RunSettings = { config, recipe: paperRecipe(), epochs: 1, seed: 0, data: describeData(splits) };
  const file = path.join(root, `${name}.safetensors`);
  saveCheckpoint(file, { model: buildModel(config), epoch: 1, step: 2, extra: { config: run as unknown as StateValue } });
  return file;
}

let ssaFile: string;
let nlFile: string;

beforeAll(() => {
  generateSyntheticSth({ root: data, trainPerClass: 1, valPerClass: 1, minFrames: 8, maxFrames: 8, width: 48, height: 48 });
  splits = openTrainVal({ root: data, format: 'sthv1' });
  manualSeed(7);
  ssaFile = checkpoint('ssan', {});
  nlFile = checkpoint('nl3d', { arch: 'nl3d' });
});

function decode(png: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(png));
}

describe('attentionFigureFromCheckpoint', () => {
  it('draws SSA alone for a validation clip, and says the 3D non-local panel is missing', () => {
    const figure = attentionFigureFromCheckpoint(ssaFile, { videoIndex: 2 });
    const record = splits.val.records[2];
    expect(figure.video).toEqual({
      index: 2, id: record.id, className: splits.val.classes[record.label], frameIndices: centerSegmentIndices(record.numFrames, 4),
    });
    const image = decode(figure.png);
    expect([image.width, image.height]).toEqual([figure.layout.width, figure.layout.height]);
    expect(figure.layout.sections[0].nonLocal3d).toBeNull();
    expect(figure.svg).toContain("3D non-local: not drawn, no checkpoint of arch 'nl3d' was given");
    expect(figure.svg).toContain(`validation video ${record.id}`);
    // 40 px crops: the first SSA block (layer2.1) attends over 5x5 cells; the query is on its grid.
    expect(figure.layout.sections[0].ssa.targets).toHaveLength(10);
    expect(figure.query.frame).toBeGreaterThanOrEqual(0);
  });

  it('adds the 3D non-local panel from an nl3d checkpoint, at the query given', () => {
    const query = { frame: 1, row: 10, col: 30 };
    const figure = attentionFigureFromCheckpoint(ssaFile, { nlCheckpoint: nlFile, query, splits });
    expect(figure.query).toEqual(query);
    const section = figure.layout.sections[0];
    expect(section.nonLocal3d?.targets).toHaveLength(10);
    // Pixel (10, 30) of a 40x40 frame is cell (1, 3) of the 5x5 map.
    expect(section.ssa.queryCell).toBe(8);
    expect(section.nonLocal3d?.queryCell).toBe(8);
    const image = decode(figure.png);
    expect([image.width, image.height]).toEqual([figure.layout.width, figure.layout.height]);
    expect(figure.svg).not.toContain('not drawn');
  });

  it('refuses checkpoints that do not fit the figure', () => {
    expect(() => attentionFigureFromCheckpoint(nlFile, { splits })).toThrow(/is of arch 'nl3d'; the figure's first panel needs 'ssan'/);
    expect(() => attentionFigureFromCheckpoint(ssaFile, { nlCheckpoint: ssaFile, splits })).toThrow(/it must be 'nl3d'/);
    const otherCrop = checkpoint('nl3d-crop32', { arch: 'nl3d', crop: 32 });
    expect(() => attentionFigureFromCheckpoint(ssaFile, { nlCheckpoint: otherCrop, splits }))
      .toThrow(/the two checkpoints see different clips \(T = 4, aug paper, resize 48, crop 40 against T = 4, aug paper, resize 48, crop 32\)/);
    expect(() => attentionFigureFromCheckpoint(ssaFile, { videoIndex: 99, splits })).toThrow(/videoIndex 99 is outside 0..11/);
  });
});
