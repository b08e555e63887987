/**
 * Runs gpu.js kernels in a worker thread and waits for them synchronously. WebGPU only answers with
 * Promises, but the kernel registry's API is synchronous; so a dedicated worker owns the device,
 * and this thread posts work to it and sleeps in Atomics.wait until the worker says it is done.
 * Floats travel through one SharedArrayBuffer, grown as needed, in both directions.
 *
 * The worker program is worker-source.ts. It is built for WebGPU but runs any gpu.js mode, which is
 * how the tests exercise this plumbing on machines without a GPU.
 */
import { Worker } from 'worker_threads';
import { pathToFileURL } from 'url';
import { GpuMode, KernelHandle, KernelHost } from './host';
import { KernelSpec, gpuJsSettings, outputSize } from './kernel-spec';
import { checkInputs } from './local-host';
import { CONTROL_SLOTS, LIVE_KERNELS, WORKER_SOURCE } from './worker-source';
import { BUSY, DONE, FAILED, STATE, TEXT_BYTES, waitForAnswer } from './worker-protocol';

export interface WorkerHostOptions {
  mode: GpuMode;
  /** How long start-up (loading Dawn, asking for an adapter) may take before we give up on it. */
  startTimeoutMs?: number;
  /** How long one kernel may run before the worker is presumed stuck. */
  runTimeoutMs?: number;
}

export type WorkerStart = { host: WorkerHost; reason?: undefined } | { host: null; reason: string };

const DEFAULT_START_TIMEOUT_MS = 10_000;
const DEFAULT_RUN_TIMEOUT_MS = 600_000;

export class WorkerHost implements KernelHost {
  private readonly specs = new Map<KernelHandle, KernelSpec>();
  private nextHandle = 1;
  private data = new SharedArrayBuffer(0);
  private floats = new Float32Array(this.data);
  private closed = false;

  /** Starts the worker and waits for its first answer; on failure the worker is stopped. */
  static start(options: WorkerHostOptions): WorkerStart {
    let paths: { gpuJsPath: string; webgpuUrl: string | null };
    try {
      paths = {
        gpuJsPath: require.resolve('gpu.js'),
        webgpuUrl: options.mode === 'webgpu' ? pathToFileURL(require.resolve('webgpu')).href : null,
      };
    } catch (error) {
      return { host: null, reason: `a package is missing: ${(error as Error).message.split('\n')[0]}` };
    }
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
    const text = new Uint8Array(new SharedArrayBuffer(TEXT_BYTES));
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // Plain JavaScript needs none of the parent's flags or loaders (ts-node's would slow its start).
      execArgv: [],
      workerData: { control: control.buffer, text: text.buffer, mode: options.mode, ...paths },
    });
    // The worker only ever waits for work: it must not keep the process alive.
    worker.unref();
    const answer = waitForAnswer(control, text, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    if (answer.state !== DONE) {
      void worker.terminate();
      return { host: null, reason: answer.text };
    }
    return { host: new WorkerHost(options, worker, control, text, answer.text) };
  }

  private constructor(
    private readonly options: WorkerHostOptions,
    private readonly worker: Worker,
    private readonly control: Int32Array,
    private readonly text: Uint8Array,
    private readonly device: string,
  ) {}

  get mode(): GpuMode {
    return this.options.mode;
  }

  describe(): string {
    return `gpu.js '${this.mode}' mode in a worker thread (${this.device})`;
  }

  compile(spec: KernelSpec): KernelHandle {
    this.assertOpen('compile');
    const handle = this.nextHandle++;
    this.specs.set(handle, spec);
    this.worker.postMessage({ type: 'compile', handle, source: spec.source, settings: gpuJsSettings(spec) });
    return handle;
  }

  run(handle: KernelHandle, inputs: readonly Float32Array[]): Float32Array {
    this.assertOpen('run');
    const spec = this.specs.get(handle);
    if (!spec) throw new Error(`gpu backend: cannot run kernel handle ${handle}: it was never compiled or is released`);
    checkInputs(spec, inputs);
    const places: [number, number][] = [];
    let end = 0;
    for (const input of inputs) {
      places.push([end, input.length]);
      end += input.length;
    }
    const size = outputSize(spec);
    this.reserve(end + size);
    inputs.forEach((input, i) => this.floats.set(input, places[i][0]));
    this.call({ type: 'run', handle, data: this.data, inputs: places, output: [end, size] }, spec.key);
    return this.floats.subarray(end, end + size);
  }

  release(handle: KernelHandle): void {
    if (this.closed || !this.specs.delete(handle)) return;
    this.worker.postMessage({ type: 'release', handle });
  }

  /** Asks the worker, so releases posted just before are counted. */
  liveKernels(): number {
    this.assertOpen('count the kernels of');
    this.call({ type: 'count' }, 'count');
    return Atomics.load(this.control, LIVE_KERNELS);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.specs.clear();
    void this.worker.terminate();
  }

  /** Posts a message that the worker answers, and sleeps until it does. */
  private call(message: object, what: string): void {
    Atomics.store(this.control, STATE, BUSY);
    this.worker.postMessage(message);
    const answer = waitForAnswer(this.control, this.text, this.options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS);
    if (answer.state === FAILED) throw new Error(`gpu backend (${this.mode}, worker thread): ${what}: ${answer.text}`);
    if (answer.state !== DONE) {
      this.close();
      throw new Error(`gpu backend (${this.mode}, worker thread): ${what}: ${answer.text}; the worker was stopped`);
    }
  }

  /** Makes the shared buffer hold at least `floats` values (a new, larger one is sent with the next run). */
  private reserve(floats: number): void {
    if (this.floats.length >= floats) return;
    let capacity = Math.max(this.floats.length, 1 << 16);
    while (capacity < floats) capacity *= 2;
    this.data = new SharedArrayBuffer(capacity * 4);
    this.floats = new Float32Array(this.data);
  }

  private assertOpen(action: string): void {
    if (this.closed) throw new Error(`gpu backend: cannot ${action} a kernel: the ${this.mode} worker is closed`);
  }
}
