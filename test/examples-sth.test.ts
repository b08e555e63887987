/**
 * The main job's command line, run as a user runs it (a child process through ts-node), on a tiny
 * synthetic set with a tiny model: train, resume, refuse a contradicting flag, evaluate, ensemble.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSyntheticSth } from '../src/ssan/data';
import { readJsonLines } from '../src/ssan/train';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'train-sth-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const data = path.join(root, 'data');
const out = path.join(root, 'run');

function run(script: string, args: string[]): { code: number | null; text: string } {
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join('examples', script), ...args], {
    cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: 120_000,
  });
  return { code: r.status, text: `${r.stdout}${r.stderr}` };
}

const tiny = ['--data', data, '--format', 'sthv1', '--depth', '18', '--width', '2', '--segments', '2', '--batch', '6',
  '--resize', '20', '--crop', '16', '--out', out];

describe('examples/train-sth.ts and eval-sth.ts', () => {
  it('--help lists the options', () => {
    const { code, text } = run('train-sth.ts', ['--help']);
    expect(code).toBe(0);
    for (const flag of ['--data', '--format', '--arch', '--depth', '--segments', '--epochs', '--batch', '--lr', '--resume', '--pretrained', '--out', '--seed',
      '--attn-lr-factor', '--attn-init-std']) {
      expect(text).toContain(flag);
    }
    expect(text).toContain('sthv1 | sthv2 | filelist | kinetics');
  });

  it('trains on a dataset, resumes, refuses a contradicting flag, and its checkpoints evaluate alone and as an ensemble', () => {
    generateSyntheticSth({ root: data, trainPerClass: 1, valPerClass: 1, minFrames: 4, maxFrames: 4, width: 20, height: 20 });
    const first = run('train-sth.ts', [...tiny, '--epochs', '1']);
    expect(first.text).toMatch(/epoch 1: train loss \d/);
    expect(first.code).toBe(0);
    expect(readJsonLines(path.join(out, 'metrics.jsonl'))).toHaveLength(1);

    const resumed = run('train-sth.ts', [...tiny, '--epochs', '2', '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.text).toContain('resumed from');
    expect(readJsonLines(path.join(out, 'metrics.jsonl')).map((m) => m.epoch)).toEqual([1, 2]);

    const contradicting = run('train-sth.ts', [...tiny.map((a) => (a === '2' ? '4' : a)), '--resume']);
    expect(contradicting.code).toBe(1);
    expect(contradicting.text).toMatch(/trained with 2 where this command says 4/);

    const best = path.join(out, 'best.safetensors');
    const evaluated = run('eval-sth.ts', ['--clips', '2', best, path.join(out, 'last.safetensors')]);
    expect(evaluated.code).toBe(0);
    expect(evaluated.text).toMatch(/best\.safetensors \(ssan, ResNet-18, T = 2\): top-1 [\d.]+%/);
    expect(evaluated.text).toMatch(/ensemble of 2 \(mean softmax\): top-1 [\d.]+%  top-5 [\d.]+%  loss [\d.]+  on 12 videos/);
  });

  it('a bad number is an error naming the flag, before any data is read or generated', () => {
    const { code, text } = run('train-sth.ts', ['--data', path.join(root, 'nowhere'), '--attn-lr-factor', '0']);
    expect(code).toBe(1);
    expect(text).toMatch(/--attn-lr-factor must be a number > 0; got '0'/);
  });

  it('a missing dataset is a clear error', () => {
    const { code, text } = run('train-sth.ts', ['--data', path.join(root, 'nowhere'), '--epochs', '1']);
    expect(code).toBe(1);
    expect(text).toMatch(/train-sth: .*nowhere/);
  });
});
