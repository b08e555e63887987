import fs from 'fs';
import path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { manualSeed } from '../../../src';
import { readCheckpointInfo } from '../../../src/optim/checkpoint';
import { fit, paperRecipe, TrainingDivergedError, type BatchSource } from '../../../src/ssan/train';
import { readJsonLines } from '../../../src/train';
import { makeTempDirs, quiet, sources, stateOf, tinyModel, withoutTimes } from './fit-helpers';

const temp = makeTempDirs('fit-');
const tempDir = temp.make;
afterEach(temp.removeAll);

describe('fit', () => {
  it('runs two epochs: metrics.jsonl lines with fractions, last and best checkpoints', async () => {
    const out = tempDir();
    const model = tinyModel();
    const { train, val } = sources();
    const result = await fit({
      model, train, val, numClasses: 2, epochs: 2, outDir: out, ...quiet,
      recipe: paperRecipe({ batchSize: 4, lr: 0.05 }),
    });
    expect(result.status).toBe('done');
    expect(result.history).toHaveLength(2);
    const lines = readJsonLines(path.join(out, 'metrics.jsonl'));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2]);
    for (const line of lines) {
      for (const key of ['trainLoss', 'valLoss', 'valTop1', 'valTop5', 'lr']) expect(Number.isFinite(line[key])).toBe(true);
      expect(line.valTop1).toBeGreaterThanOrEqual(0);
      expect(line.valTop1).toBeLessThanOrEqual(1);
      expect(line.valTop5).toBe(1); // two classes: the true one is always in the top 5
      expect((line.perClassTop1 as number[]).length).toBe(2);
    }
    // Warm-up: the first epoch's lr ends at the full lr (3 steps per epoch).
    expect(lines[0].lr).toBeCloseTo(0.05, 10);
    expect(fs.existsSync(path.join(out, 'last.safetensors'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'best.safetensors'))).toBe(true);
    expect(result.best?.epoch).toBeGreaterThanOrEqual(1);
  });

  it('resumes exactly: stopped mid-epoch and continued gives the weights and metrics of an unbroken run', async () => {
    const recipe = paperRecipe({ batchSize: 4, lr: 0.05, accumulate: 2 });
    const whole = tempDir();
    const a = tinyModel();
    let s = sources();
    await fit({ model: a, train: s.train, val: s.val, numClasses: 2, epochs: 2, outDir: whole, recipe, ...quiet });

    const broken = tempDir();
    s = sources();
    const first = await fit({
      model: tinyModel(), train: s.train, val: s.val, numClasses: 2, epochs: 2, outDir: broken, recipe, ...quiet,
      stopAfterSteps: 3, // 2 steps per epoch (3 batches, accumulate 2): stops inside epoch 2
    });
    expect(first.status).toBe('interrupted');
    expect(readJsonLines(path.join(broken, 'metrics.jsonl'))).toHaveLength(1);
    s = sources();
    const b = tinyModel(); // other weights and generator state until the checkpoint is loaded
    manualSeed(99);
    const second = await fit({
      model: b, train: s.train, val: s.val, numClasses: 2, epochs: 2, outDir: broken, recipe, resume: true, ...quiet,
    });
    expect(second.status).toBe('done');
    expect(stateOf(b)).toEqual(stateOf(a));
    expect(withoutTimes(readJsonLines(path.join(broken, 'metrics.jsonl')))).toEqual(
      withoutTimes(readJsonLines(path.join(whole, 'metrics.jsonl'))),
    );
  });

  it('stops on a NaN loss with a clear error and keeps the last good checkpoint', async () => {
    const out = tempDir();
    const { train, val } = sources();
    // From the second epoch on, every clip is NaN: the loss becomes NaN at that epoch's first batch.
    const poisoned: BatchSource = {
      batchesPerEpoch: train.batchesPerEpoch,
      lastEpochSkipped: [],
      async *epoch(epoch, opts) {
        for await (const batch of train.epoch(epoch, opts)) {
          yield epoch === 0 ? batch : { ...batch, clips: batch.clips.mul(NaN) };
        }
      },
    };
    const recipe = paperRecipe({ batchSize: 4, lr: 0.05 });
    await expect(
      fit({ model: tinyModel(), train: poisoned, val, numClasses: 2, epochs: 3, outDir: out, recipe, ...quiet }),
    ).rejects.toThrow(TrainingDivergedError);
    await expect(
      fit({ model: tinyModel(), train: poisoned, val, numClasses: 2, epochs: 3, outDir: out, recipe, resume: true, ...quiet }),
    ).rejects.toThrow(/loss became NaN in epoch 2 after 3 optimizer steps; stopped without saving: the last good checkpoint is .*last.safetensors \(1 epochs done\)/);
    expect(readCheckpointInfo(path.join(out, 'last.safetensors')).epoch).toBe(1);
    expect(readJsonLines(path.join(out, 'metrics.jsonl'))).toHaveLength(1);
  });

  it('refuses to resume when there is no checkpoint', async () => {
    const { train, val } = sources();
    await expect(
      fit({ model: tinyModel(), train, val, numClasses: 2, epochs: 1, outDir: tempDir(), recipe: paperRecipe({ batchSize: 4 }), resume: true, ...quiet }),
    ).rejects.toThrow(/cannot resume: .* holds no checkpoint \(last.safetensors\); check the folder \(--out\), or start a new run without resume/);
  });
});
