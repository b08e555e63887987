/**
 * The gpu backend's kernel cache: a kernel is compiled once per shape and reused, the cache stays
 * within its bounds, and what it evicts is destroyed (gpu.js's own count of live kernels goes down).
 */
import { describe, expect, it } from 'vitest';
import { KernelCache } from '../../../../src/tensor/backends/gpu/kernel-cache';
import { KernelHandle, KernelHost } from '../../../../src/tensor/backends/gpu/host';
import { KernelSpec, outputSize } from '../../../../src/tensor/backends/gpu/kernel-spec';
import { createGpuBackend } from '../../../../src/tensor/backends/gpu';

/** A host that only records what it is asked to do. */
class RecordingHost implements KernelHost {
  readonly mode = 'cpu';
  readonly compiledKeys: string[] = [];
  readonly releasedKeys: string[] = [];
  private readonly live = new Map<KernelHandle, KernelSpec>();
  private next = 1;
  describe = () => 'a recording test double';
  compile(spec: KernelSpec): KernelHandle {
    this.compiledKeys.push(spec.key);
    this.live.set(this.next, spec);
    return this.next++;
  }
  run(handle: KernelHandle): Float32Array {
    return new Float32Array(outputSize(this.live.get(handle)!));
  }
  release(handle: KernelHandle): void {
    this.releasedKeys.push(this.live.get(handle)!.key);
    this.live.delete(handle);
  }
  liveKernels = () => this.live.size;
  close(): void {}
}

function spec(key: string, inputLength = 1): KernelSpec {
  return { key, source: '', output: [1, 1, 1], constants: {}, inputLengths: [inputLength] };
}

const input = (n = 1) => [new Float32Array(n)];

describe('KernelCache', () => {
  it('compiles a key once and reuses it', () => {
    const host = new RecordingHost();
    const cache = new KernelCache(host, { maxKernels: 4, maxBytes: 1e9 });
    for (let i = 0; i < 3; i++) cache.run(spec('a'), input());
    expect(host.compiledKeys).toEqual(['a']);
    expect(cache.stats()).toMatchObject({ compiled: 1, hits: 2, cached: 1, released: 0 });
  });

  it('evicts and releases the least recently used kernel beyond maxKernels', () => {
    const host = new RecordingHost();
    const cache = new KernelCache(host, { maxKernels: 2, maxBytes: 1e9 });
    for (const key of ['a', 'b', 'a', 'c', 'a', 'b']) cache.run(spec(key), input());
    // 'c' pushed out 'b' (used before 'a'), then 'b' came back and pushed out 'c'.
    expect(host.releasedKeys).toEqual(['b', 'c']);
    expect(host.compiledKeys).toEqual(['a', 'b', 'c', 'b']);
    expect(host.liveKernels()).toBe(2);
    expect(cache.stats()).toMatchObject({ compiled: 4, released: 2, cached: 2, hits: 2 });
  });

  it('keeps the bytes of cached kernels within maxBytes, but always runs the newest kernel', () => {
    const host = new RecordingHost();
    // Each spec holds (input + output) floats: 4 * (99 + 1) = 400 bytes.
    const cache = new KernelCache(host, { maxKernels: 100, maxBytes: 1000 });
    for (const key of ['a', 'b', 'c', 'd']) cache.run(spec(key, 99), input(99));
    expect(cache.stats()).toMatchObject({ cached: 2, bytes: 800 });
    expect(host.releasedKeys).toEqual(['a', 'b']);
    const huge = new KernelCache(host, { maxKernels: 100, maxBytes: 10 });
    huge.run(spec('big', 99), input(99));
    expect(huge.stats()).toMatchObject({ cached: 1, compiled: 1 });
  });

  it('releases everything on clear', () => {
    const host = new RecordingHost();
    const cache = new KernelCache(host, { maxKernels: 8, maxBytes: 1e9 });
    for (const key of ['a', 'b', 'c']) cache.run(spec(key), input());
    cache.clear();
    expect(host.liveKernels()).toBe(0);
    expect(cache.stats()).toMatchObject({ cached: 0, bytes: 0, released: 3 });
  });
});

describe('gpu backend kernel cache, with gpu.js', () => {
  const product = (m: number, n: number, k: number) => ({
    transA: false, transB: false, m, n, k,
    a: new Float32Array(m * k).fill(1), b: new Float32Array(k * n).fill(1), c: new Float32Array(m * n),
  });

  it('compiles a product once per shape and reuses it', () => {
    const backend = createGpuBackend();
    try {
      backend.kernels.gemm!(product(3, 4, 5));
      const after = backend.cacheStats();
      for (let i = 0; i < 5; i++) {
        const args = product(3, 4, 5);
        backend.kernels.gemm!(args);
        expect(args.c[0]).toBe(5);
      }
      expect(backend.cacheStats().compiled).toBe(after.compiled);
      expect(backend.cacheStats().hits).toBe(after.hits + 5);
      backend.kernels.gemm!(product(4, 3, 5));
      expect(backend.cacheStats().compiled).toBe(after.compiled + 1);
    } finally {
      backend.close();
    }
  });

  it('does not grow over many calls with many shapes, and destroys what it evicts', () => {
    const backend = createGpuBackend({ cacheLimits: { maxKernels: 4, maxBytes: 1e9 } });
    try {
      const host = backend.host();
      for (let round = 0; round < 3; round++) {
        for (let size = 1; size <= 12; size++) {
          const args = product(size, 2, 3);
          backend.kernels.gemm!(args);
          expect(args.c[args.c.length - 1]).toBe(3);
          // gpu.js's own list of live kernels is what holds WebAssembly memories or GPU buffers.
          expect(host.liveKernels()).toBeLessThanOrEqual(4);
        }
      }
      const stats = backend.cacheStats();
      expect(stats.cached).toBe(4);
      expect(host.liveKernels()).toBe(stats.cached);
      expect(stats.released).toBe(stats.compiled - stats.cached);
      backend.close();
      expect(host.liveKernels()).toBe(0);
    } finally {
      backend.close();
    }
  });
});
