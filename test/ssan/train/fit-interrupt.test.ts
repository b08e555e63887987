/**
 * Stopping a run as Ctrl-C does (a StopRequest, asked at a chosen batch): mid-epoch, between an epoch's
 * training and its validation, during validation, and twice in a partly accumulated step. Each saves a
 * checkpoint from which resume ends with the weights and metrics of the run that never stopped. The
 * SIGINT handler's rules are checked by emitting the signal's event; real signals are in fit-interrupt.sigint.test.ts.
 */
import fs from 'fs';
import path from 'path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { manualSeed } from '../../../src';
import { readCheckpointInfo } from '../../../src/optim/checkpoint';
import { fit, paperRecipe, StopRequest, type BatchSource, type TrainRecipe } from '../../../src/ssan/train';
import { readJsonLines } from '../../../src/train';
import { makeTempDirs, quiet, sources, stateOf, tapped, tinyModel, withoutTimes } from './fit-helpers';

const temp = makeTempDirs('fit-stop-');
afterEach(temp.removeAll);

const EPOCHS = 2;
const plain = paperRecipe({ batchSize: 4, lr: 0.05 });
// 6 batches per epoch at scale 2: two optimizer steps of 3 batches each.
const accumulated = paperRecipe({ batchSize: 4, lr: 0.05, accumulate: 3 });

interface Outcome {
  state: Record<string, number[]>;
  metrics: Record<string, unknown>[];
}

const unbroken = new Map<TrainRecipe, Outcome>();
async function unbrokenRun(recipe: TrainRecipe, scale: number): Promise<Outcome> {
  const cached = unbroken.get(recipe);
  if (cached) return cached;
  const out = temp.make();
  const model = tinyModel();
  const { train, val } = sources(scale);
  await fit({ model, train, val, numClasses: 2, epochs: EPOCHS, outDir: out, recipe, ...quiet });
  const outcome = { state: stateOf(model), metrics: withoutTimes(readJsonLines(path.join(out, 'metrics.jsonl'))) };
  unbroken.set(recipe, outcome);
  return outcome;
}

/** Resumes the run in `out` to the end, from a model and generator unlike the saved ones. */
async function resumeToEnd(out: string, recipe: TrainRecipe, scale: number): Promise<{ outcome: Outcome; log: string[] }> {
  const log: string[] = [];
  const model = tinyModel();
  manualSeed(99);
  const { train, val } = sources(scale);
  const result = await fit({
    model, train, val, numClasses: 2, epochs: EPOCHS, outDir: out, recipe, resume: true, ...quiet, log: (l) => log.push(l),
  });
  expect(result.status).toBe('done');
  return { outcome: { state: stateOf(model), metrics: withoutTimes(readJsonLines(path.join(out, 'metrics.jsonl'))) }, log };
}

/** Runs with a stop requested `times` times as the given batch is handed over (train or val source). */
async function stoppedRun(opts: {
  recipe: TrainRecipe; scale: number; at: { source: 'train' | 'val'; epoch: number; batch: number }; times: number;
}): Promise<{ out: string; log: string[] }> {
  const out = temp.make();
  const stop = new StopRequest();
  const log: string[] = [];
  const s = sources(opts.scale);
  let valPasses = 0;
  const ask = (source: 'train' | 'val') => (epoch: number, batch: number) => {
    // Validation reads epoch 0 every time; count the validation passes instead.
    if (source === 'val' && batch === 0) valPasses++;
    const at = opts.at;
    if (source === at.source && batch === at.batch && (source === 'val' ? valPasses - 1 : epoch) === at.epoch) {
      for (let i = 0; i < opts.times; i++) stop.request();
    }
  };
  const train: BatchSource = tapped(s.train, ask('train'));
  const val: BatchSource = tapped(s.val, ask('val'));
  const result = await fit({
    model: tinyModel(), train, val, numClasses: 2, epochs: EPOCHS, outDir: out, recipe: opts.recipe, stop, ...quiet,
    log: (l) => log.push(l),
  });
  expect(result.status).toBe('interrupted');
  return { out, log };
}

function savedPosition(out: string): { epoch: number; nextBatch: number | null } {
  const info = readCheckpointInfo(path.join(out, 'last.safetensors'));
  const extra = info.extra as { position: { nextBatch: number } | null };
  return { epoch: info.epoch, nextBatch: extra.position?.nextBatch ?? null };
}

describe('fit stopped as by Ctrl-C', () => {
  it('mid-epoch: saves after the step under way, and resume gives the unbroken run', async () => {
    const { out, log } = await stoppedRun({ recipe: plain, scale: 1, at: { source: 'train', epoch: 1, batch: 1 }, times: 1 });
    expect(savedPosition(out)).toEqual({ epoch: 1, nextBatch: 2 });
    expect(log.at(-1)).toMatch(/saved .*last.safetensors at epoch 2, batch 2\/3; continue with resume/);
    expect(readJsonLines(path.join(out, 'metrics.jsonl'))).toHaveLength(1);
    const resumed = await resumeToEnd(out, plain, 1);
    expect(resumed.log[0]).toMatch(/resumed from .*: 1 epochs done, epoch 2 at batch 2\/3/);
    expect(resumed.outcome).toEqual(await unbrokenRun(plain, 1));
  });

  it('during validation: saves the epoch as trained, and resume validates it again', async () => {
    const { out, log } = await stoppedRun({ recipe: plain, scale: 1, at: { source: 'val', epoch: 0, batch: 0 }, times: 1 });
    expect(savedPosition(out)).toEqual({ epoch: 0, nextBatch: 3 });
    expect(log.at(-1)).toMatch(/after training epoch 1, at validation batch 0\/2; continue with resume/);
    expect(fs.existsSync(path.join(out, 'metrics.jsonl'))).toBe(false);
    expect(fs.existsSync(path.join(out, 'best.safetensors'))).toBe(false);
    const resumed = await resumeToEnd(out, plain, 1);
    expect(resumed.log[0]).toMatch(/0 epochs done, epoch 1 trained but not yet validated/);
    expect(resumed.outcome).toEqual(await unbrokenRun(plain, 1));
  });

  it('in the second epoch\'s validation: the first epoch\'s files stay, and resume gives the unbroken run', async () => {
    const { out } = await stoppedRun({ recipe: plain, scale: 1, at: { source: 'val', epoch: 1, batch: 1 }, times: 1 });
    expect(savedPosition(out)).toEqual({ epoch: 1, nextBatch: 3 });
    expect(readJsonLines(path.join(out, 'metrics.jsonl')).map((m) => m.epoch)).toEqual([1]);
    expect(readCheckpointInfo(path.join(out, 'best.safetensors')).epoch).toBe(1);
    expect((await resumeToEnd(out, plain, 1)).outcome).toEqual(await unbrokenRun(plain, 1));
  });

  it('once in an accumulated step: finishes the step (here the epoch\'s training) and saves before validation', async () => {
    const { out, log } = await stoppedRun({ recipe: accumulated, scale: 2, at: { source: 'train', epoch: 0, batch: 4 }, times: 1 });
    expect(savedPosition(out)).toEqual({ epoch: 0, nextBatch: 6 });
    expect(log.at(-1)).toMatch(/after training epoch 1, before its validation/);
    expect((await resumeToEnd(out, accumulated, 2)).outcome).toEqual(await unbrokenRun(accumulated, 2));
  });

  it('twice in an accumulated step: drops its batches and saves the state from before it', async () => {
    const { out } = await stoppedRun({ recipe: accumulated, scale: 2, at: { source: 'train', epoch: 1, batch: 4 }, times: 2 });
    // Batches 3 and 4 were read (BatchNorm statistics, dropout draws); the step starting at batch 3 is redone.
    expect(savedPosition(out)).toEqual({ epoch: 1, nextBatch: 3 });
    const resumed = await resumeToEnd(out, accumulated, 2);
    expect(resumed.log[0]).toMatch(/epoch 2 at batch 3\/6/);
    expect(resumed.outcome).toEqual(await unbrokenRun(accumulated, 2));
  });

  it('twice at the first batch of a step: nothing to drop, it saves there', async () => {
    const { out } = await stoppedRun({ recipe: accumulated, scale: 2, at: { source: 'train', epoch: 0, batch: 0 }, times: 2 });
    expect(savedPosition(out)).toEqual({ epoch: 0, nextBatch: 0 });
    expect((await resumeToEnd(out, accumulated, 2)).outcome).toEqual(await unbrokenRun(accumulated, 2));
  });
});

describe('the SIGINT handler', () => {
  /** A run whose training source emits SIGINT `times` times as batch `batch` of epoch `epoch` is handed over. */
  async function signalled(out: string, epoch: number, batch: number, times: number, recipe = plain, scale = 1) {
    const log: string[] = [];
    const s = sources(scale);
    const train = tapped(s.train, (e, b) => {
      if (e === epoch && b === batch) for (let i = 0; i < times; i++) process.emit('SIGINT', 'SIGINT');
    });
    const before = process.listenerCount('SIGINT');
    const result = await fit({
      model: tinyModel(), train, val: s.val, numClasses: 2, epochs: EPOCHS, outDir: out, recipe,
      log: (l) => log.push(l), progress: null,
    });
    expect(process.listenerCount('SIGINT')).toBe(before);
    return { result, log };
  }

  it('never quits before the first checkpoint is saved, however often it is pressed', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    try {
      const out = temp.make();
      const { result, log } = await signalled(out, 0, 1, 5);
      expect(exit).not.toHaveBeenCalled();
      expect(result.status).toBe('interrupted');
      expect(savedPosition(out)).toEqual({ epoch: 0, nextBatch: 2 });
      expect(log[0]).toMatch(/interrupted: saving last.safetensors after this batch/);
      expect(log.slice(1, 5).every((l) => /there is no earlier checkpoint, so this one is waited for/.test(l))).toBe(true);
    } finally {
      exit.mockRestore();
    }
  });

  it('a second press in an accumulated step says it drops the step; a third quits only when a checkpoint exists', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    try {
      const out = temp.make();
      const { log } = await signalled(out, 1, 4, 3, accumulated, 2);
      expect(log.slice(-4, -1)).toEqual([
        expect.stringMatching(/interrupted: finishing this optimizer step \(2 more batches\), then saving .*Ctrl-C again to drop them/),
        expect.stringMatching(/interrupted again: dropping this step's accumulated batches/),
        expect.stringMatching(/quitting without saving; .*last.safetensors keeps the state it had/),
      ]);
      expect(exit).toHaveBeenCalledWith(130);
      // The mocked exit returned, so the run went on to save as the second press asked.
      expect(savedPosition(out)).toEqual({ epoch: 1, nextBatch: 3 });
    } finally {
      exit.mockRestore();
    }
  });
});
