import { existsSync } from 'fs';
import { defineConfig } from 'vitest/config';

// SwiftShader's Vulkan driver, from Debian's chromium package: with it the gpu backend runs its WGSL
// kernels on the CPU, so CI tests the real WebGPU path. Without it the gpu project tests gpu.js's
// WebAssembly mode instead, and the WGSL kernel suites skip with a note.
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const webgpuEnv: Record<string, string> = existsSync(SWIFTSHADER)
  ? { VK_ICD_FILENAMES: SWIFTSHADER, SSAN_GPU_MODE: 'webgpu' }
  : {};
if (!existsSync(SWIFTSHADER)) console.warn(`vitest.config.mts: ${SWIFTSHADER} is missing: the gpu project runs gpu.js's WebAssembly mode, not WebGPU`);

// The suites the `gpu` project runs again with the gpu backend active (see the project below). Tests
// mirror src (test/nn/functional/conv.test.ts tests src/nn/functional/conv.ts), so this list names files
// by path rather than by a folder of their own; the PyTorch parity suites are all of test/parity but optim.
const GPU_SUITES = [
  'test/autograd/ops/matmul.test.ts',
  'test/nn/functional/conv.test.ts',
  'test/nn/layers.test.ts',
  'test/nn/safetensors.test.ts',
  'test/parity/{core,resnet,ssan}.test.ts',
  // The WGSL kernels against the reference, one suite per kernel file.
  'test/tensor/backends/gpu/wgsl/*.test.ts',
];

export default defineConfig({
  test: {
    // Gradient checks are CPU-bound: 2 workers match the 2-core CI machines.
    maxWorkers: 2,
    testTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'default',
          include: ['test/**/*.test.ts'],
          exclude: ['test/tensor/backends/gpu/wgsl/**', 'node_modules/**'],
          setupFiles: ['test/setup-esm.ts'],
        },
      },
      {
        // The op suites whose float32 cases run the kernels (matmul, linear, conv, the PyTorch parity
        // fixtures), again with the gpu backend active: gpu.js's WebAssembly mode on a machine without
        // a GPU. float64 stays on the reference by design. The other op suites never reach a kernel, so
        // running them twice would only cost CI time.
        extends: true,
        test: {
          name: 'gpu',
          include: GPU_SUITES,
          setupFiles: ['test/setup-backend.ts', 'test/setup-esm.ts'],
          env: { SSAN_BACKEND: 'gpu', ...webgpuEnv },
        },
      },
    ],
  },
});
