/**
 * A persistent pool of worker threads that run exported kernel functions over the shared memory,
 * with a synchronous API: `run(calls)` hands calls[1..] to workers, runs calls[0] on the calling
 * thread, and returns when all are done. The join spins briefly, then sleeps with Atomics.wait.
 *
 * Workers are started on first need and waited for (synchronously, through the control block), are
 * `unref`ed so they never keep the process alive, and are never stopped: a worker beyond the thread
 * count in use just sleeps on its mailbox.
 */
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'worker_threads';
import {
  CONTROL_INTS, CONTROL_LAYOUT, FAILED, MAX_ARGS, MAX_WORKERS, PENDING, READY,
  SLOT_ARGS, SLOT_ARG_COUNT, SLOT_FUNCTION, SLOT_SEQ, slotIndex,
} from './control-block';
import { WORKER_SOURCE } from './worker-source';
import type { WasmExportName, WasmExports } from './codegen/module';
import type { WasmMemory, WasmModule } from './wasm/api';

/** One call of an exported kernel function. */
export interface KernelCall {
  name: WasmExportName;
  args: number[];
}

/**
 * How long a thread busy-waits before sleeping: a futex wake-up took 25-100 µs on the project's 2-core
 * machine when the pool was written (November 2026), so a worker that spins a little past its last
 * call is awake for the next one when kernels come back to back, and the main thread usually sees the
 * workers finish without sleeping at all.
 */
const SPIN_MICROSECONDS = 300;
/** How long a worker may take to start before the pool gives up. */
const START_TIMEOUT_MS = 20_000;

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly errorPorts: MessagePort[] = [];
  private readonly control: Int32Array;

  constructor(
    private readonly memory: WasmMemory,
    private readonly wasmModule: WasmModule,
    private readonly exportNames: readonly WasmExportName[],
    private readonly mainThread: WasmExports,
  ) {
    // Growing a shared memory never moves it, so this view stays valid.
    this.control = new Int32Array(memory.buffer, 0, CONTROL_INTS);
  }

  get workerCount(): number {
    return this.workers.length;
  }

  /** Runs every call at once, one per thread (the first on this one), and returns when all are done. */
  run(calls: readonly KernelCall[]): void {
    if (calls.length === 0) return;
    for (const call of calls) {
      if (call.args.length > MAX_ARGS) {
        throw new Error(`cpu backend: ${call.name} called with ${call.args.length} arguments; the mailbox holds ${MAX_ARGS}`);
      }
    }
    const helpers = calls.length - 1;
    this.ensureWorkers(helpers);
    const control = this.control;
    Atomics.store(control, PENDING, helpers);
    for (let w = 0; w < helpers; w++) this.post(w, calls[w + 1]);
    let mainError: unknown = null;
    try {
      const [first] = calls;
      (this.mainThread[first.name] as (...args: number[]) => void)(...first.args);
    } catch (error) {
      mainError = error;
    }
    // Even when this thread's share failed, the workers are still writing into the memory: wait.
    this.join();
    if (mainError !== null) throw mainError;
    this.throwIfAWorkerFailed(calls);
  }

  /** Starts workers until there are `count`, and waits until each has instantiated the module. */
  ensureWorkers(count: number): void {
    if (count > MAX_WORKERS) throw new Error(`cpu backend: at most ${MAX_WORKERS + 1} threads; asked for ${count + 1}`);
    if (this.workers.length >= count) return;
    const control = this.control;
    const target = Atomics.load(control, READY) + (count - this.workers.length);
    while (this.workers.length < count) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          wasmModule: this.wasmModule, memory: this.memory, exportNames: this.exportNames,
          layout: CONTROL_LAYOUT, slot: slotIndex(this.workers.length), errors: port2, spinMicroseconds: SPIN_MICROSECONDS,
        },
        transferList: [port2],
      });
      worker.unref();
      port1.unref();
      this.workers.push(worker);
      this.errorPorts.push(port1);
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const ready = Atomics.load(control, READY);
      if (ready >= target) break;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`cpu backend: worker threads did not start within ${START_TIMEOUT_MS / 1000} s`);
      Atomics.wait(control, READY, ready, left);
    }
    this.throwIfAWorkerFailed([]);
  }

  private post(worker: number, call: KernelCall): void {
    const control = this.control;
    const slot = slotIndex(worker);
    control[slot + SLOT_FUNCTION] = this.exportNames.indexOf(call.name);
    control[slot + SLOT_ARG_COUNT] = call.args.length;
    for (let i = 0; i < call.args.length; i++) control[slot + SLOT_ARGS + i] = call.args[i];
    // The atomic store orders the plain writes above before the worker's reads.
    Atomics.add(control, slot + SLOT_SEQ, 1);
    Atomics.notify(control, slot + SLOT_SEQ, 1);
  }

  private join(): void {
    const control = this.control;
    const spinEnd = performance.now() + SPIN_MICROSECONDS / 1000;
    for (let i = 1; Atomics.load(control, PENDING) !== 0; i++) {
      if ((i & 63) === 0 && performance.now() > spinEnd) break;
    }
    for (;;) {
      const pending = Atomics.load(control, PENDING);
      if (pending === 0) return;
      Atomics.wait(control, PENDING, pending);
    }
  }

  private throwIfAWorkerFailed(calls: readonly KernelCall[]): void {
    if (Atomics.load(this.control, FAILED) === 0) return;
    Atomics.store(this.control, FAILED, 0);
    const messages = this.errorPorts
      .map((port) => receiveMessageOnPort(port)?.message as string | undefined)
      .filter((m): m is string => m !== undefined);
    const what = calls.length > 0 ? ` running ${calls.map((c) => c.name).join(', ')}` : ' starting';
    throw new Error(`cpu backend: a worker thread failed${what}: ${messages.join('\n') || 'no message'}`);
  }
}
