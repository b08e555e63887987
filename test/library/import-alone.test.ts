/**
 * Every module of the library works when a program imports it first and alone: each compiled file of
 * src is loaded by itself in a fresh Node process, called into, and then the whole library is used
 * (load-first.cjs). This guards against behaviour that depends on import order or on side-effect
 * imports, e.g. tensor methods that exist only once some other module was loaded.
 */
import { execFile, execFileSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { promisify } from 'util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = path.resolve(__dirname, '../..');
// Inside the repository, so the compiled files find node_modules as installed code would.
const build = path.join(repo, 'tmp', `import-alone-${process.pid}`);

/** Programs for worker threads, not modules: loaded alone they must refuse with a clear message. */
const WORKER_PROGRAMS: Record<string, RegExp> = {
  'ssan/data/loader-worker.js': /must run in a worker thread started by ClipLoader/,
};

/** The files under `dir` whose names end in `ext`, relative to it. */
function filesEndingIn(dir: string, ext: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return filesEndingIn(path.join(dir, entry.name), ext, rel);
    return entry.name.endsWith(ext) ? [rel] : [];
  });
}

/** Runs `task` over `items`, `limit` at a time (the machines have 2 cores). */
async function eachLimited<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: limit }, async () => {
    while (next < items.length) await task(items[next++]);
  });
  await Promise.all(lanes);
}

describe('importing any module alone', () => {
  beforeAll(() => {
    const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', path.join(repo, 'tsconfig.build.json'), '--outDir', build, '--declaration', 'false', '--sourceMap', 'false', '--declarationMap', 'false']);
  }, 120_000);
  afterAll(() => fs.rmSync(build, { recursive: true, force: true }));

  it('every src file loads first in a fresh process and the library works after it', async () => {
    const files = filesEndingIn(build, '.js');
    const sources = filesEndingIn(path.join(repo, 'src'), '.ts').map((f) => f.replace(/\.ts$/, '.js'));
    expect(files.sort()).toEqual(sources.sort());
    const failures: string[] = [];
    await eachLimited(files, 2, async (file) => {
      const args = [path.join(__dirname, 'load-first.cjs'), build, file];
      const expectedRefusal = WORKER_PROGRAMS[file];
      try {
        const { stdout } = await run(process.execPath, args, { cwd: repo });
        if (expectedRefusal) failures.push(`${file}: loaded in the main thread without refusing`);
        else if (stdout.trim() !== 'ok') failures.push(`${file}: printed ${JSON.stringify(stdout)}`);
      } catch (err) {
        const stderr = String((err as { stderr?: string }).stderr ?? err);
        if (!expectedRefusal?.test(stderr)) failures.push(`${file}:\n${stderr.split('\n').slice(0, 8).join('\n')}`);
      }
    });
    expect(failures).toEqual([]);
  }, 300_000);
});
