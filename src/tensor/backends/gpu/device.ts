/**
 * The WebGPU device, seen from the main thread: buffers named by number, compute shaders run on
 * them, and synchronous reads. The device itself lives in a worker thread (device-worker-source.ts)
 * because WebGPU reads only resolve as Promises. Commands are batched and posted without waiting;
 * a read posts what is pending and sleeps until the worker has run it all.
 *
 * Every buffer holds 32-bit words: float32 values, or int32 for index arrays.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { TypedArray } from '../../dtype';
import { CLOSING, CONTROL_SLOTS, DEVICE_WORKER_SOURCE } from './device-worker-source';
import { BUSY, DONE, FAILED, STATE, TEXT_BYTES, waitForAnswer } from './worker-protocol';

export type BufferId = number;

/** What the adapter says of itself, and the largest buffer a shader may bind. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** The adapter calls itself a fallback (a software rasterizer). */
  fallback: boolean;
  maxBufferBytes: number;
}

/** A compute shader: `key` names it in the pipeline cache, `code` is its WGSL (entry point `main`). */
export interface Shader {
  key: string;
  code: string;
}

export type DeviceStart = { device: GpuDevice; reason?: undefined } | { device: null; reason: string };

const START_TIMEOUT_MS = 20_000;
const READ_TIMEOUT_MS = 600_000;
/** Commands posted in one message at most: enough to amortise posting, few enough to keep the device busy. */
const BATCH = 256;

/** Where the `webgpu` package keeps Dawn's Node addon for this platform, or why it cannot be used. */
export function dawnAddonPath(): { path: string } | { reason: string } {
  let root: string;
  try {
    root = path.dirname(require.resolve('webgpu/package.json'));
  } catch {
    return { reason: "the 'webgpu' package is not installed" };
  }
  const arch = process.platform === 'darwin' ? 'universal' : process.arch;
  return { path: path.join(root, 'dist', `${process.platform}-${arch}`, 'dawn.node') };
}

/** SwiftShader and other software adapters run WebGPU on the CPU: correct, but no faster than it. */
export function isSoftwareAdapter(a: AdapterDescription): boolean {
  const words = `${a.vendor} ${a.architecture} ${a.device} ${a.description}`.toLowerCase();
  return a.fallback || /swiftshader|llvmpipe|lavapipe|software/.test(words);
}

export class GpuDevice {
  private nextId = 1;
  private pending: object[] = [];
  private transfers: ArrayBuffer[] = [];
  private readData = new SharedArrayBuffer(1 << 16);
  private closed = false;
  private readonly sizes = new Map<BufferId, number>();
  /** Uploads and shader runs posted since start, and reads that waited for the device (for tests and benchmarks). */
  readonly counters = { reads: 0, writes: 0, runs: 0 };

  /** Starts the worker and waits for its adapter and device; on failure the worker is stopped. */
  static start(): DeviceStart {
    const addon = dawnAddonPath();
    if ('reason' in addon) return { device: null, reason: addon.reason };
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
    const text = new Uint8Array(new SharedArrayBuffer(TEXT_BYTES));
    const worker = new Worker(DEVICE_WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: { control: control.buffer, text: text.buffer, dawnPath: addon.path },
    });
    // The worker only waits for work: it must not keep the process alive; and it must stop calling
    // into Dawn once the process is exiting (see device-worker-source.ts).
    worker.unref();
    process.once('exit', () => Atomics.store(control, CLOSING, 1));
    const first = waitForAnswer(control, text, START_TIMEOUT_MS);
    if (first.state !== DONE) {
      void worker.terminate();
      return { device: null, reason: first.text };
    }
    return { device: new GpuDevice(worker, control, text, JSON.parse(first.text) as AdapterDescription) };
  }

  private constructor(
    private readonly worker: Worker,
    private readonly control: Int32Array,
    private readonly text: Uint8Array,
    readonly adapter: AdapterDescription,
  ) {}

  describe(): string {
    const a = this.adapter;
    const name = [a.vendor, a.architecture, a.description || a.device].filter(Boolean).join(' ');
    return `WebGPU on ${name || 'an unnamed adapter'}${isSoftwareAdapter(a) ? ' (software, runs on the CPU)' : ''}`;
  }

  /** A new buffer of `words` 32-bit words; its contents are undefined until written. */
  create(words: number): BufferId {
    const bytes = words * 4;
    if (bytes > this.adapter.maxBufferBytes) {
      throw new Error(`gpu backend: a buffer of ${words} values (${bytes} bytes) exceeds the device's limit of ${this.adapter.maxBufferBytes} bytes`);
    }
    const id = this.nextId++;
    this.sizes.set(id, words);
    this.post({ t: 'create', id, bytes });
    return id;
  }

  /** Uploads `words` (float32 or int32 values) into the buffer. */
  write(id: BufferId, words: Float32Array | Int32Array): void {
    const copy = words.slice().buffer as ArrayBuffer;
    this.counters.writes++;
    this.transfers.push(copy);
    this.post({ t: 'write', id, data: copy });
  }

  /**
   * Runs `shader` over `groups` workgroups with `params` at binding 0, then `reads` (read-only) and
   * `writes` at bindings 1, 2, ...
   */
  run(shader: Shader, reads: readonly BufferId[], writes: readonly BufferId[], params: Uint32Array, groups: readonly [number, number, number]): void {
    this.counters.runs++;
    this.post({ t: 'run', key: shader.key, code: shader.code, ids: [...reads, ...writes], reads: reads.length, params, groups });
  }

  copy(from: BufferId, to: BufferId, words: number): void {
    this.post({ t: 'copy', from, to, bytes: words * 4 });
  }

  /** The size `create` was given. */
  wordsOf(id: BufferId): number {
    const words = this.sizes.get(id);
    if (words === undefined) throw new Error(`gpu backend: buffer ${id} does not exist (it was freed)`);
    return words;
  }

  free(id: BufferId): void {
    if (this.closed || !this.sizes.delete(id)) return;
    this.post({ t: 'free', id });
  }

  /**
   * Waits for everything posted so far and reads the buffer's first `into.length` words into `into`:
   * as int32 values for an Int32Array, else as float32 values (widened for a Float64Array).
   */
  read(id: BufferId, into: TypedArray): void {
    const bytes = into.length * 4;
    if (this.readData.byteLength < bytes) this.readData = new SharedArrayBuffer(Math.max(bytes, this.readData.byteLength * 2));
    this.counters.reads++;
    this.call({ t: 'read', id, bytes, data: this.readData }, 'reading a result');
    into.set(into instanceof Int32Array ? new Int32Array(this.readData, 0, into.length) : new Float32Array(this.readData, 0, into.length));
  }

  /** Waits for everything posted so far; throws the first error the device met. */
  sync(): void {
    this.call({ t: 'sync' }, 'finishing queued work');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.worker.terminate();
  }

  private post(command: object): void {
    if (this.closed) throw new Error('gpu backend: the WebGPU device is closed');
    this.pending.push(command);
    if (this.pending.length >= BATCH) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.worker.postMessage(this.pending, this.transfers);
    this.pending = [];
    this.transfers = [];
  }

  private call(command: object, what: string): void {
    Atomics.store(this.control, STATE, BUSY);
    this.post(command);
    this.flush();
    const answer = waitForAnswer(this.control, this.text, READ_TIMEOUT_MS);
    if (answer.state === FAILED) throw new Error(`gpu backend (WebGPU): ${what}: ${answer.text}`);
    if (answer.state !== DONE) {
      this.close();
      throw new Error(`gpu backend (WebGPU): ${what}: ${answer.text}; the device's worker was stopped`);
    }
  }
}
