/**
 * The retrieval examples as a user runs them (child processes through ts-node) on a tiny synthetic set:
 * two tiny checkpoints (SSAN, TSN) trained with train-sth.ts, their features written by
 * extract-features.ts, and retrieval.ts training the joint embedding on each and writing its table.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSyntheticSth } from '../../src/ssan/data';
import { loadVideoFeatures } from '../../src/ssan/retrieval/features';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'retrieval-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const data = path.join(root, 'data');

function run(script: string, args: string[]): { code: number | null; text: string } {
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join('examples', script), ...args], {
    cwd: path.join(__dirname, '..', '..'), encoding: 'utf8', timeout: 120_000,
  });
  return { code: r.status, text: `${r.stdout}${r.stderr}` };
}

const tiny = (arch: string) => ['--data', data, '--format', 'sthv1', '--arch', arch, '--depth', '18', '--width', '2',
  '--segments', '2', '--batch', '6', '--resize', '20', '--crop', '16', '--epochs', '1', '--out', path.join(root, arch)];

describe('examples/extract-features.ts and retrieval.ts', () => {
  it('extract features from checkpoints and compare SSAN and TSN features on captions', () => {
    generateSyntheticSth({ root: data, trainPerClass: 1, valPerClass: 1, minFrames: 4, maxFrames: 4, width: 20, height: 20 });
    for (const arch of ['ssan', 'tsn']) expect(run('train-sth.ts', tiny(arch)).code).toBe(0);
    const ssan = path.join(root, 'ssan', 'best.safetensors');
    const tsn = path.join(root, 'tsn', 'best.safetensors');

    const prefix = path.join(root, 'features', 'ssan');
    const extracted = run('extract-features.ts', ['--out', prefix, ssan]);
    expect(extracted.text).toMatch(/train: 12 videos x \d+ features/);
    expect(extracted.code).toBe(0);
    const { features, metadata } = loadVideoFeatures(`${prefix}-val.safetensors`);
    expect(features.size).toBe(12);
    expect(metadata.arch).toBe('ssan');

    const out = path.join(root, 'retrieval');
    const result = run('retrieval.ts', ['--ssan', ssan, '--tsn', tsn, '--epochs', '2', '--lr', '1e-3', '--out', out]);
    expect(result.code).toBe(0);
    expect(result.text).toMatch(/\| chance \| 8\.3% \| 41\.7% \| 83\.3% \| 6\.5 \|/);
    expect(result.text).toMatch(/\| SSAN \| [\d.]+% \| [\d.]+% \| [\d.]+% \| [\d.]+ \|/);
    expect(result.text).toMatch(/SSAN - TSN, R@1: [+-][\d.]+ points/);
    const saved = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(saved.rows.map((r: { arch: string }) => r.arch)).toEqual(['tsn', 'ssan']);

    const refused = run('retrieval.ts', ['--seeds', '0,1', '--ssan', ssan]);
    expect(refused.code).toBe(1);
    expect(refused.text).toContain('retrieval: --ssan and --tsn name one checkpoint each: give them with one seed only');
  }, 300_000);
});
