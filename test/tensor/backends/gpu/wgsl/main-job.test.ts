/**
 * The main job end to end on the WebGPU backend: examples/train-sth.ts with --backend gpu trains a tiny
 * SSAN for two epochs and writes the same losses as on the cpu backend, to float32 rounding.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { onWebGpu } from './harness';
import { generateSyntheticSth } from '../../../../../src/ssan/data';
import { readJsonLines } from '../../../../../src/train';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'main-job-gpu-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function train(backend: string): Record<string, number>[] {
  const out = path.join(root, backend);
  const r = spawnSync(process.execPath, [
    '-r', 'ts-node/register/transpile-only', path.join('examples', 'train-sth.ts'),
    '--data', path.join(root, 'data'), '--format', 'sthv1', '--depth', '18', '--width', '2', '--segments', '2',
    '--batch', '6', '--resize', '20', '--crop', '16', '--epochs', '2', '--out', out, '--backend', backend,
  ], { cwd: path.join(__dirname, '..', '..', '..', '..', '..'), encoding: 'utf8', timeout: 300_000 });
  expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  expect(r.stdout).toContain(`kernels: the ${backend} backend`);
  return readJsonLines(path.join(out, 'metrics.jsonl')) as Record<string, number>[];
}

describe.skipIf(!onWebGpu())('the main job on the gpu backend', () => {
  it('trains and evaluates as it does on the cpu backend', () => {
    generateSyntheticSth({ root: path.join(root, 'data'), trainPerClass: 1, valPerClass: 1, minFrames: 4, maxFrames: 4, width: 20, height: 20 });
    const onCpu = train('cpu');
    const onGpu = train('gpu');
    expect(onGpu).toHaveLength(2);
    onGpu.forEach((epoch, i) => {
      for (const key of ['trainLoss', 'valLoss']) expect(epoch[key]).toBeCloseTo(onCpu[i][key], 3);
      // Top-1 of a barely trained model rests on near-equal logits: float32 rounding may flip one clip.
      expect(Math.abs(epoch.valTop1 - onCpu[i].valTop1)).toBeLessThanOrEqual(1 / 12 + 1e-9);
    });
  }, 600_000);
});
