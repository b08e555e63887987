/**
 * The synthetic set's lock file: a live owner is waited for (and named once), a dead owner's lock is
 * taken over, the lock goes however the body ends, and two processes ensuring one set at once both end
 * with the same complete set (before the lock, the second cleared what the first was writing).
 */
import { spawn, spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { withLockFile } from '../../../../src/ssan/data/synthetic/generation-lock';

const roots: string[] = [];
function tempRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ssan-lock-'));
  roots.push(root);
  return root;
}
afterEach(() => {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

/** A process id that is not running: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('withLockFile', () => {
  it('holds the lock file with its own pid during the body and removes it after, also when the body throws', () => {
    const lock = path.join(tempRoot(), 'x.lock');
    const seen = withLockFile(lock, () => fs.readFileSync(lock, 'utf8'));
    expect(seen).toBe(String(process.pid));
    expect(fs.existsSync(lock)).toBe(false);
    expect(() => withLockFile(lock, () => { throw new Error('boom'); })).toThrow('boom');
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('takes over a lock whose owner has exited, without waiting', () => {
    const lock = path.join(tempRoot(), 'x.lock');
    fs.writeFileSync(lock, String(deadPid()));
    const waits: number[] = [];
    const started = Date.now();
    expect(withLockFile(lock, () => 'ran', (pid) => waits.push(pid))).toBe('ran');
    expect(waits).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('waits while a live process holds the lock, says so once with its pid, then runs', () => {
    const lock = path.join(tempRoot(), 'x.lock');
    // The owner: a shell that writes its own pid into the lock, waits, then releases it.
    const owner = spawn('sh', ['-c', `echo $$ > '${lock}'; sleep 0.8; rm -f '${lock}'`]);
    const deadline = Date.now() + 5000;
    while (!(fs.existsSync(lock) && fs.readFileSync(lock, 'utf8').trim() !== '') && Date.now() < deadline) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
    const waits: number[] = [];
    const started = Date.now();
    withLockFile(lock, () => undefined, (pid) => waits.push(pid));
    expect(waits).toEqual([owner.pid]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    owner.kill();
  });
});

describe('ensureSyntheticSth from two processes at once', () => {
  it('both end with the same complete set', async () => {
    const root = tempRoot();
    const script =
      "const { ensureSyntheticSth } = require('./src/ssan/data/synthetic');" +
      `const s = ensureSyntheticSth({ root: ${JSON.stringify(root)}, seed: 1, trainPerClass: 3, valPerClass: 1, ` +
      'minFrames: 4, maxFrames: 4, width: 24, height: 24 });' +
      'process.stdout.write(JSON.stringify({ train: s.trainVideos, frames: s.frames }));';
    const run = () => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: process.cwd() });
      let out = '', err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => resolve({ code, out, err }));
    });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.err).toBe('');
    expect(b.err).toBe('');
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(JSON.parse(a.out)).toEqual({ train: 36, frames: 48 * 4 });
    expect(JSON.parse(b.out)).toEqual(JSON.parse(a.out));
    expect(fs.existsSync(path.join(root, 'synthetic.lock'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'synthetic.in-progress'))).toBe(false);
  }, 60_000);
});
