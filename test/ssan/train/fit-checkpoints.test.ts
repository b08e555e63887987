/**
 * A run killed at any write leaves a folder that is consistent and that resume (or, before the first
 * checkpoint, overwrite) finishes into the files of the run that was never killed. The kills are taken
 * through the write probe of src/nn/safetensors.ts: writes are synchronous, so a copy of the folder made
 * at a probe point is exactly what a kill there would leave.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { writeProbe, type WriteStage } from '../../../src/nn/atomic-files';
import { readCheckpointInfo } from '../../../src/optim/checkpoint';
import { fit, paperRecipe } from '../../../src/ssan/train';
import { readJsonLines } from '../../../src/train';
import { makeTempDirs, quiet, sources, tinyModel, withoutTimes } from './fit-helpers';

const temp = makeTempDirs('fit-crash-');
afterAll(temp.removeAll);
afterEach(() => {
  writeProbe.hook = null;
});

const EPOCHS = 3;
// A high lr makes validation top-1 go up and down, so that some epochs write best and some do not.
const recipe = paperRecipe({ batchSize: 4, lr: 0.3 });

function run(outDir: string, mode: { resume?: boolean; overwrite?: boolean } = {}, log: string[] = []) {
  const { train, val } = sources();
  return fit({ model: tinyModel(), train, val, numClasses: 2, epochs: EPOCHS, outDir, recipe, ...quiet, ...mode, log: (l) => log.push(l) });
}

interface Kill {
  event: string;
  folder: string;
}

function checkpointEpoch(file: string): number {
  return readCheckpointInfo(file).epoch;
}

/** What must hold in a folder a kill left, whatever the point. */
function expectConsistent(folder: string): void {
  const last = path.join(folder, 'last.safetensors');
  const best = path.join(folder, 'best.safetensors');
  // Every checkpoint present is whole (temporary files are the only partial ones).
  const lastEpoch = fs.existsSync(last) ? checkpointEpoch(last) : 0;
  const bestEpoch = fs.existsSync(best) ? checkpointEpoch(best) : null;
  if (fs.existsSync(last)) {
    const recorded = (readCheckpointInfo(last).extra as { best: { epoch: number } | null }).best;
    if (recorded !== null) {
      // best.safetensors holds the best that last records, or one written just ahead of last.
      expect(bestEpoch === recorded.epoch || bestEpoch === lastEpoch + 1).toBe(true);
    }
  } else if (bestEpoch !== null) {
    expect(bestEpoch).toBe(1);
  }
  // Metrics list the epochs last holds, and at most the one being written after it.
  const epochs = readJsonLines(path.join(folder, 'metrics.jsonl')).map((m) => m.epoch);
  expect(epochs).toEqual(Array.from({ length: epochs.length }, (_, i) => i + 1));
  expect(epochs.length === lastEpoch || epochs.length === lastEpoch + 1).toBe(true);
}

describe('a run killed at each write', () => {
  const whole = temp.make();
  const kills: Kill[] = [];

  it('writes best before last in every epoch, and a folder copy at every write point', async () => {
    const snapshots = temp.make();
    writeProbe.hook = (file: string, stage: WriteStage) => {
      const folder = path.join(snapshots, String(kills.length));
      fs.cpSync(whole, folder, { recursive: true });
      kills.push({ event: `${path.basename(file)} ${stage}`, folder });
    };
    const result = await run(whole);
    writeProbe.hook = null;
    expect(result.status).toBe('done');
    const events = kills.map((k) => k.event);
    const perEpoch = [
      ['metrics.jsonl appended', 'last.safetensors temp-written', 'last.safetensors renamed'],
      ['metrics.jsonl appended', 'best.safetensors temp-written', 'best.safetensors renamed', 'last.safetensors temp-written', 'last.safetensors renamed'],
    ];
    // Each epoch is one of the two sequences; the first epoch is always a best.
    let i = 0;
    for (let epoch = 0; epoch < EPOCHS; epoch++) {
      const sequence = perEpoch.find((s, k) => (epoch > 0 || k === 1) && s.every((e, j) => events[i + j] === e));
      expect(sequence, `epoch ${epoch + 1}: ${events.slice(i).join(', ')}`).toBeDefined();
      i += sequence!.length;
    }
    expect(i).toBe(events.length);
    // The test means something only if some epoch was not a best.
    expect(events.filter((e) => e === 'best.safetensors renamed').length).toBeLessThan(EPOCHS);
    expect(fs.readdirSync(whole).sort()).toEqual(['best.safetensors', 'last.safetensors', 'metrics.jsonl']);
  });

  it('leaves a consistent folder at every point, and resume finishes it into the unbroken run\'s files', async () => {
    expect(kills.length).toBeGreaterThan(10);
    const expected = {
      metrics: withoutTimes(readJsonLines(path.join(whole, 'metrics.jsonl'))),
      last: fs.readFileSync(path.join(whole, 'last.safetensors')),
      best: fs.readFileSync(path.join(whole, 'best.safetensors')),
    };
    for (const kill of kills) {
      const where = `killed after ${kill.event}`;
      expectConsistent(kill.folder);
      const temporary = fs.readdirSync(kill.folder).filter((f) => f.endsWith('.tmp'));
      expect(temporary.length, where).toBe(kill.event.endsWith('temp-written') ? 1 : 0);
      const log: string[] = [];
      const resumable = fs.existsSync(path.join(kill.folder, 'last.safetensors'));
      // Before the first checkpoint there is nothing to resume: the run is started again over what it left.
      const result = await run(kill.folder, resumable ? { resume: true } : { overwrite: true }, log);
      expect(result.status, where).toBe('done');
      if (temporary.length > 0) expect(log, where).toContainEqual(expect.stringContaining(`removed temporary files that a killed run left in ${kill.folder}: ${temporary[0]}`));
      expect(fs.readdirSync(kill.folder).sort(), where).toEqual(['best.safetensors', 'last.safetensors', 'metrics.jsonl']);
      expect(withoutTimes(readJsonLines(path.join(kill.folder, 'metrics.jsonl'))), where).toEqual(expected.metrics);
      expect(fs.readFileSync(path.join(kill.folder, 'last.safetensors')).equals(expected.last), where).toBe(true);
      expect(fs.readFileSync(path.join(kill.folder, 'best.safetensors')).equals(expected.best), where).toBe(true);
    }
  });
});

describe('what a killed run leaves behind', () => {
  it('removes only stale temporary files of the run\'s own files', async () => {
    const out = temp.make();
    await run(out);
    const exited = spawnSync(process.execPath, ['-e', '']).pid;
    const stale = [`.last.safetensors.${exited}.0a1b2c.tmp`, `.best.safetensors.${process.pid}.ffee00.tmp`, `.metrics.jsonl.${exited}.123456.tmp`, 'metrics.jsonl.tmp'];
    // A live process's temporary file (it may be writing now) and files that are not the run's stay.
    const kept = [`.last.safetensors.${process.ppid}.abcdef.tmp`, '.notes.txt.1.abcdef.tmp', 'notes.txt'];
    for (const name of [...stale, ...kept]) fs.writeFileSync(path.join(out, name), 'x');
    const log: string[] = [];
    await run(out, { resume: true }, log);
    expect(fs.readdirSync(out).sort()).toEqual(['best.safetensors', 'last.safetensors', 'metrics.jsonl', ...kept].sort());
    expect(log[0]).toBe(`removed temporary files that a killed run left in ${out}: ${[...stale].sort().join(', ')}`);
  });

  it('drops a metrics line that a kill cut short', async () => {
    const out = temp.make();
    const { train, val } = sources();
    await fit({ model: tinyModel(), train, val, numClasses: 2, epochs: 1, outDir: out, recipe, ...quiet });
    fs.appendFileSync(path.join(out, 'metrics.jsonl'), '{"epoch":2,"trainLo');
    const result = await run(out, { resume: true });
    expect(result.status).toBe('done');
    expect(readJsonLines(path.join(out, 'metrics.jsonl')).map((m) => m.epoch)).toEqual([1, 2, 3]);
  });
});
