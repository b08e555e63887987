/**
 * The gpu backend's worker thread (built for WebGPU, exercised here in gpu.js's WebAssembly mode),
 * its mode choice, its place in the registry, and that a program using it exits by itself.
 */
import { spawnSync } from 'child_process';
import { describe, expect, it } from 'vitest';
import { WorkerHost } from '../../../../src/tensor/backends/gpu/worker-host';
import { kernelSpec } from '../../../../src/tensor/backends/gpu/kernel-spec';
import { gemmSpec } from '../../../../src/tensor/backends/gpu/gemm-kernel';
import { chooseHost, parseMode } from '../../../../src/tensor/backends/gpu/mode';
import { createGpuBackend, gpuBackend } from '../../../../src/tensor/backends/gpu';
import { isSoftwareAdapter } from '../../../../src/tensor/backends/gpu/device';
import { registeredBackends, withBackend } from '../../../../src';
import { kernel } from '../../../../src/tensor/registry';

function startWorker(): WorkerHost {
  const started = WorkerHost.start({ mode: 'webasm' });
  if (!started.host) throw new Error(`the webasm worker did not start: ${started.reason}`);
  return started.host;
}

describe('gpu backend worker thread', () => {
  it('runs kernels, and releases them in the worker', () => {
    const host = startWorker();
    try {
      const spec = gemmSpec({ transA: false, transB: true, m: 2, n: 3, k: 2, batch: 1, aLength: 4, bLength: 6, indexLengths: [1, 1] });
      const handle = host.compile(spec);
      // A = [[1, 2], [3, 4]], B^T rows [1, 0], [0, 1], [1, 1].
      const out = host.run(handle, [new Float32Array([1, 2, 3, 4]), new Float32Array([1, 0, 0, 1, 1, 1]), new Float32Array([0]), new Float32Array([0])]);
      expect([...out]).toEqual([1, 2, 3, 3, 4, 7]);
      expect(host.liveKernels()).toBe(1);
      host.release(handle);
      expect(host.liveKernels()).toBe(0);
    } finally {
      host.close();
    }
  });

  it('grows its shared buffer for large arrays', () => {
    const host = startWorker();
    try {
      const n = 300_000;
      const copy = kernelSpec('copy', function (this: { thread: { x: number } }, a: number[]) { return a[this.thread.x] * 2; }, [n, 1, 1], {}, [n]);
      const input = Float32Array.from({ length: n }, (_, i) => i);
      const out = host.run(host.compile(copy), [input]);
      expect(out.length).toBe(n);
      expect(out[n - 1]).toBe(2 * (n - 1));
    } finally {
      host.close();
    }
  });

  it('reports a kernel the worker cannot compile as an Error naming the mode and kernel', () => {
    const host = startWorker();
    try {
      const broken = { ...kernelSpec('broken', function (a: number[]) { return a[0]; }, [2, 1, 1], {}, [1]), source: 'function (a) { return a[0] +; }' };
      const handle = host.compile(broken);
      expect(() => host.run(handle, [new Float32Array(1)])).toThrow(/gpu backend \(webasm, worker thread\): broken/);
      // The worker survives a failed kernel.
      expect(host.liveKernels()).toBe(1);
    } finally {
      host.close();
    }
  });

  it('rejects inputs of lengths the kernel was not compiled for', () => {
    const host = startWorker();
    try {
      const spec = kernelSpec('double', function (this: { thread: { x: number } }, a: number[]) { return 2 * a[this.thread.x]; }, [3, 1, 1], {}, [3]);
      expect(() => host.run(host.compile(spec), [new Float32Array(4)])).toThrow(/compiled for inputs of lengths \[3\]; got \[4\]/);
    } finally {
      host.close();
    }
  });

  it('gives up on a worker that does not answer in time, and says so', () => {
    const started = WorkerHost.start({ mode: 'webasm', startTimeoutMs: 0 });
    expect(started.host).toBeNull();
    expect(started.reason).toMatch(/no answer within 0 ms/);
  });

  it('probes for a WebGPU adapter: a host on a GPU, a reason without one', () => {
    const started = WorkerHost.start({ mode: 'webgpu' });
    if (started.host) {
      expect(started.host.describe()).toMatch(/WebGPU on/);
      started.host.close();
    } else {
      expect(started.reason.length).toBeGreaterThan(0);
    }
    console.log(`WebGPU probe: ${started.host ? started.host.describe() : started.reason}`);
  });
});

describe('gpu backend mode choice', () => {
  it('names the modes it accepts when given another', () => {
    expect(parseMode('cpu', 'test')).toBe('cpu');
    expect(() => parseMode('tpu', 'SSAN_GPU_MODE')).toThrow("gpu backend: SSAN_GPU_MODE is 'tpu'; expected one of webgpu, headlessgl, webasm, cpu");
  });

  it('takes a forced mode from SSAN_GPU_MODE', () => {
    const previous = process.env.SSAN_GPU_MODE;
    process.env.SSAN_GPU_MODE = 'cpu';
    try {
      const { host, passedOver } = chooseHost();
      expect(host.mode).toBe('cpu');
      expect(passedOver).toEqual([]);
      host.close();
      process.env.SSAN_GPU_MODE = 'quantum';
      expect(() => chooseHost()).toThrow(/SSAN_GPU_MODE is 'quantum'/);
    } finally {
      if (previous === undefined) delete process.env.SSAN_GPU_MODE;
      else process.env.SSAN_GPU_MODE = previous;
    }
  });

  it('forced to WebGPU without an adapter, is unavailable and says why (on a GPU, runs)', () => {
    const backend = createGpuBackend({ mode: 'webgpu' });
    try {
      const c = new Float32Array(1);
      const product = () => backend.kernels.gemm!({ transA: false, transB: false, m: 1, n: 1, k: 1, a: [2], b: [3], c });
      if (backend.isAvailable()) {
        product();
        expect(c[0]).toBe(6);
      } else {
        expect(backend.describe()).toMatch(/^gpu backend, unavailable: no WebGPU device: ./);
        // Unavailable: no kernels, so the registry runs the reference instead.
        expect(backend.kernels).toEqual({});
        expect(backend.preferredWhenAvailable()).toBe(false);
      }
    } finally {
      backend.close();
    }
  });

  it('is registered as gpu, float32 only, and preferred by auto only on a real GPU', () => {
    expect(registeredBackends().find((b) => b.name === 'gpu')).toBe(gpuBackend);
    expect(gpuBackend.isAvailable()).toBe(true);
    const device = gpuBackend.device();
    const onGpu = device ? !isSoftwareAdapter(device.adapter) : gpuBackend.host().mode === 'headlessgl';
    expect(gpuBackend.preferredWhenAvailable()).toBe(onGpu);
    withBackend('gpu', () => {
      expect(kernel('gemm', 'float32')).toBe(gpuBackend.kernels.gemm);
      expect(kernel('gemm', 'float64')).not.toBe(gpuBackend.kernels.gemm);
    });
  });
});

describe('a program using the gpu backend', () => {
  it('exits by itself: neither the WebGPU probe nor a worker thread keeps it alive', () => {
    // A child process, so nothing of this test's process can hide a hang. ts-node runs the sources.
    // Only the tensor layer is loaded, to keep ts-node quick.
    const program = `
      const { setBackend, kernel } = require('./src/tensor/registry');
      const { createGpuBackend } = require('./src/tensor/backends/gpu');
      const { syncToHost } = require('./src/tensor/residency');
      const product = (gemm) => {
        const c = new Float32Array(1);
        gemm({ transA: false, transB: false, m: 1, n: 1, k: 2, a: new Float32Array([1, 2]), b: new Float32Array([3, 4]), c });
        return syncToHost(c)[0];
      };
      setBackend('gpu');
      const chosen = product(kernel('gemm', 'float32'));
      const inWorker = product(createGpuBackend({ mode: 'webasm', worker: true }).kernels.gemm);
      console.log(JSON.stringify({ chosen, inWorker }));
    `;
    const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', program], {
      cwd: `${__dirname}/../../../..`, encoding: 'utf8', timeout: 30_000,
    });
    expect(child.error, 'the child did not exit within 30 s').toBeUndefined();
    // Dawn and the Vulkan drivers it probes print their own warnings when no adapter suits (a driver
    // without a required feature, no session directory); the backend itself says only which adapter
    // it uses.
    const driverNoise = /^(Warning: | - While |\s+at \S+ \(.*dawn|error: XDG_RUNTIME_DIR)|^\s*$/;
    const own = child.stderr.split('\n').filter((line) => !driverNoise.test(line));
    expect(own.filter((line) => !/^ssan-ts: gpu backend: WebGPU on /.test(line))).toEqual([]);
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual({ chosen: 11, inWorker: 11 });
  });
});
