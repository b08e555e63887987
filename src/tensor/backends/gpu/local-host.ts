/**
 * Runs gpu.js kernels in this thread, in one of its synchronous modes: 'webasm' (WebAssembly with
 * f32x4 SIMD, one thread), 'cpu' (plain JavaScript) or 'headlessgl' (a GL context, a real GPU).
 */
import type { GPU, IKernelRunShortcut } from 'gpu.js';
import { gpuJs } from './gpu-js';
import { GpuMode, KernelHandle, KernelHost, flattenInto } from './host';
import { KernelSpec, gpuJsSettings, outputSize } from './kernel-spec';

export type LocalMode = Exclude<GpuMode, 'webgpu'>;

interface Compiled {
  spec: KernelSpec;
  kernel: IKernelRunShortcut;
  /** Set once we have checked that gpu.js ran it in our mode (it may degrade a kernel to 'cpu'). */
  checked: boolean;
}

export class LocalHost implements KernelHost {
  private readonly gpu: GPU;
  private readonly compiled = new Map<KernelHandle, Compiled>();
  private nextHandle = 1;
  private output = new Float32Array(0);

  constructor(readonly mode: LocalMode) {
    this.gpu = new (gpuJs().GPU)({ mode });
  }

  describe(): string {
    const what = { webasm: 'WebAssembly SIMD on the CPU, one thread', cpu: 'plain JavaScript on the CPU', headlessgl: 'headless GL on the GPU' };
    return `gpu.js '${this.mode}' mode (${what[this.mode]})`;
  }

  compile(spec: KernelSpec): KernelHandle {
    const kernel = this.gpu.createKernel(spec.source, gpuJsSettings(spec));
    const handle = this.nextHandle++;
    this.compiled.set(handle, { spec, kernel, checked: false });
    return handle;
  }

  run(handle: KernelHandle, inputs: readonly Float32Array[]): Float32Array {
    const entry = this.entry(handle, 'run');
    checkInputs(entry.spec, inputs);
    const result: unknown = entry.kernel(...inputs);
    if (!entry.checked) {
      entry.checked = true;
      noteDegradedKernel(entry, this.mode);
    }
    const size = outputSize(entry.spec);
    if (this.output.length < size) this.output = new Float32Array(size);
    const written = flattenInto(result, this.output);
    if (written !== size) {
      throw new Error(`gpu backend: kernel ${entry.spec.key} returned ${written} values; expected ${size}`);
    }
    return this.output.subarray(0, size);
  }

  release(handle: KernelHandle): void {
    this.entry(handle, 'release').kernel.destroy();
    this.compiled.delete(handle);
  }

  /** Counted by gpu.js itself: a kernel leaves its instance's list (untyped in gpu.js's d.ts) only when destroyed. */
  liveKernels(): number {
    return (this.gpu as unknown as { kernels: unknown[] }).kernels.length;
  }

  close(): void {
    for (const handle of [...this.compiled.keys()]) this.release(handle);
    this.output = new Float32Array(0);
  }

  private entry(handle: KernelHandle, action: string): Compiled {
    const entry = this.compiled.get(handle);
    if (!entry) throw new Error(`gpu backend: cannot ${action} kernel handle ${handle}: it was never compiled or is released`);
    return entry;
  }
}

export function checkInputs(spec: KernelSpec, inputs: readonly Float32Array[]): void {
  const lengths = inputs.map((x) => x.length);
  if (lengths.length !== spec.inputLengths.length || lengths.some((n, i) => n !== spec.inputLengths[i])) {
    throw new Error(
      `gpu backend: kernel ${spec.key} was compiled for inputs of lengths [${spec.inputLengths.join(', ')}]; ` +
      `got [${lengths.join(', ')}]`,
    );
  }
}

const notedDegraded = new Set<string>();

/** gpu.js quietly runs a kernel it cannot translate in its 'cpu' mode; say so once per kernel name. */
function noteDegradedKernel(entry: Compiled, mode: LocalMode): void {
  const inner = (entry.kernel as unknown as { kernel?: { constructor: { mode?: string }; fallbackReason?: string } }).kernel;
  const ranIn = inner?.constructor.mode;
  const name = entry.spec.key.split('|')[0];
  if (ranIn === undefined || ranIn === mode || notedDegraded.has(name)) return;
  notedDegraded.add(name);
  process.stderr.write(
    `ssan-ts: gpu backend kernel '${name}' runs in gpu.js '${ranIn}' mode instead of '${mode}'` +
    `${inner?.fallbackReason ? `: ${inner.fallbackReason}` : ''}\n`,
  );
}
