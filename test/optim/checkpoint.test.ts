/**
 * Checkpoints: a run resumed from a checkpoint continues bit for bit as the run that never stopped
 * (model, Nesterov momentum buffers, scheduler and the random generator behind dropout and the data);
 * a checkpoint that does not fit is refused with the differences named, and nothing changes.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { F, Tensor, defaultGenerator, manualSeed, randn, tensor } from '../../src';
import { BatchNorm1d, Dropout, Linear, ReLU, Sequential } from '../../src/nn/layers';
import { save } from '../../src/nn/serialization';
import { encodeSafetensors, loadSafetensors } from '../../src/nn/safetensors';
import { Adam, MultiStepLR, SGD, StepLR } from '../../src/optim';
import { loadCheckpoint, readCheckpointInfo, saveCheckpoint } from '../../src/optim/checkpoint';
import type { StateValue } from '../../src/optim/checkpoint';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkpoint-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Run {
  model: Sequential;
  optimizer: SGD;
  scheduler: StepLR;
}

/** Linear + BatchNorm (int32 counter, running stats) + Dropout + Linear, SGD with Nesterov momentum, StepLR. */
function makeRun(seed: number, hidden = 8): Run {
  manualSeed(seed);
  const model = new Sequential(new Linear(4, hidden), new BatchNorm1d(hidden), new ReLU(), new Dropout(0.3), new Linear(hidden, 3));
  const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3 });
  const scheduler = new StepLR(optimizer, { stepSize: 2, gamma: 0.5 });
  return { model, optimizer, scheduler };
}

/** One training step on a batch drawn from the default generator, as a data loader would; returns the loss. */
function trainStep({ model, optimizer, scheduler }: Run): number {
  const x = randn([6, 4]);
  const target = tensor(Int32Array.from({ length: 6 }, () => defaultGenerator.randint(3)), { dtype: 'int32' });
  optimizer.zeroGrad();
  const loss = F.crossEntropy(model.forward(x), target);
  loss.backward();
  optimizer.step();
  scheduler.step();
  return loss.item();
}

function train(run: Run, steps: number): number[] {
  return Array.from({ length: steps }, () => trainStep(run));
}

/** A state with its tensors as plain arrays (with shape and dtype), for deep equality. */
function plain(value: unknown): unknown {
  if (value instanceof Tensor) return { dtype: value.dtype, shape: [...value.shape], data: Array.from(value.data) };
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** Everything a load could change. */
function snapshot(run: Run): unknown {
  return plain({
    model: run.model.stateDict(),
    optimizer: run.optimizer.stateDict(),
    scheduler: run.scheduler.stateDict(),
    generator: defaultGenerator.getState(),
  });
}

describe('resuming from a checkpoint', () => {
  it('gives exactly the losses of the run that never stopped', () => {
    const file = path.join(dir, 'run.safetensors');
    const straight = makeRun(1);
    const before = train(straight, 4);
    saveCheckpoint(file, { ...straight, epoch: 1, step: 4, extra: { bestLoss: Math.min(...before) } });
    const after = train(straight, 4);

    // Saving does not draw from the generator: a run that never saved has the same losses.
    expect([...train(makeRun(1), 8)]).toEqual([...before, ...after]);

    const resumed = makeRun(999); // other weights, other generator position
    train(resumed, 1);
    const progress = loadCheckpoint(file, resumed);
    expect(progress).toEqual({ epoch: 1, step: 4, extra: { bestLoss: Math.min(...before) } });
    expect(train(resumed, 4)).toEqual(after);
    expect(snapshot(resumed)).toEqual(snapshot(straight));
  });

  it('needs the generator state and the momentum buffers to do so (so the test above means something)', () => {
    const file = path.join(dir, 'run.safetensors');
    const straight = makeRun(2);
    train(straight, 3);
    saveCheckpoint(file, { ...straight, epoch: 0, step: 3 });
    const after = train(straight, 3);

    const otherMasks = makeRun(3);
    loadCheckpoint(file, otherMasks);
    defaultGenerator.random(); // one draw out of step: different dropout masks and batches
    expect(train(otherMasks, 3)).not.toEqual(after);

    const noMomentum = makeRun(3);
    loadCheckpoint(file, { model: noMomentum.model, scheduler: noMomentum.scheduler });
    expect(train(noMomentum, 3)).not.toEqual(after);
  });

  it('keeps non-finite numbers and tensors anywhere in extra', () => {
    const file = path.join(dir, 'extra.safetensors');
    const run = makeRun(4);
    const extra = { best: Infinity, worst: -Infinity, unset: NaN, history: [1, 2.5, new Tensor(Float64Array.of(0.25, -0), [2])], note: 'x' };
    saveCheckpoint(file, { model: run.model, epoch: 2, step: 10, extra });
    const { extra: restored } = loadCheckpoint(file, { model: run.model });
    expect(plain(restored)).toEqual(plain(extra));
    expect(Object.is((restored as { history: Tensor[] }).history[2].data[1], -0)).toBe(true);
  });

  it('tells epoch, step, extra and contents from the header alone', () => {
    const file = path.join(dir, 'info.safetensors');
    const run = makeRun(5);
    train(run, 1);
    saveCheckpoint(file, { ...run, epoch: 3, step: 120, extra: { config: 'sth-v1' } });
    const info = readCheckpointInfo(file);
    expect(info).toMatchObject({ version: 1, epoch: 3, step: 120, extra: { config: 'sth-v1' }, hasOptimizer: true, hasScheduler: true });
    expect(info.modelShapes).toEqual(Object.fromEntries(Object.entries(run.model.stateDict()).map(([k, t]) => [k, t.shape])));
    // The layout promised in the docs: model., optimizer. keys in one safetensors file.
    const keys = Object.keys(loadSafetensors(file).tensors);
    expect(keys).toContain('model.1.num_batches_tracked');
    expect(keys).toContain('optimizer.state.0.momentumBuffer');
  });

  it('refuses state it cannot store, naming where it is', () => {
    const run = makeRun(6);
    const file = path.join(dir, 'bad.safetensors');
    expect(() => saveCheckpoint(file, { model: run.model, epoch: 0, step: 0, extra: { fn: new Map() } as unknown as StateValue }))
      .toThrow(/extra state holds a Map at extra\.fn/);
    expect(() => saveCheckpoint(file, { model: run.model, epoch: -1, step: 0 })).toThrow(/epoch must be a non-negative integer/);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('a checkpoint that does not fit', () => {
  function savedRun(file: string): void {
    const run = makeRun(7);
    train(run, 2);
    saveCheckpoint(file, { ...run, epoch: 0, step: 2 });
  }

  /** Expects loadCheckpoint to throw `message` and to leave model, optimizer, scheduler and generator unchanged. */
  function expectRefused(file: string, target: Run, message: RegExp, options: Partial<Run> = target): void {
    train(target, 1);
    const before = snapshot(target);
    expect(() => loadCheckpoint(file, { model: target.model, ...options })).toThrow(message);
    expect(snapshot(target)).toEqual(before);
  }

  it('names shape mismatches and changes nothing', () => {
    const file = path.join(dir, 'run.safetensors');
    savedRun(file);
    expectRefused(file, makeRun(8, 16), /does not match; nothing was loaded:[^]*model: 0\.weight has shape \[8, 4\] in the checkpoint, \[16, 4\] in the model/);
  });

  it('names missing and unexpected keys', () => {
    const file = path.join(dir, 'run.safetensors');
    savedRun(file);
    const target = makeRun(9);
    target.model.append(new Linear(3, 3));
    expectRefused(file, target, /model: missing keys \(in the model, not in the checkpoint\): 5\.weight, 5\.bias/);

    const smaller = makeRun(9);
    const small: Run = { ...smaller, model: new Sequential(new Linear(4, 8)) };
    small.optimizer = new SGD(small.model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3 });
    small.scheduler = new StepLR(small.optimizer, { stepSize: 2, gamma: 0.5 });
    expectRefused(file, small, /model: unexpected keys \(in the checkpoint, not in the model\): 1\.bias, 1\.num_batches_tracked, 1\.running_mean, 1\.running_var, 1\.weight, 4\.bias, 4\.weight\n  optimizer: parameter group 0 has 6 parameter\(s\) in the checkpoint, 2 in the optimizer/);
  });

  it('names an optimizer with other parameter groups', () => {
    const file = path.join(dir, 'run.safetensors');
    savedRun(file);
    const target = makeRun(10);
    const [first, ...rest] = target.model.parameters();
    target.optimizer = new SGD([{ params: [first] }, { params: rest }], { lr: 0.1, momentum: 0.9, nesterov: true });
    target.scheduler = new StepLR(target.optimizer, { stepSize: 2, gamma: 0.5 });
    expectRefused(file, target, /optimizer: 1 parameter group\(s\) in the checkpoint, 2 in the optimizer/);
  });

  it('undoes the optimizer when the scheduler refuses its state', () => {
    const file = path.join(dir, 'run.safetensors');
    savedRun(file);
    const target = makeRun(11);
    const scheduler = new MultiStepLR(target.optimizer, { milestones: [3] });
    expectRefused(file, { ...target, scheduler: scheduler as unknown as StepLR }, /nothing was loaded: MultiStepLR\.loadStateDict/);
  });

  it('refuses an optimizer of another kind through its own checks, changing nothing', () => {
    const file = path.join(dir, 'run.safetensors');
    savedRun(file);
    const target = makeRun(12);
    const adam = new Adam(target.model.parameters(), { lr: 0.01 });
    train(target, 1);
    const before = plain({ model: target.model.stateDict(), adam: adam.stateDict(), generator: defaultGenerator.getState() });
    expect(() => loadCheckpoint(file, { model: target.model, optimizer: adam })).toThrow(/nothing was loaded: Adam\.loadStateDict/);
    expect(plain({ model: target.model.stateDict(), adam: adam.stateDict(), generator: defaultGenerator.getState() })).toEqual(before);
  });

  it('refuses to restore an optimizer that was not saved', () => {
    const file = path.join(dir, 'weights-only.safetensors');
    const run = makeRun(13);
    saveCheckpoint(file, { model: run.model, epoch: 0, step: 0 });
    expectRefused(file, makeRun(13), /optimizer: the checkpoint holds no optimizer state[^]*scheduler: the checkpoint holds no scheduler state/);
  });

  it('refuses files that are not checkpoints of this version', () => {
    const run = makeRun(14);
    const weights = path.join(dir, 'weights.safetensors');
    save(run.model, weights);
    expectRefused(weights, makeRun(14), /not a checkpoint written by saveCheckpoint .*for a file of model weights use nn\.load/);

    const future = path.join(dir, 'future.safetensors');
    saveCheckpoint(future, { model: run.model, epoch: 0, step: 0 });
    const { tensors, metadata } = loadSafetensors(future);
    fs.writeFileSync(future, encodeSafetensors(tensors, { ...metadata, version: '2' }));
    expectRefused(future, makeRun(14), /checkpoint format version "2"; this code reads version 1/);
    expect(() => readCheckpointInfo(future)).toThrow(/version "2"/);
  });
});
