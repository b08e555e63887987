/**
 * The cpu backend's runtime: registration, thread settings, errors from any thread, and a process
 * that uses the worker pool still exiting on its own.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import { join } from 'path';
import { registeredBackends } from '../../../../src';
import { cpuBackend, getNumThreads, setNumThreads } from '../../../../src/tensor/backends/cpu';
import { getRuntime } from '../../../../src/tensor/backends/cpu/runtime';
import { CONTROL_BYTES } from '../../../../src/tensor/backends/cpu/control-block';

/** An address past the end of any WebAssembly memory (as an i32 it is negative: the mailbox is Int32). */
const OUT_OF_BOUNDS = -64;

function onesProduct(size: number): Float32Array {
  const c = new Float32Array(size * size);
  const ones = new Float32Array(size * size).fill(1);
  cpuBackend.kernels.gemm!({ transA: false, transB: false, m: size, n: size, k: size, a: ones, b: ones, c });
  return c;
}

describe('cpu backend runtime', () => {
  it('registers as cpu for float32, available here, and says what it runs', () => {
    expect(registeredBackends().find((b) => b.name === 'cpu')).toBe(cpuBackend);
    expect(cpuBackend.isAvailable()).toBe(true);
    expect(cpuBackend.preferredWhenAvailable()).toBe(false);
    expect(cpuBackend.dtypes).toEqual(['float32']);
    expect(cpuBackend.describe()).toMatch(/^WebAssembly SIMD \((relaxed FMA|mul\+add)\), \d+ threads?$/);
  });

  it('takes a thread count and rejects nonsense, naming the function', () => {
    const before = getNumThreads();
    try {
      setNumThreads(3);
      expect(getNumThreads()).toBe(3);
      expect(cpuBackend.describe()).toMatch(/, 3 threads$/);
      for (const bad of [0, -1, 1.5, 1000]) expect(() => setNumThreads(bad)).toThrow(/setNumThreads: .*got/);
    } finally {
      setNumThreads(before);
    }
  });

  it('reports a worker that traps as an Error, and the pool keeps working', () => {
    const runtime = getRuntime();
    const fine = { name: 'addInto' as const, args: [CONTROL_BYTES, CONTROL_BYTES, 4] };
    const trapping = { name: 'addInto' as const, args: [OUT_OF_BOUNDS, OUT_OF_BOUNDS, 4] };
    expect(() => runtime.workers.run([fine, trapping])).toThrow(/cpu backend: a worker thread failed running addInto.*out of bounds/s);
    // A failure on the calling thread is thrown only after the workers have finished.
    expect(() => runtime.workers.run([trapping, fine])).toThrow(/out of bounds/);
    expect(onesProduct(9)[80]).toBe(9);
  });

  it('lets the process exit after using the worker pool', () => {
    const script = [
      "const { cpuBackend, setNumThreads, setParallelThreshold } = require('./src/tensor/backends/cpu');",
      "const { getRuntime } = require('./src/tensor/backends/cpu/runtime');",
      'setNumThreads(2); setParallelThreshold(0);',
      'const ones = new Float32Array(64 * 64).fill(1), c = new Float32Array(64 * 64);',
      'cpuBackend.kernels.gemm({ transA: false, transB: false, m: 64, n: 64, k: 64, a: ones, b: ones, c });',
      "console.log(c[0], c[4095], getRuntime().workers.workerCount);",
    ].join('\n');
    const started = Date.now();
    const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: join(__dirname, '..', '..', '..', '..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    const seconds = (Date.now() - started) / 1000;
    expect(child.error, `the child did not exit by itself within 60 s (${seconds} s)`).toBeUndefined();
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('64 64 1');
  });
});
