import { describe, expect, it } from 'vitest';
import { maxRelativeError, onWebGpu } from './harness';
import { gpuBackend } from '../../../../../src/tensor/backends/gpu';
import { Tensor } from '../../../../../src/tensor/tensor';
import { KERNEL_GRADIENTS, KernelName, getBackend, setBackend, withBackend } from '../../../../../src/tensor/registry';
import { isSoftwareAdapter } from '../../../../../src/tensor/backends/gpu/device';
import { optim, randn, manualSeed } from '../../../../../src';

describe.skipIf(!onWebGpu())('arrays stay on the WebGPU device between kernels', () => {
  it('a chain of ops reads back once, when the host asks for the values', () => {
    manualSeed(3);
    const a = randn([64, 32]), b = randn([32]);
    const expected = withBackend('ts', () => a.mul(b).relu().add(a).exp().toArray());
    const device = gpuBackend.device()!;
    const before = { ...device.counters };
    const out = withBackend('gpu', () => a.mul(b).relu().add(a).exp());
    // Four kernels ran; the two inputs were uploaded; nothing came back yet.
    expect(device.counters.runs - before.runs).toBe(4);
    expect(device.counters.writes - before.writes).toBe(2);
    expect(device.counters.reads - before.reads).toBe(0);
    const got = out.toArray() as number[][];
    expect(device.counters.reads - before.reads).toBe(1);
    expect(maxRelativeError(got.flat(), (expected as number[][]).flat())).toBeLessThan(1e-5);
  });

  it('a host write through .data reaches the next device kernel', () => {
    const t = new Tensor(new Float32Array([1, -2, 3]), [3]);
    const doubled = withBackend('gpu', () => t.mul(2));
    t.data[1] = 10;
    const again = withBackend('gpu', () => t.mul(2));
    expect(doubled.toArray()).toEqual([2, -4, 6]);
    expect(again.toArray()).toEqual([2, 20, 6]);
  });

  it('SGD updates parameters in place on the device, across steps, without reading them back', () => {
    manualSeed(4);
    const w = randn([16]).requiresGrad_();
    const reference = w.detach().toArray() as number[];
    const device = gpuBackend.device()!;
    const opt = new optim.SGD([w], { lr: 0.1, momentum: 0.9 });
    const readsBefore = device.counters.reads;
    withBackend('gpu', () => {
      for (let step = 0; step < 3; step++) {
        opt.zeroGrad();
        w.mul(w).sum().backward();
        opt.step();
      }
    });
    // d(Σw²)/dw = 2w; momentum 0.9; three steps, computed here in float64.
    let value = reference.slice(), buffer = reference.map(() => 0);
    for (let step = 0; step < 3; step++) {
      const g = value.map((v) => 2 * v);
      buffer = step === 0 ? g : buffer.map((bv, i) => 0.9 * bv + g[i]);
      value = value.map((v, i) => v - 0.1 * buffer[i]);
    }
    expect(device.counters.reads - readsBefore).toBe(0);
    (w.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(value[i], 4));
  });
});

describe.skipIf(!onWebGpu())('the WebGPU backend in the registry', () => {
  it('has, for every forward kernel it runs, the kernels of its backward pass (no slow backward)', () => {
    const kernels = gpuBackend.kernels;
    for (const name of Object.keys(kernels) as KernelName[]) {
      const backward = KERNEL_GRADIENTS[name].backward;
      if (backward === 'is-gradient') continue;
      for (const gradient of backward) expect(kernels[gradient], `${name} -> ${gradient}`).toBeDefined();
    }
  });

  it('is not chosen by setBackend("auto") on a software adapter, but runs when asked for', () => {
    expect(isSoftwareAdapter(gpuBackend.device()!.adapter)).toBe(true);
    expect(gpuBackend.preferredWhenAvailable()).toBe(false);
    setBackend('auto');
    try {
      expect(getBackend().name).not.toBe('gpu');
    } finally {
      setBackend('gpu');
    }
  });
});
