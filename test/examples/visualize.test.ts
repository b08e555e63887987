/**
 * examples/visualize.ts as a user runs it (a child process through ts-node), on run folders holding
 * hand-written metrics.jsonl files; and the main job's per-epoch curves, whose failure is only a warning.
 * The confusion subcommand needs a trained checkpoint: test/examples/train-sth.test.ts runs it on one.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { curvesAfterEachEpoch } from '../../examples/epoch-curves';
import { type EpochMetrics } from '../../src/ssan/train';
import { runFiles } from '../../src/train';
import { A_AHEAD_COLOUR, B_AHEAD_COLOUR } from '../../src/ssan/viz/per-class';
import { RUN_COLOURS } from '../../src/ssan/viz/curves';
import { decodePng } from '../ssan/viz/pixels';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'visualize-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function visualize(args: string[]): { code: number | null; text: string } {
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join('examples', 'visualize.ts'), ...args], {
    cwd: path.join(__dirname, '..', '..'), encoding: 'utf8', timeout: 60_000,
  });
  return { code: r.status, text: `${r.stdout}${r.stderr}` };
}

/** A run folder whose metrics.jsonl has `epochs` lines, per-class top-1 of 3 classes in each. */
function runDir(name: string, epochs: number, perClass: (number | null)[]): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const lines = Array.from({ length: epochs }, (_, i) => JSON.stringify({
    epoch: i + 1, trainLoss: 1 / (i + 1), valLoss: 1.2 / (i + 1), valTop1: 0.2 * (i + 1), valTop5: 0.5, lr: 0.01, perClassTop1: perClass,
  }));
  fs.writeFileSync(runFiles(dir).metrics, `${lines.join('\n')}\n`);
  return dir;
}

const png = (file: string) => decodePng(fs.readFileSync(file));

describe('examples/visualize.ts', () => {
  const a = runDir('ssan', 4, [0.9, 0.5, 0.2]);
  const b = runDir('tsn', 3, [0.4, 0.5, 0.6]);

  it('--help lists every command', () => {
    const { code, text } = visualize(['--help']);
    expect(code).toBe(0);
    for (const command of ['curves RUN_DIR', 'per-class RUN_A RUN_B', 'confusion CHECKPOINT', 'attention CHECKPOINT']) expect(text).toContain(command);
  });

  it('curves overlays runs in their colours; per-class draws A minus B with numbered classes when no run names them', () => {
    const curvesFile = path.join(root, 'curves.png');
    const curves = visualize(['curves', a, b, '--out', curvesFile]);
    expect(curves.code).toBe(0);
    expect(curves.text).toContain(`training curves of ssan, tsn: ${curvesFile}`);
    const drawn = png(curvesFile);
    expect(drawn.pixelsOf(RUN_COLOURS[0]).length).toBeGreaterThan(300);
    expect(drawn.pixelsOf(RUN_COLOURS[1]).length).toBeGreaterThan(300);

    const perClassFile = path.join(root, 'per-class.png');
    const perClass = visualize(['per-class', a, b, '--out', perClassFile]);
    expect(perClass.code).toBe(0);
    expect(perClass.text).toContain('neither run has a checkpoint that records its dataset; classes are numbered');
    expect(perClass.text).toContain('per-class top-1 of ssan (epoch 4) minus tsn (epoch 3), 3 classes');
    const bars = png(perClassFile);
    expect(bars.pixelsOf(A_AHEAD_COLOUR).length).toBeGreaterThan(300);
    expect(bars.pixelsOf(B_AHEAD_COLOUR).length).toBeGreaterThan(300);
  });

  it('says what is wrong with a command line', () => {
    const cases: [string[], string][] = [
      [['draw'], "visualize: unknown command 'draw'; commands are curves, per-class, confusion"],
      [['per-class', a], 'visualize: per-class: name two run folders (A and B); got 1'],
      [['curves', a, '--rates'], 'visualize: curves: --rates is not one of its flags'],
      [['curves', path.join(root, 'nothing')], 'metrics.jsonl is missing or holds no epoch'],
      [['curves', a, '--out', path.join(root, 'no', 'such', 'c.png')], 'the folder'],
    ];
    for (const [args, message] of cases) {
      const { code, text } = visualize(args);
      expect(code, args.join(' ')).toBe(1);
      expect(text).toContain(message);
      expect(text).not.toMatch(/\n\s+at /);
    }
  });
});

describe('the main job\'s curves after each epoch', () => {
  const metrics = { epoch: 1 } as EpochMetrics;

  it('writes curves.png into the run folder and says where, once', async () => {
    const dir = runDir('run-with-curves', 2, [0.5, 0.5, 0.5]);
    const lines: string[] = [];
    const hook = curvesAfterEachEpoch(dir, (line) => lines.push(line));
    await hook(metrics, runFiles(dir));
    await hook({ ...metrics, epoch: 2 }, runFiles(dir));
    expect(lines).toEqual([`training curves: ${path.join(dir, 'curves.png')} (redrawn after every epoch)`]);
    expect(png(path.join(dir, 'curves.png')).pixelsOf(RUN_COLOURS[0]).length).toBeGreaterThan(300);
  });

  it('turns a failure to draw or write into a warning', async () => {
    const dir = runDir('run-without-room', 1, [0.5, 0.5, 0.5]);
    fs.mkdirSync(path.join(dir, 'curves.png')); // a folder where the picture should go
    const lines: string[] = [];
    await curvesAfterEachEpoch(dir, (line) => lines.push(line))(metrics, runFiles(dir));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warning: could not draw the training curves after epoch 1 into .*curves\.png: .*; training goes on$/);
  });
});
