/**
 * gpu.js, loaded on first use. Loading it parses a large library, which a program that never
 * runs the gpu backend, or runs on a machine where `auto` passes it over, should not pay.
 */
import type * as GpuJs from 'gpu.js';

let loaded: typeof GpuJs | null = null;

export function gpuJs(): typeof GpuJs {
  if (!loaded) loaded = require('gpu.js') as typeof GpuJs;
  return loaded;
}
