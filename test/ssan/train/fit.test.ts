import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { manualSeed, ssan, nn } from '../../../src';
import { fit, paperRecipe, readJsonLines, TrainingDivergedError } from '../../../src/ssan/train';
import { MemorySource } from './memory-source';

const T = 2;
const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fit-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tinyModel(): nn.Module & { forward: (x: any) => any } {
  manualSeed(3);
  return ssan.createModel({
    arch: 'ssan', depth: 18, width: 2, numClasses: 2, numSegments: T, blocks: [1, 1, 1, 1],
    placement: { layer2: [0] },
  });
}

function sources() {
  return {
    train: new MemorySource(12, 4, [T, 3, 8, 8], true),
    val: new MemorySource(6, 4, [T, 3, 8, 8], false, 2),
  };
}

const quiet = { log: () => {}, progress: null, handleInterrupt: false } as const;

function stateOf(model: nn.Module): Record<string, number[]> {
  return Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, Array.from(t.data as ArrayLike<number>)]));
}

function withoutTimes(lines: Record<string, unknown>[]) {
  return lines.map(({ seconds: _seconds, ...rest }) => rest);
}

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
    const model = tinyModel();
    const { train, val } = sources();
    const recipe = paperRecipe({ batchSize: 4, lr: 0.05 });
    await fit({ model, train, val, numClasses: 2, epochs: 1, outDir: out, recipe, ...quiet });
    const before = fs.readFileSync(path.join(out, 'last.safetensors'));
    // Poison the weights: the next forward gives NaN logits.
    const [, fcWeight] = model.namedParameters().find(([name]) => name === 'fc.weight')!;
    (fcWeight.data as Float32Array)[0] = NaN;
    await expect(
      fit({ model, train, val, numClasses: 2, epochs: 3, outDir: out, recipe, resume: false, ...quiet }),
    ).rejects.toThrow(TrainingDivergedError);
    await expect(
      fit({ model, train, val, numClasses: 2, epochs: 3, outDir: out, recipe, ...quiet }),
    ).rejects.toThrow(/loss became NaN in epoch 1 after 0 optimizer steps/);
    expect(fs.readFileSync(path.join(out, 'last.safetensors')).equals(before)).toBe(true);
  });

  it('refuses to resume when there is no checkpoint', async () => {
    const { train, val } = sources();
    await expect(
      fit({ model: tinyModel(), train, val, numClasses: 2, epochs: 1, outDir: tempDir(), recipe: paperRecipe({ batchSize: 4 }), resume: true, ...quiet }),
    ).rejects.toThrow(/cannot resume: .*last.safetensors does not exist/);
  });
});
