/**
 * The main job's command line, run as a user runs it (a child process through ts-node), on a tiny
 * synthetic set with a tiny model: train, resume on the recorded dataset, refuse contradicting flags and
 * a changed dataset, evaluate, ensemble, the pictures (curves.png after each epoch, the confusion matrix, the
 * per-class comparison with the dataset's class names); and the plain messages for a wrong --epochs, --out or --resume.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSyntheticSth } from '../../src/ssan/data';
import { readJsonLines } from '../../src/train';
import { FIGURE_COLORS } from '../../src/ssan/viz/attention';
import { FULL_CELL_COLOUR } from '../../src/ssan/viz/confusion';
import { FLAGS } from '../../examples/train-sth-flags';
import { decodePng } from '../ssan/viz/pixels';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'train-sth-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const data = path.join(root, 'data');
const out = path.join(root, 'run');

function run(script: string, args: string[]): { code: number | null; text: string } {
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join('examples', script), ...args], {
    cwd: path.join(__dirname, '..', '..'), encoding: 'utf8', timeout: 120_000,
  });
  return { code: r.status, text: `${r.stdout}${r.stderr}` };
}

const tiny = ['--data', data, '--format', 'sthv1', '--depth', '18', '--width', '2', '--segments', '2', '--batch', '6',
  '--resize', '20', '--crop', '16', '--out', out];
const nowhere = path.join(root, 'nowhere');

describe('examples/train-sth.ts and eval-sth.ts', () => {
  it('--help lists every option', () => {
    const { code, text } = run('train-sth.ts', ['--help']);
    expect(code).toBe(0);
    for (const flag of FLAGS) expect(text).toContain(`--${flag.name}`);
    expect(text).toContain('sthv1 | sthv2 | filelist | kinetics');
  });

  it('trains on a dataset, resumes on it without --data, refuses contradicting flags and a changed dataset, and its checkpoints evaluate alone and as an ensemble and draw their pictures', () => {
    generateSyntheticSth({ root: data, trainPerClass: 1, valPerClass: 1, minFrames: 4, maxFrames: 4, width: 20, height: 20 });
    // A stale run in --out: --overwrite replaces it.
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'metrics.jsonl'), '{"epoch":1}\n{"epoch":2}\n');
    const first = run('train-sth.ts', [...tiny, '--epochs', '1', '--overwrite']);
    expect(first.text).toMatch(/epoch 1: train loss \d/);
    expect(first.code).toBe(0);
    expect(readJsonLines(path.join(out, 'metrics.jsonl'))).toHaveLength(1);
    const curves = path.join(out, 'curves.png');
    expect(first.text).toContain(`training curves: ${curves} (redrawn after every epoch)`);
    const firstCurves = fs.readFileSync(curves);

    const again = run('train-sth.ts', [...tiny, '--epochs', '1']);
    expect(again.code).toBe(1);
    expect(again.text).toContain(`train-sth: --out ${out} holds a run (last.safetensors, best.safetensors, metrics.jsonl); continue it with --resume, or replace it with --overwrite`);

    // What the interrupt hint says: the dataset and settings come from the checkpoint, not the defaults.
    const resumed = run('train-sth.ts', ['--out', out, '--resume', '--epochs', '2', '--workers', '2', '--crop', '16']);
    expect(resumed.code).toBe(0);
    expect(resumed.text).toContain('resumed from');
    expect(resumed.text).toContain(`12 classes, T = 2, 16x16 crops; 12 train / 12 val videos in ${data}; batch 6 x 8`);
    expect(resumed.text).not.toMatch(/synthetic/);
    expect(readJsonLines(path.join(out, 'metrics.jsonl')).map((m) => m.epoch)).toEqual([1, 2]);
    // Redrawn with the resumed epoch.
    expect(fs.readFileSync(curves).equals(firstCurves)).toBe(false);
    expect(resumed.text).toContain(`training curves: ${curves}`);

    const contradicting = run('train-sth.ts', ['--out', out, '--resume', '--data', nowhere, '--resize', '24', '--crop', '16', '--accumulate', '2']);
    expect(contradicting.code).toBe(1);
    expect(contradicting.text).toContain(`train-sth: --resume: the run in ${out} was trained with --data ${data}, --resize 20, --accumulate 8, ` +
      `where this command says --data ${nowhere}, --resize 24, --accumulate 2; drop --data, --resize, --accumulate to continue the run`);
    expect(contradicting.text).not.toMatch(/\n\s+at /);

    const best = path.join(out, 'best.safetensors');
    const evaluated = run('eval-sth.ts', ['--clips', '2', best, path.join(out, 'last.safetensors')]);
    expect(evaluated.code).toBe(0);
    expect(evaluated.text).toMatch(/best\.safetensors \(ssan, ResNet-18, T = 2\): top-1 [\d.]+%/);
    expect(evaluated.text).toMatch(/ensemble of 2 \(mean softmax\): top-1 [\d.]+%  top-5 [\d.]+%  loss [\d.]+  on 12 videos/);

    // The confusion matrix of the first checkpoint, from eval-sth and from visualize: 12 classes' cells,
    // the fullest in the darkest colour.
    const confusion = path.join(root, 'confusion.png');
    const withConfusion = run('eval-sth.ts', ['--confusion', confusion, best]);
    expect(withConfusion.code).toBe(0);
    expect(withConfusion.text).toContain(`confusion matrix of ${best}: ${confusion}`);
    const matrix = decodePng(fs.readFileSync(confusion));
    expect(matrix.width).toBeGreaterThan(12 * 26);
    expect(matrix.pixelsOf(FULL_CELL_COLOUR).length).toBeGreaterThan(100);
    const rates = path.join(root, 'confusion-rates.png');
    const visualized = run('visualize.ts', ['confusion', best, '--rates', '--out', rates]);
    expect(visualized.code).toBe(0);
    expect(decodePng(fs.readFileSync(rates)).pixelsOf(FULL_CELL_COLOUR).length).toBeGreaterThan(0);
    // Per-class names come from the dataset a run's checkpoint records.
    const copy = path.join(root, 'run-copy');
    fs.mkdirSync(copy);
    fs.copyFileSync(path.join(out, 'metrics.jsonl'), path.join(copy, 'metrics.jsonl'));
    const perClass = run('visualize.ts', ['per-class', out, copy, '--out', path.join(root, 'per-class.png')]);
    expect(perClass.code).toBe(0);
    expect(perClass.text).toContain('minus run-copy (epoch 2), 12 classes');
    expect(perClass.text).not.toContain('numbered');
    // Figure 1 from the SSA checkpoint alone: the arrows in their colour, the missing 3D panel said.
    const attention = path.join(root, 'attention.png');
    const figure = run('visualize.ts', ['attention', best, '--video', '2', '--query', '1,8,8', '--out', attention]);
    expect(figure.code).toBe(0);
    expect(figure.text).toContain('query: frame 1, pixel (8, 8)');
    expect(figure.text).toContain(`attention figure: ${attention}`);
    expect(decodePng(fs.readFileSync(attention)).pixelsOf(FIGURE_COLORS.ssaArrow).length).toBeGreaterThan(10);
    const badQuery = run('visualize.ts', ['attention', best, '--query', '1,8']);
    expect(badQuery.code).toBe(1);
    expect(badQuery.text).toContain("attention: --query must be three integers >= 0, FRAME,ROW,COL; got '1,8'");

    // One validation video fewer: the run's validation would no longer be the run's.
    const valList = path.join(data, 'something-something-v1-validation.csv');
    fs.writeFileSync(valList, fs.readFileSync(valList, 'utf8').split('\n').slice(1).join('\n'));
    const changed = run('train-sth.ts', ['--out', out, '--resume', '--epochs', '3']);
    expect(changed.code).toBe(1);
    expect(changed.text).toContain(`train-sth: --resume: the dataset in ${data} changed since the run in ${out} started (validation videos 12 -> 11)`);
  });

  it('--epochs 0, an --out that is a file and --resume without a checkpoint are plain errors naming the flag, before any data is read', () => {
    const metricsOnly = path.join(root, 'metrics-only');
    const cases: [string[], string][] = [
      [['--epochs', '0'], "train-sth: --epochs must be an integer >= 1; got '0'"],
      [['--out', path.join(__dirname, '..', '..', 'package.json')], "is a file; --out names the run's folder"],
      [['--out', path.join(root, 'empty'), '--resume'], `train-sth: --resume: there is no run to continue in ${path.join(root, 'empty')} (no such folder)`],
      [['--out', metricsOnly, '--resume'], `(only metrics.jsonl: it stopped before saving last.safetensors); start it again with --overwrite`],
    ];
    fs.mkdirSync(metricsOnly);
    fs.writeFileSync(path.join(metricsOnly, 'metrics.jsonl'), '');
    for (const [args, message] of cases) {
      const { code, text } = run('train-sth.ts', ['--data', nowhere, ...args]);
      expect(code).toBe(1);
      expect(text).toContain(message);
      expect(text).not.toContain('nowhere');
    }
  });

  it('a bad number is an error naming the flag, before any data is read or generated', () => {
    const { code, text } = run('train-sth.ts', ['--data', nowhere, '--attn-lr-factor', '0']);
    expect(code).toBe(1);
    expect(text).toMatch(/--attn-lr-factor must be a number > 0; got '0'/);
  });

  it('a missing dataset is a clear error', () => {
    const { code, text } = run('train-sth.ts', ['--data', nowhere, '--epochs', '1']);
    expect(code).toBe(1);
    expect(text).toMatch(/train-sth: .*nowhere/);
  });
});
