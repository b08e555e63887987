/**
 * The `gpu` backend. Where the `webgpu` package (Dawn) finds an adapter, kernels are WGSL compute
 * shaders on that device (./wgsl), and their arrays stay on it between kernels (../../residency.ts);
 * the device runs in a worker thread (device.ts). Without an adapter, the matrix and convolution
 * kernels run through gpu.js in its other modes (headless GL, or WebAssembly on the CPU), which are
 * correct but slower than the `cpu` backend. `setBackend('auto')` prefers this backend only on a
 * hardware adapter: a software one (SwiftShader) runs the same shaders on the CPU, for tests.
 *
 * The registry lists one instance (`gpuBackend`). Nothing starts until it is first asked whether it is
 * available or runs a kernel: then it starts the device (or picks a gpu.js mode, mode.ts) and runs a
 * tiny product to check it.
 */
import * as fs from 'fs';
import type { Backend, KernelTable } from '../../registry';
import { KernelHost } from './host';
import { DEFAULT_CACHE_LIMITS, KernelCache, KernelCacheLimits, KernelCacheStats } from './kernel-cache';
import { GpuKernelTable, gpuKernelTable } from './kernel-table';
import { ModeChoice, decideMode, parseMode, startHost } from './mode';
import { GpuDevice, isSoftwareAdapter } from './device';
import { DeviceArrays } from './device-arrays';
import { wgslKernelTable } from './wgsl';
import { syncToHost } from '../../residency';

export type { GpuMode, KernelHost } from './host';
export type { KernelCacheLimits, KernelCacheStats } from './kernel-cache';
export type { AdapterDescription } from './device';

export interface GpuBackendOptions extends ModeChoice {
  cacheLimits?: KernelCacheLimits;
}

export interface GpuBackend extends Backend {
  /** The gpu.js host kernels run on in gpu.js modes, starting it if needed; throws when it cannot run here. */
  host(): KernelHost;
  /** The WebGPU device when the backend runs on one (starting it if needed), else null. */
  device(): GpuDevice | null;
  /** Compilations, cache hits and releases of gpu.js kernels so far (all zero before start). */
  cacheStats(): KernelCacheStats;
  /** Destroys every compiled kernel and stops the device or host (and its worker); the next kernel starts afresh. */
  close(): void;
}

type Started =
  | { kind: 'webgpu'; device: GpuDevice; table: Partial<KernelTable> }
  | { kind: 'gpu.js'; host: KernelHost; cache: KernelCache; table: GpuKernelTable; passedOver: string[] };

/**
 * Whether this machine could have a hardware adapter, answered without loading anything: on Linux a
 * GPU driver shows as /dev/dri/renderD* or /dev/nvidia*. Elsewhere the device is asked.
 */
function mayHaveHardwareAdapter(): boolean {
  if (process.platform !== 'linux') return true;
  const has = (dir: string, prefix: string) => {
    try {
      return fs.readdirSync(dir).some((name) => name.startsWith(prefix));
    } catch {
      return false;
    }
  };
  return has('/dev/dri', 'renderD') || has('/dev', 'nvidia');
}

export function createGpuBackend(options: GpuBackendOptions = {}): GpuBackend {
  let started: Started | null = null;
  let failure: string | null = null;
  let announced = false;

  function forcedMode() {
    return options.mode ?? (process.env.SSAN_GPU_MODE ? parseMode(process.env.SSAN_GPU_MODE, 'SSAN_GPU_MODE') : undefined);
  }

  function startWebGpu(): Started | string {
    const attempt = GpuDevice.start();
    if (!attempt.device) return attempt.reason;
    const arrays = new DeviceArrays(attempt.device);
    const table = wgslKernelTable(arrays);
    if (!announced) {
      announced = true;
      process.stderr.write(`ssan-ts: gpu backend: ${attempt.device.describe()}\n`);
    }
    return { kind: 'webgpu', device: attempt.device, table };
  }

  function startGpuJs(passedOver: string[]): Started {
    const choice = { ...options, mode: forcedMode() ?? decideMode(options).mode };
    const host = startHost({ mode: choice.mode, passedOver }, choice);
    const cache = new KernelCache(host, options.cacheLimits ?? DEFAULT_CACHE_LIMITS);
    return { kind: 'gpu.js', host, cache, table: gpuKernelTable(cache), passedOver };
  }

  function start(): Started {
    if (started) return started;
    if (failure) throw new Error(`gpu backend: unavailable: ${failure}`);
    let attempt: Started | null = null;
    try {
      const forced = forcedMode();
      if (forced === undefined || forced === 'webgpu') {
        const webgpu = startWebGpu();
        if (typeof webgpu === 'string' && forced === 'webgpu') throw new Error(`no WebGPU device: ${webgpu}`);
        attempt = typeof webgpu === 'string' ? startGpuJs([`no WebGPU: ${webgpu}`]) : webgpu;
      } else {
        attempt = startGpuJs([]);
      }
      checkProduct(attempt.table);
      started = attempt;
      return started;
    } catch (error) {
      if (attempt) closeStarted(attempt);
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

  return {
    name: 'gpu',
    dtypes: ['float32'],
    // The kernels of whichever way the backend started; the registry asks only after isAvailable().
    get kernels(): Partial<KernelTable> {
      return available() ? started!.table : {};
    },
    get keepsDataOnDevice(): boolean {
      return started?.kind === 'webgpu';
    },
    describe(): string {
      if (failure) return `gpu backend, unavailable: ${failure}`;
      if (!started) return 'gpu backend (not started yet)';
      if (started.kind === 'webgpu') return started.device.describe();
      return [started.host.describe(), ...started.passedOver].join('; ');
    },
    isAvailable: available,
    synchronize(): void {
      if (started?.kind === 'webgpu') started.device.sync();
    },
    // Only on a hardware adapter: gpu.js's CPU modes and software WebGPU are slower than the `cpu`
    // backend. Most machines without a GPU answer from the file system in well under a millisecond.
    preferredWhenAvailable(): boolean {
      if (!started && !mayHaveHardwareAdapter()) return false;
      return available() && started!.kind === 'webgpu' && !isSoftwareAdapter(started!.device.adapter);
    },
    host(): KernelHost {
      const s = start();
      if (s.kind !== 'gpu.js') throw new Error('gpu backend: it runs on WebGPU, not through a gpu.js host');
      return s.host;
    },
    device: () => {
      const s = start();
      return s.kind === 'webgpu' ? s.device : null;
    },
    cacheStats(): KernelCacheStats {
      return started?.kind === 'gpu.js' ? started.cache.stats() : { compiled: 0, released: 0, hits: 0, cached: 0, bytes: 0 };
    },
    close(): void {
      if (started) closeStarted(started);
      started = null;
      failure = null;
    },
  };
}

function closeStarted(s: Started): void {
  if (s.kind === 'webgpu') {
    s.device.close();
  } else {
    s.cache.clear();
    s.host.close();
  }
}

/** [[1, 2, 3], [4, 5, 6]] · [[1, 0], [0, 1], [1, 1]]: small integers, so float32 must give them exactly. */
function checkProduct(table: Partial<KernelTable>): void {
  if (!table.gemm) return;
  const c = new Float32Array(4);
  table.gemm({
    transA: false, transB: false, m: 2, n: 2, k: 3,
    a: new Float32Array([1, 2, 3, 4, 5, 6]), b: new Float32Array([1, 0, 0, 1, 1, 1]), c,
  });
  syncToHost(c);
  const expected = [4, 5, 10, 11];
  if (expected.some((v, i) => c[i] !== v)) {
    throw new Error(`a 2x3 by 3x2 product gave [${[...c].join(', ')}]; expected [${expected.join(', ')}]`);
  }
}

/** The instance `setBackend('gpu')` uses. */
export const gpuBackend = createGpuBackend();
