/**
 * Compiled kernels, kept for reuse and bounded. Compiling a gpu.js kernel parses its source and builds
 * a WebAssembly module or GPU pipeline, so a kernel is compiled once per spec key and reused. Each
 * compiled kernel also holds memory sized for its arrays (a WebAssembly memory, or GPU buffers), so
 * the cache holds at most `maxKernels` kernels and `maxBytes` of their arrays, and destroys the least
 * recently used ones beyond that: memory stays bounded however many shapes a program runs.
 */
import { KernelHandle, KernelHost } from './host';
import { KernelSpec, outputSize } from './kernel-spec';

export interface KernelCacheLimits {
  maxKernels: number;
  maxBytes: number;
}

export const DEFAULT_CACHE_LIMITS: KernelCacheLimits = { maxKernels: 64, maxBytes: 512 * 1024 * 1024 };

export interface KernelCacheStats {
  compiled: number;
  released: number;
  hits: number;
  cached: number;
  bytes: number;
}

interface Entry {
  handle: KernelHandle;
  bytes: number;
}

export class KernelCache {
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private compiled = 0;
  private released = 0;
  private hits = 0;

  constructor(readonly host: KernelHost, private readonly limits: KernelCacheLimits = DEFAULT_CACHE_LIMITS) {}

  /** Runs `spec` on `inputs`, compiling it first unless a kernel for its key is cached. See KernelHost.run. */
  run(spec: KernelSpec, inputs: readonly Float32Array[]): Float32Array {
    return this.host.run(this.handleFor(spec), inputs);
  }

  stats(): KernelCacheStats {
    return { compiled: this.compiled, released: this.released, hits: this.hits, cached: this.entries.size, bytes: this.bytes };
  }

  /** Destroys every cached kernel. */
  clear(): void {
    for (const key of [...this.entries.keys()]) this.evict(key);
  }

  private handleFor(spec: KernelSpec): KernelHandle {
    const found = this.entries.get(spec.key);
    if (found) {
      this.hits++;
      this.entries.delete(spec.key);
      this.entries.set(spec.key, found);
      return found.handle;
    }
    const entry = { handle: this.host.compile(spec), bytes: arrayBytes(spec) };
    this.compiled++;
    this.entries.set(spec.key, entry);
    this.bytes += entry.bytes;
    // Never evict the entry just added: a kernel larger than the budget still runs, alone.
    while (this.entries.size > 1 && (this.entries.size > this.limits.maxKernels || this.bytes > this.limits.maxBytes)) {
      this.evict(this.entries.keys().next().value as string);
    }
    return entry.handle;
  }

  private evict(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
    this.host.release(entry.handle);
    this.released++;
  }
}

/** What a compiled kernel keeps allocated: room for its inputs and its output, as float32. */
function arrayBytes(spec: KernelSpec): number {
  return 4 * (spec.inputLengths.reduce((a, b) => a + b, 0) + outputSize(spec));
}
