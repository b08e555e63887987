/**
 * fit's onEpochEnd hook: called once per validated epoch, after the epoch's metrics line and checkpoints
 * are written (what a hook drawing curves reads), awaited before the next epoch, and its error ends the run
 * with the epoch kept.
 */
import fs from 'fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readCheckpointInfo } from '../../../src/optim/checkpoint';
import { fit, paperRecipe, type EpochMetrics } from '../../../src/ssan/train';
import { readJsonLines } from '../../../src/train';
import { makeTempDirs, quiet, sources, tapped, tinyModel } from './fit-helpers';

const temp = makeTempDirs('fit-epoch-end-');
afterEach(temp.removeAll);
const recipe = paperRecipe({ batchSize: 4, lr: 0.05 });

describe('fit onEpochEnd', () => {
  it('is called after each epoch with its metrics, once metrics.jsonl and last.safetensors hold that epoch, and awaited', async () => {
    const out = temp.make();
    const events: string[] = [];
    const seen: { epoch: number; lines: number; checkpointEpoch: number }[] = [];
    const { train, val } = sources();
    const result = await fit({
      model: tinyModel(), val, numClasses: 2, epochs: 2, outDir: out, recipe, ...quiet,
      train: tapped(train, (epoch, batch) => events.push(`epoch ${epoch + 1} batch ${batch}`)),
      onEpochEnd: async (metrics: EpochMetrics, files) => {
        seen.push({ epoch: metrics.epoch, lines: readJsonLines(files.metrics).length, checkpointEpoch: readCheckpointInfo(files.last).epoch });
        await new Promise((resolve) => setTimeout(resolve, 20));
        events.push(`hook ${metrics.epoch} done`);
      },
    });
    expect(result.status).toBe('done');
    expect(seen).toEqual([{ epoch: 1, lines: 1, checkpointEpoch: 1 }, { epoch: 2, lines: 2, checkpointEpoch: 2 }]);
    // The next epoch's first batch waits for the hook.
    expect(events.filter((e) => e.startsWith('hook') || e.endsWith('batch 0'))).toEqual([
      'epoch 1 batch 0', 'hook 1 done', 'epoch 2 batch 0', 'hook 2 done',
    ]);
  });

  it('an error it throws ends the run with that error, the epoch saved', async () => {
    const out = temp.make();
    const { train, val } = sources();
    await expect(fit({
      model: tinyModel(), train, val, numClasses: 2, epochs: 3, outDir: out, recipe, ...quiet,
      onEpochEnd: () => {
        throw new Error('hook failed');
      },
    })).rejects.toThrow('hook failed');
    expect(readJsonLines(`${out}/metrics.jsonl`).map((m) => m.epoch)).toEqual([1]);
    expect(readCheckpointInfo(`${out}/last.safetensors`).epoch).toBe(1);
    expect(fs.existsSync(`${out}/best.safetensors`)).toBe(true);
  });
});
