/**
 * The output folder and the options that go with it: an earlier run is never deleted without overwrite,
 * and a wrong epochs, a file for a folder or a resume without a checkpoint get a message that says what
 * to do. Also an epoch in which every video was skipped (no optimizer step): an error, nothing saved.
 */
import fs from 'fs';
import path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { fit, paperRecipe, type BatchSource, type FitOptions } from '../../../src/ssan/train';
import { readJsonLines } from '../../../src/train';
import { makeTempDirs, quiet, sources, tinyModel } from './fit-helpers';

const temp = makeTempDirs('fit-folder-');
afterEach(temp.removeAll);

const recipe = paperRecipe({ batchSize: 4, lr: 0.05 });

function run(outDir: string, more: Partial<FitOptions> = {}, log: string[] = []) {
  const { train, val } = sources();
  return fit({ model: tinyModel(), train, val, numClasses: 2, epochs: 1, outDir, recipe, ...quiet, log: (l) => log.push(l), ...more });
}

function contents(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]));
}

describe('fit and the output folder', () => {
  it('refuses a folder that holds a run unless resumed or overwritten, and changes nothing', async () => {
    const out = temp.make();
    await run(out);
    const before = contents(out);
    await expect(run(out)).rejects.toThrow(
      `fit: ${out} already holds a training run (last.safetensors, best.safetensors, metrics.jsonl); continue it with resume (--resume), ` +
        'replace it with overwrite (--overwrite), or choose another output folder (--out)',
    );
    expect(contents(out)).toEqual(before);
    // metrics.jsonl alone is a run too (one killed before its first checkpoint).
    const metricsOnly = temp.make();
    fs.writeFileSync(path.join(metricsOnly, 'metrics.jsonl'), '{"epoch":1}\n');
    await expect(run(metricsOnly)).rejects.toThrow(/already holds a training run \(metrics.jsonl\)/);
    expect(fs.readFileSync(path.join(metricsOnly, 'metrics.jsonl'), 'utf8')).toBe('{"epoch":1}\n');
  });

  it('overwrite replaces the earlier run and says so; a folder without a run needs neither option', async () => {
    const out = temp.make();
    fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
    await run(out, { epochs: 2 });
    const log: string[] = [];
    const result = await run(out, { overwrite: true }, log);
    expect(result.status).toBe('done');
    expect(log[0]).toBe(`overwrite: deleted the earlier run in ${out} (last.safetensors, best.safetensors, metrics.jsonl)`);
    expect(readJsonLines(path.join(out, 'metrics.jsonl')).map((m) => m.epoch)).toEqual([1]);
    expect(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8')).toBe('mine');
    await expect(run(out, { resume: true, overwrite: true })).rejects.toThrow(
      'fit: resume (--resume) continues the run in the output folder and overwrite (--overwrite) replaces it; choose one',
    );
  });

  it('says plainly when epochs is not a positive whole number', async () => {
    for (const epochs of [0, -1, 1.5, NaN]) {
      const out = path.join(temp.make(), 'run');
      await expect(run(out, { epochs })).rejects.toThrow(
        `fit: epochs must be a whole number of at least 1 (the run's total, counting the epochs a resumed run has done); got ${epochs}`,
      );
      expect(fs.existsSync(out)).toBe(false);
    }
  });

  it('on resume, says when epochs is fewer than the run has done, and does nothing when it is as many', async () => {
    const out = temp.make();
    await run(out, { epochs: 2 });
    await expect(run(out, { epochs: 1, resume: true })).rejects.toThrow(
      `fit: cannot resume: the run in ${out} has already done 2 epochs, more than the 1 asked for; pass epochs (--epochs) of at least 3 to train on`,
    );
    const log: string[] = [];
    const result = await run(out, { epochs: 2, resume: true }, log);
    expect(result).toMatchObject({ status: 'done', history: [] });
    expect(log[1]).toBe('all 2 epochs are done; nothing to train (ask for more epochs to go on)');
  });

  it('says plainly when the output folder is a file or lies under one', async () => {
    const file = path.join(temp.make(), 'out');
    fs.writeFileSync(file, 'not a folder');
    await expect(run(file)).rejects.toThrow(`fit: the output folder ${file} is a file; name a folder (outDir, --out)`);
    await expect(run(file, { resume: true })).rejects.toThrow(/is a file; name a folder/);
    await expect(run(path.join(file, 'run'))).rejects.toThrow(`fit: cannot create the output folder ${path.join(file, 'run')}: a part of its path is a file`);
  });

  it('says plainly when there is nothing to resume', async () => {
    const missing = path.join(temp.make(), 'nowhere');
    await expect(run(missing, { resume: true })).rejects.toThrow(
      `fit: cannot resume: the output folder ${missing} does not exist; check the folder (--out), or start a new run without resume`,
    );
    const early = temp.make();
    fs.writeFileSync(path.join(early, 'metrics.jsonl'), '');
    await expect(run(early, { resume: true })).rejects.toThrow(
      `fit: cannot resume: ${early} holds no checkpoint (last.safetensors), only metrics.jsonl: the run stopped before saving one; start it again with overwrite (--overwrite)`,
    );
  });
});

describe('an epoch in which no optimizer step ran', () => {
  it('is an error naming the epoch and the skipped videos, and nothing is saved', async () => {
    const out = temp.make();
    const { val } = sources();
    const skipped = Array.from({ length: 12 }, (_, i) => ({ id: `v${i}`, reason: 'needs 2 frames, the folder has 1' }));
    // Every video of every batch dropped: the source yields nothing.
    const train: BatchSource = {
      batchesPerEpoch: 3,
      lastEpochSkipped: skipped,
      async *epoch() {},
    };
    await expect(fit({ model: tinyModel(), train, val, numClasses: 2, epochs: 2, outDir: out, recipe, ...quiet })).rejects.toThrow(
      'fit: no optimizer step ran in epoch 1: every training batch was empty, 12 videos skipped (the first, v0: needs 2 frames, ' +
        'the folder has 1); check the data (frames missing, or fewer than the segments?)',
    );
    expect(fs.readdirSync(out)).toEqual([]);
  });
});
