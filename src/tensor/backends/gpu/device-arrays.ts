/**
 * The bridge between kernel arguments (host arrays) and device buffers, for the WGSL kernels.
 *
 * A kernel asks for each array as an input (its current values on the device: the attached device
 * copy, or an upload that becomes one) or as an output (a device copy whose host array is then stale),
 * then launches shaders on the buffers. See src/tensor/residency.ts for when values come back.
 */
import type { TypedArray } from '../../dtype';
import { DeviceCopyOwner, attachDeviceCopy, deviceCopyOf, takeForHost } from '../../residency';
import { BufferId, GpuDevice, Shader } from './device';

/** The 32-bit words to upload for a host array: float32 values, or int32 for an Int32Array. */
function wordsOf(array: TypedArray): Float32Array | Int32Array {
  if (array instanceof Float32Array || array instanceof Int32Array) return array;
  return Float32Array.from(array);
}

export class DeviceArrays implements DeviceCopyOwner {
  constructor(readonly device: GpuDevice) {}

  readInto(handle: number, into: TypedArray): void {
    this.device.read(handle, into);
  }

  release(handle: number): void {
    this.device.free(handle);
  }

  /** The buffer holding `array`'s current values, uploading them if the device has none. */
  input(array: TypedArray): BufferId {
    const copy = deviceCopyOf(array);
    if (copy && copy.owner === this) return copy.handle;
    // A copy on another device (one closed and started afresh, say) may hold the newest values.
    if (copy) takeForHost(array);
    const id = this.device.create(Math.max(array.length, 1));
    if (array.length > 0) this.device.write(id, wordsOf(array));
    attachDeviceCopy(array, this, id, true);
    return id;
  }

  /** The buffer a kernel writes `array`'s new values into (every element: the old ones are not kept). */
  output(array: TypedArray): BufferId {
    const copy = deviceCopyOf(array);
    if (copy && copy.owner === this) {
      copy.hostCurrent = false;
      return copy.handle;
    }
    const id = this.device.create(Math.max(array.length, 1));
    attachDeviceCopy(array, this, id, false);
    return id;
  }

  /** The buffer of an array a kernel reads and updates in place (accumulation, optimizer state). */
  inout(array: TypedArray): BufferId {
    const id = this.input(array);
    deviceCopyOf(array)!.hostCurrent = false;
    return id;
  }

  /**
   * A buffer of `words` words for a kernel's own use (holding `contents` when given, else undefined
   * values), attached to no array: the kernel frees it with freeScratch once its launches are posted.
   */
  scratch(words: number, contents?: Float32Array | Int32Array): BufferId {
    const id = this.device.create(Math.max(words, 1));
    if (contents && contents.length > 0) this.device.write(id, contents);
    return id;
  }

  /** Frees scratch buffers; work already posted that uses them still runs first. */
  freeScratch(...ids: BufferId[]): void {
    for (const id of ids) this.device.free(id);
  }

  /**
   * Runs `shader` with binding 0 the parameters, then `reads` (declared `var<storage, read>`), then
   * `writes` (`read_write`). A buffer both read and written in one launch (x += x) is read from a copy:
   * WebGPU forbids binding a buffer writable and readable at once.
   */
  launch(shader: Shader, reads: readonly BufferId[], writes: readonly BufferId[], params: Uint32Array, groups: readonly [number, number, number]): void {
    const temporaries: BufferId[] = [];
    const safeReads = reads.map((id) => {
      if (!writes.includes(id)) return id;
      const words = this.device.wordsOf(id);
      const copy = this.scratch(words);
      this.device.copy(id, copy, words);
      temporaries.push(copy);
      return copy;
    });
    this.device.run(shader, safeReads, writes, params, groups);
    this.freeScratch(...temporaries);
  }
}

/** Packs a kernel's parameters as 32-bit words: integers as u32 (or i32), floats by their float32 bits. */
export class Params {
  private readonly words: number[] = [];
  private readonly floatView = new Float32Array(1);
  private readonly wordView = new Uint32Array(this.floatView.buffer);

  u32(...values: number[]): this {
    for (const v of values) this.words.push(v >>> 0);
    return this;
  }

  f32(...values: number[]): this {
    for (const v of values) {
      this.floatView[0] = v;
      this.words.push(this.wordView[0]);
    }
    return this;
  }

  build(): Uint32Array {
    return Uint32Array.from(this.words);
  }
}
