/**
 * Where an array's current values live when a device backend (the WebGPU `gpu` backend) is in use.
 *
 * Tensors keep a host array always (their `storage`), so the synchronous API and every host-side
 * kernel stay as they are. A device backend may attach a *device copy* to such an array: its kernels
 * read and write device copies, and mark the host array stale, so a chain of device ops never moves
 * data back and forth. The host values are brought back only when host code asks for them:
 *
 * - `tensor.data` (and so `.item()`, printing, saving, any host kernel) calls `takeForHost`, which reads
 *   the device copy back if it is newer, then drops it, because the caller may now write the array;
 *   the next device kernel uploads it again.
 * - The registry does the same for every array it hands to a host kernel (`hostArguments`).
 *
 * The map is keyed by the array, so views sharing an array (reshape) share its device copy, and a
 * copy is released when its array is garbage-collected.
 */
import type { TypedArray } from './dtype';

/** The device side of a copy: reads it into a host array, and frees it. */
export interface DeviceCopyOwner {
  readInto(handle: number, into: TypedArray): void;
  release(handle: number): void;
}

export interface DeviceCopy {
  readonly owner: DeviceCopyOwner;
  readonly handle: number;
  /** Whether the host array holds the same values as the device copy. */
  hostCurrent: boolean;
}

const copies = new WeakMap<object, DeviceCopy>();
let attached = 0;
const collected = new FinalizationRegistry<{ owner: DeviceCopyOwner; handle: number }>(({ owner, handle }) => {
  attached--;
  owner.release(handle);
});

/** The device copy of `array`, if one is attached. */
export function deviceCopyOf(array: object): DeviceCopy | undefined {
  return copies.get(array);
}

/** Attaches a device copy to `array` (replacing and releasing any earlier one). */
export function attachDeviceCopy(array: object, owner: DeviceCopyOwner, handle: number, hostCurrent: boolean): DeviceCopy {
  detachDeviceCopy(array);
  const copy: DeviceCopy = { owner, handle, hostCurrent };
  copies.set(array, copy);
  attached++;
  collected.register(array, { owner, handle }, copy);
  return copy;
}

/** Releases `array`'s device copy without reading it back (its values are no longer wanted there). */
export function detachDeviceCopy(array: object): void {
  const copy = copies.get(array);
  if (!copy) return;
  copies.delete(array);
  collected.unregister(copy);
  attached--;
  copy.owner.release(copy.handle);
}

/** Brings `array`'s host values up to date with its device copy, keeping the copy. */
export function syncToHost<T extends TypedArray>(array: T): T {
  if (attached === 0) return array;
  const copy = copies.get(array);
  if (copy && !copy.hostCurrent) {
    copy.owner.readInto(copy.handle, array);
    copy.hostCurrent = true;
  }
  return array;
}

/** For host code that may read or write `array`: its values brought back, and its device copy dropped. */
export function takeForHost<T extends TypedArray>(array: T): T {
  if (attached === 0) return array;
  syncToHost(array);
  detachDeviceCopy(array);
  return array;
}

/** Whether any array has a device copy (when none has, host kernels need no checks). */
export function anyDeviceCopies(): boolean {
  return attached > 0;
}

/**
 * Takes every typed array in a kernel's arguments for the host (one level of objects and arrays
 * deep, as the optimizer's slots): done before a host kernel runs while device copies exist.
 */
export function hostArguments(args: object, depth = 0): void {
  for (const value of Object.values(args)) {
    if (ArrayBuffer.isView(value)) takeForHost(value as TypedArray);
    else if (depth < 2 && value !== null && typeof value === 'object') hostArguments(value as object, depth + 1);
  }
}
