import { describe, expect, it } from 'vitest';
import {
  DeviceCopyOwner, anyDeviceCopies, attachDeviceCopy, deviceCopyOf, hostArguments, syncToHost, takeForHost,
} from '../../src/tensor/residency';
import { kernel, withBackend } from '../../src/tensor/registry';
import { Tensor } from '../../src/tensor/tensor';

/** A pretend device: each handle holds the values it would read back; reads and releases are counted. */
function fakeDevice() {
  const values = new Map<number, number[]>();
  const log = { reads: 0, released: [] as number[] };
  const owner: DeviceCopyOwner = {
    readInto(handle, into) {
      log.reads++;
      into.set(values.get(handle)!);
    },
    release(handle) {
      log.released.push(handle);
    },
  };
  return { owner, values, log };
}

describe('device copies of host arrays', () => {
  it('syncToHost reads a newer device copy once and keeps it; takeForHost also drops it', () => {
    const { owner, values, log } = fakeDevice();
    const array = new Float32Array(3);
    values.set(7, [1, 2, 3]);
    attachDeviceCopy(array, owner, 7, false);
    expect(anyDeviceCopies()).toBe(true);
    expect([...syncToHost(array)]).toEqual([1, 2, 3]);
    syncToHost(array);
    expect(log.reads).toBe(1);
    expect(deviceCopyOf(array)?.hostCurrent).toBe(true);
    takeForHost(array);
    expect(log.reads).toBe(1); // already current: nothing more to read
    expect(deviceCopyOf(array)).toBeUndefined();
    expect(log.released).toEqual([7]);
  });

  it('Tensor.data brings values back; storage and reshape do not', () => {
    const { owner, values, log } = fakeDevice();
    const t = new Tensor(new Float32Array(4), [2, 2]);
    values.set(1, [5, 6, 7, 8]);
    attachDeviceCopy(t.storage, owner, 1, false);
    const view = t.reshape([4]);
    expect(view.storage).toBe(t.storage);
    expect(log.reads).toBe(0);
    expect(view.toArray()).toEqual([5, 6, 7, 8]);
    expect(log.reads).toBe(1);
    expect(t.data[3]).toBe(8);
    expect(log.reads).toBe(1);
  });

  it('hostArguments takes every array of a kernel call, nested ones included, for the host', () => {
    const { owner, values, log } = fakeDevice();
    const param = new Float32Array(2), grad = new Float32Array(2);
    values.set(1, [1, 1]);
    values.set(2, [0.5, 0.25]);
    attachDeviceCopy(param, owner, 1, false);
    attachDeviceCopy(grad, owner, 2, false);
    hostArguments({ lr: 0.1, slots: [{ param, grad, momentumBuffer: null }] });
    expect(log.reads).toBe(2);
    expect([...param, ...grad]).toEqual([1, 1, 0.5, 0.25]);
    expect(deviceCopyOf(param)).toBeUndefined();
  });

  it('a host kernel chosen by the registry runs on the device copy\'s values', () => {
    const { owner, values } = fakeDevice();
    const x = new Float32Array([9, 9, 9]), y = new Float32Array(3);
    values.set(3, [-1, 2, -3]);
    attachDeviceCopy(x, owner, 3, false);
    withBackend('ts', () => kernel('relu', 'float32')({ x, y }));
    expect([...y]).toEqual([0, 2, 0]);
  });
});
