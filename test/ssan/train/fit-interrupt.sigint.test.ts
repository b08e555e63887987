/**
 * Ctrl-C as a user presses it: a real SIGINT sent to a training process (ctrl-c-child.ts) in the middle of
 * an epoch, during validation, and twice inside an accumulated optimizer step. Each time the process
 * exits soon, leaves last.safetensors, and resuming it here ends with the weights and metrics of a run
 * that was never interrupted. The only time asserted is a generous bound on the exit.
 */
import { spawn } from 'child_process';
import fs from 'fs';
import path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed } from '../../../src';
import { readCheckpointInfo } from '../../../src/optim/checkpoint';
import { fit } from '../../../src/ssan/train';
import { readJsonLines } from '../../../src/train';
import { ctrlCRun, makeTempDirs, quiet, stateOf, withoutTimes } from './fit-helpers';

const CHILD = path.join(__dirname, 'ctrl-c-child.ts');
const ROOT = path.join(__dirname, '..', '..', '..');
/** From the (last) SIGINT to the exit; the runs here take well under a second. */
const EXIT_BOUND_MS = 30_000;

const temp = makeTempDirs('ctrl-c-');
afterAll(temp.removeAll);

interface Interrupted {
  out: string;
  stdout: string;
  stderr: string;
  code: number | null;
  /** Milliseconds from the last SIGINT to the exit. */
  exitMs: number;
}

/**
 * Starts the child on `scenario` and sends SIGINT each time a line matches the next of `signalAt`. Every
 * signal waits for the child to print its line, so the test never depends on how fast the machine is.
 */
function interrupt(scenario: string, signalAt: RegExp[]): Promise<Interrupted> {
  const out = path.join(temp.make(), 'run');
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', CHILD, scenario, out], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let pending = [...signalAt];
  let signalledAt = NaN;
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (pending.length > 0 && pending[0].test(line)) {
        pending = pending.slice(1);
        signalledAt = performance.now();
        child.kill('SIGINT');
      }
    }
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (pending.length > 0) {
        reject(new Error(`ctrl-c-child ${scenario} exited (code ${code}) before printing ${pending[0]}:\n${stdout}\n${stderr}`));
        return;
      }
      resolve({ out, stdout, stderr, code, exitMs: performance.now() - signalledAt });
    });
  });
}

interface Outcome {
  state: Record<string, number[]>;
  metrics: Record<string, unknown>[];
}

/** The scenario's run here, resumed from `out` or (without it) never interrupted. */
async function runHere(scenario: string, out?: string): Promise<{ outcome: Outcome; log: string[] }> {
  const { model, train, val, recipe, epochs } = ctrlCRun(scenario);
  const dir = out ?? path.join(temp.make(), 'run');
  const log: string[] = [];
  if (out) manualSeed(99); // resume must restore the generator, not find it where it was
  const result = await fit({ model, train, val, recipe, epochs, numClasses: 2, outDir: dir, resume: out !== undefined, ...quiet, log: (l) => log.push(l) });
  expect(result.status).toBe('done');
  return { outcome: { state: stateOf(model), metrics: withoutTimes(readJsonLines(path.join(dir, 'metrics.jsonl'))) }, log };
}

function savedPosition(out: string): { epoch: number; nextBatch: number } {
  const info = readCheckpointInfo(path.join(out, 'last.safetensors'));
  return { epoch: info.epoch, nextBatch: (info.extra as { position: { nextBatch: number } }).position.nextBatch };
}

function expectStoppedSoon(run: Interrupted): void {
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/\nstatus interrupted\n$/);
  expect(run.exitMs).toBeLessThan(EXIT_BOUND_MS);
  expect(fs.existsSync(path.join(run.out, 'last.safetensors'))).toBe(true);
}

describe('Ctrl-C on a training process', () => {
  const runs: Record<string, Interrupted> = {};
  beforeAll(async () => {
    // The three processes run side by side; each signal waits for its own line.
    const [train, validate, twice] = await Promise.all([
      interrupt('train', [/^train 0 3$/]),
      interrupt('validate', [/^val 3$/]),
      interrupt('twice', [/^train 0 9$/, /^interrupted: finishing this optimizer step/]),
    ]);
    Object.assign(runs, { train, validate, twice });
  }, 120_000);

  it('in the middle of an epoch: saves where it stopped, and resume continues from there', async () => {
    const run = runs.train;
    expectStoppedSoon(run);
    const { epoch, nextBatch } = savedPosition(run.out);
    expect(epoch).toBe(0);
    // The signal came as batch 3 was handed over; the epoch has 120.
    expect(nextBatch).toBeGreaterThanOrEqual(4);
    expect(nextBatch).toBeLessThan(120);
    expect(run.stdout).toContain(`saved ${path.join(run.out, 'last.safetensors')} at epoch 1, batch ${nextBatch}/120; continue with resume`);
    expect(run.stdout).not.toMatch(/^val /m);
    const resumed = await runHere('train', run.out);
    expect(resumed.log[0]).toContain(`0 epochs done, epoch 1 at batch ${nextBatch}/120`);
    expect(resumed.outcome).toEqual((await runHere('train')).outcome);
  });

  it('during validation: stops it, saves the trained epoch, and resume validates it again', async () => {
    const run = runs.validate;
    expectStoppedSoon(run);
    expect(savedPosition(run.out)).toEqual({ epoch: 0, nextBatch: 4 });
    expect(run.stdout).toMatch(/interrupted: stopping validation and saving last.safetensors/);
    expect(run.stdout).toMatch(/after training epoch 1, at validation batch ([3-9]|\d\d+)\/120; continue with resume/);
    expect(fs.existsSync(path.join(run.out, 'metrics.jsonl'))).toBe(false);
    const resumed = await runHere('validate', run.out);
    expect(resumed.log[0]).toContain('0 epochs done, epoch 1 trained but not yet validated');
    expect(resumed.outcome).toEqual((await runHere('validate')).outcome);
  });

  it('twice inside an accumulated step: still saves a checkpoint at a step boundary that resume continues from', async () => {
    const run = runs.twice;
    expectStoppedSoon(run);
    const { nextBatch } = savedPosition(run.out);
    // Steps of 8 batches: a save is always between two of them (the step under way dropped or finished).
    expect(nextBatch % 8).toBe(0);
    expect(nextBatch).toBeLessThan(120);
    expect((await runHere('twice', run.out)).outcome).toEqual((await runHere('twice')).outcome);
  });
});
