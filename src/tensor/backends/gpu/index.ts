/**
 * The `gpu` backend: the registry's kernels as gpu.js kernels, float32 only. gpu.js runs them on a GPU
 * through WebGPU where an adapter exists, and otherwise on the CPU (its WebAssembly mode), where it is
 * correct but slower than the `cpu` backend, so `setBackend('auto')` prefers it only on a real GPU.
 *
 * The registry lists one instance (`gpuBackend`). Nothing starts until it is first asked whether it is
 * available or runs a kernel: then it picks a mode (mode.ts), and runs a tiny product to check it.
 */
import type { Backend } from '../../registry';
import { KernelHost } from './host';
import { DEFAULT_CACHE_LIMITS, KernelCache, KernelCacheLimits, KernelCacheStats } from './kernel-cache';
import { GpuKernelTable, gpuKernelTable } from './kernel-table';
import { ModeChoice, ModeDecision, decideMode, startHost } from './mode';

export type { GpuMode, KernelHost } from './host';
export type { KernelCacheLimits, KernelCacheStats } from './kernel-cache';

export interface GpuBackendOptions extends ModeChoice {
  cacheLimits?: KernelCacheLimits;
}

export interface GpuBackend extends Backend {
  /** The host kernels run on, starting it if needed; throws when gpu.js cannot run here. */
  host(): KernelHost;
  /** Compilations, cache hits and releases so far (all zero before start). */
  cacheStats(): KernelCacheStats;
  /** Destroys every compiled kernel and stops the host (and its worker); the next kernel decides and starts afresh. */
  close(): void;
}

interface Started {
  host: KernelHost;
  cache: KernelCache;
  table: GpuKernelTable;
  passedOver: string[];
}

export function createGpuBackend(options: GpuBackendOptions = {}): GpuBackend {
  let decision: ModeDecision | null = null;
  let started: Started | null = null;
  let failure: string | null = null;

  /** The mode, decided once; cheap unless it finds a GPU (see mode.ts). */
  function decide(): ModeDecision {
    if (!decision) decision = decideMode(options);
    return decision;
  }

  function start(): Started {
    if (started) return started;
    if (failure) throw new Error(`gpu backend: unavailable: ${failure}`);
    let host: KernelHost | null = null;
    try {
      const chosen = decide();
      host = startHost(chosen, options);
      const cache = new KernelCache(host, options.cacheLimits ?? DEFAULT_CACHE_LIMITS);
      const table = gpuKernelTable(cache);
      checkProduct(table);
      started = { host, cache, table, passedOver: chosen.passedOver };
      return started;
    } catch (error) {
      host?.close();
      failure = (error as Error).message;
      throw new Error(`gpu backend: unavailable: ${failure}`);
    }
  }

  function available(): boolean {
    try {
      start();
      return true;
    } catch {
      return false;
    }
  }

  const kernels: GpuKernelTable = {
    gemm: (args) => start().table.gemm(args),
    batchedGemm: (args) => start().table.batchedGemm(args),
    convForward: (args) => start().table.convForward(args),
    convBackwardData: (args) => start().table.convBackwardData(args),
    convBackwardFilter: (args) => start().table.convBackwardFilter(args),
  };

  return {
    name: 'gpu',
    dtypes: ['float32'],
    kernels,
    describe(): string {
      if (failure) return `gpu.js, unavailable: ${failure}`;
      if (!started) return decision ? `gpu.js '${decision.mode}' mode (not started yet)` : 'gpu.js (not started yet)';
      return [started.host.describe(), ...started.passedOver].join('; ');
    },
    isAvailable: available,
    // Only on a GPU: gpu.js's CPU modes are slower than the `cpu` backend. Deciding the mode does not
    // load gpu.js, so a program without a GPU pays about a millisecond to learn it.
    preferredWhenAvailable(): boolean {
      const mode = decide().mode;
      return (mode === 'webgpu' || mode === 'headlessgl') && available();
    },
    host: () => start().host,
    cacheStats(): KernelCacheStats {
      return started ? started.cache.stats() : { compiled: 0, released: 0, hits: 0, cached: 0, bytes: 0 };
    },
    close(): void {
      if (started) {
        started.cache.clear();
        started.host.close();
      } else {
        decision?.webgpuHost?.close();
      }
      started = null;
      decision = null;
      failure = null;
    },
  };
}

/** [[1, 2, 3], [4, 5, 6]] · [[1, 0], [0, 1], [1, 1]]: small integers, so float32 must give them exactly. */
function checkProduct(table: GpuKernelTable): void {
  const c = new Float32Array(4);
  table.gemm({
    transA: false, transB: false, m: 2, n: 2, k: 3,
    a: new Float32Array([1, 2, 3, 4, 5, 6]), b: new Float32Array([1, 0, 0, 1, 1, 1]), c,
  });
  const expected = [4, 5, 10, 11];
  if (expected.some((v, i) => c[i] !== v)) {
    throw new Error(`a 2x3 by 3x2 product gave [${[...c].join(', ')}]; expected [${expected.join(', ')}]`);
  }
}

/** The instance `setBackend('gpu')` uses. */
export const gpuBackend = createGpuBackend();
