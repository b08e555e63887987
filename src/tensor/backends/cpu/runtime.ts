/**
 * The backend's state, made on first use: the compiled kernel module, the shared memory, this
 * thread's instance, and the worker pool. Kernels lay out their operands in the memory with an
 * `Arena` (a bump allocator reset on every call), `reserve` it, copy in, run, copy out.
 */
import * as os from 'os';
import { cpuFeatures } from './features';
import { CONTROL_BYTES, MAX_WORKERS } from './control-block';
import { MEMORY_LIMITS, WasmExports, buildKernelModule } from './codegen/module';
import { WorkerPool } from './worker-pool';
import type { TypedArray } from '../../dtype';
import { WasmMemory, requireWasm } from './wasm/api';

const PAGE_BYTES = 65536;
/** wasm32 addresses 4 GiB. */
export const MAX_MEMORY_BYTES = MEMORY_LIMITS.maximumPages * PAGE_BYTES;
/** Cache-line alignment for every buffer, so vectors never straddle lines needlessly. */
const ALIGN = 64;

/** Threads by default: one per core, at most 8 (beyond that, memory bandwidth runs out first). */
export function defaultThreads(): number {
  return Math.max(1, Math.min(8, MAX_WORKERS + 1, os.availableParallelism()));
}

export class Runtime {
  readonly exports: WasmExports;
  /** The worker threads that run a kernel's calls (calls[0] on this thread). */
  readonly workers: WorkerPool;
  /** Threads a kernel may use, the calling thread included. */
  threads: number;
  private readonly memory: WasmMemory;
  private f32View: Float32Array;
  private i32View: Int32Array;

  constructor(readonly fma: boolean) {
    const { bytes, exportNames } = buildKernelModule({ fma });
    const wasm = requireWasm();
    const wasmModule = new wasm.Module(bytes);
    const memory = new wasm.Memory({
      initial: MEMORY_LIMITS.initialPages, maximum: MEMORY_LIMITS.maximumPages, shared: true,
    });
    this.memory = memory;
    const instance = new wasm.Instance(wasmModule, { env: { memory } });
    this.exports = instance.exports as unknown as WasmExports;
    this.workers = new WorkerPool(memory, wasmModule, exportNames, this.exports);
    this.threads = defaultThreads();
    this.f32View = new Float32Array(memory.buffer);
    this.i32View = new Int32Array(memory.buffer);
  }

  /** Grows the memory so that bytes [0, end) exist. */
  reserve(end: number): void {
    if (end > MAX_MEMORY_BYTES) {
      throw new Error(`cpu backend: needs ${end} bytes of WebAssembly memory; wasm32 reaches ${MAX_MEMORY_BYTES}`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
  }

  /** The memory as f32 (a fresh view after growth: an old one keeps the old length). */
  get f32(): Float32Array {
    if (this.f32View.length * 4 !== this.memory.buffer.byteLength) this.f32View = new Float32Array(this.memory.buffer);
    return this.f32View;
  }

  get i32(): Int32Array {
    if (this.i32View.length * 4 !== this.memory.buffer.byteLength) this.i32View = new Int32Array(this.memory.buffer);
    return this.i32View;
  }

  /** Copies `count` values of `source` from `start` into the memory at byte `address`, as f32. */
  copyIn(address: number, source: ArrayLike<number>, start: number, count: number): void {
    const heap = this.f32;
    const at = address / 4;
    if (ArrayBuffer.isView(source)) {
      heap.set((source as TypedArray).subarray(start, start + count), at);
    } else {
      for (let i = 0; i < count; i++) heap[at + i] = source[start + i];
    }
  }

  /** Copies `count` f32 at byte `address` into `target` from `start`. */
  copyOut(address: number, target: TypedArray, start: number, count: number): void {
    const at = address / 4;
    target.set(this.f32.subarray(at, at + count), start);
  }

  /** Zeros `count` f32 at byte `address`. */
  zero(address: number, count: number): void {
    const at = address / 4;
    this.f32.fill(0, at, at + count);
  }
}

/** A bump allocator over the memory after the control block; one per kernel call. */
export class Arena {
  private next = CONTROL_BYTES;

  /** Reserves `bytes` at a cache-line-aligned address and returns that address. */
  take(bytes: number): number {
    const address = Math.ceil(this.next / ALIGN) * ALIGN;
    this.next = address + bytes;
    return address;
  }

  /** Reserves room for `count` f32. */
  floats(count: number): number {
    return this.take(count * 4);
  }

  get end(): number {
    return this.next;
  }
}

const notedTooLarge = new Set<string>();

/**
 * Whether an arena's layout fits in wasm32's 4 GiB. When it does not, the kernel runs the TypeScript
 * reference instead, noted once per kernel on stderr so the slow path is not silent.
 */
export function fitsInMemory(arena: Arena, kernel: string): boolean {
  if (arena.end <= MAX_MEMORY_BYTES) return true;
  if (!notedTooLarge.has(kernel)) {
    notedTooLarge.add(kernel);
    process.stderr.write(
      `ssan-ts: cpu backend: a ${kernel} call needs ${arena.end} bytes, more than WebAssembly's ` +
        `${MAX_MEMORY_BYTES}; running the TypeScript kernel\n`,
    );
  }
  return false;
}

let runtime: Runtime | null = null;

/** The runtime, compiling the kernels on first use. */
export function getRuntime(): Runtime {
  if (!runtime) runtime = new Runtime(cpuFeatures().relaxedSimd);
  return runtime;
}

/** The runtime if it has been made, without making it. */
export function peekRuntime(): Runtime | null {
  return runtime;
}
