/**
 * The whole pipeline on a tiny synthetic set on disk: generator -> V1 reader -> decode-ahead loaders ->
 * two epochs of fit -> a checkpoint that rebuilds and re-evaluates to the same validation numbers.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { manualSeed } from '../../src';
import { loadCheckpoint } from '../../src/optim/checkpoint';
import { generateSyntheticSth, readSthV1 } from '../../src/ssan/data';
import { buildModel, evalLoader, evaluate, ExperimentConfig, fit, paperRecipe, trainLoader,  } from '../../src/ssan/train';
import { readJsonLines } from '../../src/train';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'smoke-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('two-epoch smoke run on a tiny synthetic Something-Something set', () => {
  it('trains, writes metrics and checkpoints, and the best checkpoint re-evaluates to its numbers', async () => {
    const data = path.join(root, 'data');
    generateSyntheticSth({ root: data, trainPerClass: 2, valPerClass: 1, minFrames: 4, maxFrames: 6, width: 20, height: 20 });
    const train = readSthV1(data, 'train');
    const val = readSthV1(data, 'validation');
    expect(train.records).toHaveLength(24);
    expect(val.records).toHaveLength(12);

    const config: ExperimentConfig = {
      arch: 'ssan', depth: 18, width: 2, numClasses: 12, numSegments: 3, placement: { layer2: [0] },
      dropout: 0.5, aug: 'paper', resize: 20, crop: 16, flip: false,
    };
    manualSeed(0);
    const model = buildModel(config);
    const settings = { batchSize: 6, seed: 0, workers: 1 };
    const trainSource = trainLoader(train, config, settings);
    const valSource = evalLoader(val, config, settings);
    const out = path.join(root, 'run');
    try {
      const result = await fit({
        model, train: trainSource, val: valSource, numClasses: 12, epochs: 2, outDir: out,
        recipe: paperRecipe({ batchSize: 6, lr: 0.01 }), config: { config },
        log: () => {}, progress: null, handleInterrupt: false,
      });
      expect(result.status).toBe('done');
      const lines = readJsonLines(path.join(out, 'metrics.jsonl'));
      expect(lines.map((l) => l.epoch)).toEqual([1, 2]);
      expect(lines.every((l) => l.trainClips === 24 && l.trainSkipped === 0 && l.valSkipped === 0)).toBe(true);

      const again = buildModel(config);
      loadCheckpoint(path.join(out, 'best.safetensors'), { model: again });
      const scored = await evaluate(again, valSource, { numClasses: 12 });
      const best = lines.find((l) => l.epoch === result.best!.epoch)!;
      expect(scored.count).toBe(12);
      expect(scored.top1).toBe(best.valTop1);
      expect(scored.loss).toBeCloseTo(best.valLoss as number, 5);
    } finally {
      await Promise.all([trainSource.close(), valSource.close()]);
    }
  });
});
