/**
 * The package as a user gets it: `npm pack` (which builds dist/ through the `prepare` script), then
 * `npm install <tarball>` into an empty project outside the repository, then the library used from
 * there by name, with require, with an ES module import, and from TypeScript under strict typechecking.
 */
import { execFileSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ssan-ts-package-'));
const project = path.join(work, 'project');
let tarball = '';

function sh(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A copy of what `npm pack` reads, so packing (and its build) never touches the working tree. */
function stagePackage(): string {
  const stage = path.join(work, 'stage');
  fs.mkdirSync(stage);
  for (const entry of ['package.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'src']) {
    fs.cpSync(path.join(repo, entry), path.join(stage, entry), { recursive: true });
  }
  // The build needs the compiler and the types, which are dev dependencies.
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
  return stage;
}

describe('the npm package', () => {
  beforeAll(() => {
    const stage = stagePackage();
    const packed = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', work], stage)) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(work, packed[0].filename);
    fs.writeFileSync(path.join(work, 'files.json'), JSON.stringify(packed[0].files.map((f) => f.path)));
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
    // --prefer-offline: the dependencies come from npm's cache, filled by the repository's own install.
    sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
  }, 240_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('ships the compiled library, its declarations and sources, and no tests', () => {
    const files: string[] = JSON.parse(fs.readFileSync(path.join(work, 'files.json'), 'utf8'));
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('src/index.ts');
    expect(files.filter((f) => /^(test|\.ci|bench|examples|scripts)\//.test(f))).toEqual([]);
  });

  it("require('ssan-ts') builds and runs a model", () => {
    const script = `
      const { nn, ssan, randn, manualSeed } = require('ssan-ts');
      manualSeed(0);
      const model = ssan.createModel({ arch: 'ssan', depth: 50, width: 4, numClasses: 3, numSegments: 2 });
      const logits = model.forward(randn([1, 2, 3, 32, 32]));
      logits.sum().backward();
      const linear = new nn.Linear(3, 2);
      console.log(JSON.stringify({ shape: logits.shape, finite: [...logits.data].every(Number.isFinite), params: linear.parameters().length }));`;
    const out = JSON.parse(sh(process.execPath, ['-e', script], project));
    expect(out).toEqual({ shape: [1, 3], finite: true, params: 2 });
  });

  it('an ES module imports it by name', () => {
    fs.writeFileSync(path.join(project, 'use.mjs'), "import { nn, ssan, randn } from 'ssan-ts';\nconsole.log(typeof nn.Conv2d, typeof ssan.SSA, randn([2, 3]).sum().shape.length);\n");
    expect(sh(process.execPath, ['use.mjs'], project).trim()).toBe('function function 0');
  });

  it('TypeScript typechecks an import of it under strict settings, without skipping its declarations', () => {
    fs.writeFileSync(path.join(project, 'use.ts'), [
      "import { nn, ssan, randn, type Tensor } from 'ssan-ts';",
      "const model = ssan.createModel({ arch: 'tsm', depth: 18, width: 4, numClasses: 3, numSegments: 2 });",
      'const logits: Tensor = model.forward(randn([1, 2, 3, 32, 32]));',
      'const layer: nn.Module = new nn.Linear(3, 2);',
      'console.log(logits.shape, layer.parameters().length);',
      '',
    ].join('\n'));
    // The checker must reject misuse: this file shows it really reads the package's declarations.
    fs.writeFileSync(path.join(project, 'misuse.ts'), "import { ssan } from 'ssan-ts';\nssan.createModel({ arch: 'nope' });\n");
    const config = (files: string[]) => JSON.stringify({
      compilerOptions: {
        strict: true, module: 'node16', moduleResolution: 'node16', target: 'ES2022', noEmit: true, skipLibCheck: false,
        types: ['node'], typeRoots: [path.join(repo, 'node_modules', '@types')],
      },
      files,
    });
    const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    fs.writeFileSync(path.join(project, 'tsconfig.json'), config(['use.ts']));
    sh(process.execPath, [tsc, '-p', '.'], project);
    fs.writeFileSync(path.join(project, 'tsconfig.json'), config(['misuse.ts']));
    const rejected = (() => {
      try {
        sh(process.execPath, [tsc, '-p', '.'], project);
        return 'accepted';
      } catch (err) {
        return String((err as { stdout?: string }).stdout);
      }
    })();
    expect(rejected).toMatch(/misuse\.ts.*"nope".*not assignable to type 'Arch'/);
  });
});
