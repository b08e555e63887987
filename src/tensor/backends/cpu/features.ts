/**
 * What this engine's WebAssembly can do, found by validating tiny modules built with the same
 * assembler, never assumed from a version number.
 *
 * Relaxed SIMD (for `f32x4.relaxed_madd`, a fused multiply-add) is behind a V8 flag in Node 20; the
 * flag is set only if the engine does not already accept it, and only before the kernels compile.
 * Setting SSAN_CPU_RELAXED_SIMD=0 in the environment turns it off (to compare, or to debug).
 */
import * as v8 from 'v8';
import { ModuleBuilder } from './wasm/module-builder';
import { f32x4, get } from './wasm/instructions';
import { wasmApi } from './wasm/api';

export interface CpuFeatures {
  /** 128-bit SIMD: required by the kernels. */
  simd: boolean;
  /** Relaxed SIMD's fused multiply-add. */
  relaxedSimd: boolean;
  /** Shared WebAssembly memory (the worker threads need it). */
  sharedMemory: boolean;
}

/** A module with one function (v128, v128, v128) -> v128 whose body `op` builds. */
function probe(op: (a: ReturnType<typeof get>, b: ReturnType<typeof get>, c: ReturnType<typeof get>) => number[] | readonly number[]): Uint8Array {
  const module = new ModuleBuilder({ initialPages: 1, maximumPages: 1, shared: false });
  module.func('probe', { a: 'v128', b: 'v128', c: 'v128' }, ({ params: { a, b, c } }) => [op(get(a), get(b), get(c))], {
    results: ['v128'],
  });
  return module.bytes();
}

function validates(bytes: Uint8Array): boolean {
  try {
    return wasmApi !== undefined && wasmApi.validate(bytes);
  } catch {
    return false;
  }
}

function detectRelaxedSimd(): boolean {
  if (process.env.SSAN_CPU_RELAXED_SIMD === '0') return false;
  const module = probe((a, b, c) => f32x4.relaxedMadd(a, b, c));
  if (validates(module)) return true;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return validates(module);
}

function detectSharedMemory(): boolean {
  try {
    return wasmApi !== undefined && new wasmApi.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

let detected: CpuFeatures | null = null;

export function cpuFeatures(): CpuFeatures {
  if (!detected) {
    const simd = validates(probe((a, b) => f32x4.add(a, b)));
    detected = { simd, relaxedSimd: simd && detectRelaxedSimd(), sharedMemory: detectSharedMemory() };
  }
  return detected;
}
