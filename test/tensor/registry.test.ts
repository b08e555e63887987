/** The kernel registry: backend choice, fallback to the reference, and the coverage matrix. */
import { describe, expect, it, vi } from 'vitest';
import { getBackend, registerBackend, registeredBackends, setBackend, withBackend } from '../../src';
import { KERNEL_GRADIENTS, kernel } from '../../src/tensor/registry';
import type { KernelName } from '../../src';

const KERNELS = Object.keys(KERNEL_GRADIENTS) as KernelName[];

describe('kernel registry', () => {
  it('prints the coverage matrix (kernel x backend) and finds a gradient for every kernel', () => {
    const backends = registeredBackends();
    const header = ['kernel', ...backends.map((b) => b.name), 'used by'];
    const rows = KERNELS.map((name) => [
      name,
      ...backends.map((b) => (b.kernels[name] ? (b.isAvailable() ? 'yes' : 'yes (unavailable here)') : '-')),
      KERNEL_GRADIENTS[name].op,
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
    console.log(['', line(header), ...rows.map(line)].join('\n'));

    for (const backend of backends) {
      for (const name of Object.keys(backend.kernels) as KernelName[]) {
        // A kernel the registry does not list would have no declared gradient.
        expect(KERNEL_GRADIENTS[name], `${backend.name}/${name} is not in KERNEL_GRADIENTS`).toBeDefined();
        const { backward } = KERNEL_GRADIENTS[name];
        if (backward === 'is-gradient') continue;
        for (const gradient of backward) {
          expect(backend.kernels[gradient], `${backend.name} has ${name} but not its gradient ${gradient}`).toBeDefined();
        }
      }
    }
  });

  it('has the TypeScript reference for every kernel', () => {
    const ts = registeredBackends().find((b) => b.name === 'ts');
    for (const name of KERNELS) expect(ts?.kernels[name], name).toBeTypeOf('function');
  });

  it('rejects an unknown backend with the list of known ones, keeping the current one', () => {
    const before = getBackend();
    expect(() => setBackend('tpu' as never)).toThrow(/unknown backend 'tpu'.*ts/);
    expect(getBackend()).toBe(before);
  });

  it('runs float64 on the reference whatever the backend', () => {
    for (const backend of registeredBackends().filter((b) => b.isAvailable())) {
      withBackend(backend.name, () => {
        const ts = registeredBackends().find((b) => b.name === 'ts')!;
        expect(kernel('gemm', 'float64')).toBe(ts.kernels.gemm);
      });
    }
  });

  it('restores the previous backend after withBackend, even when the body throws', () => {
    const before = getBackend();
    expect(() => withBackend('ts', () => { throw new Error('boom'); })).toThrow('boom');
    expect(getBackend()).toBe(before);
  });

  // Last, because it replaces the gpu backend of this test file's registry with a partial one.
  it('notes a missing kernel once and falls back to the reference', () => {
    const ts = registeredBackends().find((b) => b.name === 'ts')!;
    const fakeGemm = vi.fn();
    registerBackend({
      name: 'gpu', describe: () => 'a test double with only gemm', isAvailable: () => true,
      preferredWhenAvailable: () => false, dtypes: ['float32'], kernels: { gemm: fakeGemm },
    });
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      withBackend('gpu', () => {
        expect(kernel('gemm', 'float32')).toBe(fakeGemm);
        expect(kernel('convForward', 'float32')).toBe(ts.kernels.convForward);
        expect(kernel('convForward', 'float32')).toBe(ts.kernels.convForward);
      });
      const notes = write.mock.calls.map(([text]) => String(text)).filter((t) => t.includes('convForward'));
      expect(notes).toEqual(["ssan-ts: backend 'gpu' has no 'convForward' kernel; using the TypeScript one\n"]);
    } finally {
      write.mockRestore();
    }
  });
});
