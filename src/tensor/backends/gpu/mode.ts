/**
 * Which gpu.js mode the backend runs in when it has no WebGPU device of its own (index.ts tries that
 * first): a GL context where headless-gl is built; else gpu.js's WebAssembly mode; else its plain
 * JavaScript mode. `SSAN_GPU_MODE` (or the `mode` option) forces one; gpu.js's own 'webgpu' mode, in
 * a worker thread (worker-host.ts), is only used when asked for by name from this module.
 */
import { GpuMode, KernelHost } from './host';
import { gpuJs } from './gpu-js';
import { LocalHost } from './local-host';
import { WorkerHost } from './worker-host';

export const GPU_MODES: readonly GpuMode[] = ['webgpu', 'headlessgl', 'webasm', 'cpu'];

export interface ModeChoice {
  /** Force this mode rather than choose one. */
  mode?: GpuMode;
  /** Run the kernels in a worker thread even in a mode that could run in this one. */
  worker?: boolean;
  /** How long to wait for the worker's WebGPU adapter before doing without it. */
  startTimeoutMs?: number;
}

export interface ModeDecision {
  mode: GpuMode;
  /** Why better modes were passed over, for describe(). */
  passedOver: string[];
}

export function parseMode(value: string, source: string): GpuMode {
  if ((GPU_MODES as readonly string[]).includes(value)) return value as GpuMode;
  throw new Error(`gpu backend: ${source} is '${value}'; expected one of ${GPU_MODES.join(', ')}`);
}

export function decideMode(choice: ModeChoice = {}): ModeDecision {
  const forced = choice.mode ?? (process.env.SSAN_GPU_MODE ? parseMode(process.env.SSAN_GPU_MODE, 'SSAN_GPU_MODE') : undefined);
  if (forced) return { mode: forced, passedOver: [] };

  // WebGPU is the backend's own device (device.ts), tried before gpu.js is considered.
  const passedOver: string[] = [];
  if (isInstalled('gl') && gpuJs().GPU.isHeadlessGLSupported) return { mode: 'headlessgl', passedOver };
  // (The project's TypeScript libs do not declare WebAssembly, hence the look through globalThis.)
  const hasWebAssembly = typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === 'object';
  return { mode: hasWebAssembly ? 'webasm' : 'cpu', passedOver };
}

/** The host for a decision; throws when a mode that has to run in a worker cannot start there. */
export function startHost(decision: ModeDecision, choice: ModeChoice = {}): KernelHost {
  const mode = decision.mode;
  if (mode !== 'webgpu' && !choice.worker) return new LocalHost(mode);
  const started = WorkerHost.start({ mode, startTimeoutMs: choice.startTimeoutMs });
  if (!started.host) throw new Error(`gpu backend: gpu.js '${mode}' mode did not start in a worker thread: ${started.reason}`);
  return started.host;
}

/** Decides and starts in one step. */
export function chooseHost(choice: ModeChoice = {}): { host: KernelHost; passedOver: string[] } {
  const decision = decideMode(choice);
  return { host: startHost(decision, choice), passedOver: decision.passedOver };
}

function isInstalled(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}
