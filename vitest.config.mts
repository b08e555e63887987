import { defineConfig } from 'vitest/config';

// The suites the `gpu` project runs again with the gpu backend active (see the project below). Tests
// mirror src (test/nn/functional/conv.test.ts tests src/nn/functional/conv.ts), so this list names files
// by path rather than by a folder of their own; the PyTorch parity suites are all of test/parity but optim.
const GPU_SUITES = [
  'test/autograd/ops/matmul.test.ts',
  'test/nn/functional/conv.test.ts',
  'test/nn/layers.test.ts',
  'test/nn/safetensors.test.ts',
  'test/parity/{core,resnet,ssan}.test.ts',
];

export default defineConfig({
  test: {
    // Gradient checks are CPU-bound: 2 workers match the 2-core CI machines.
    maxWorkers: 2,
    testTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'default', include: ['test/**/*.test.ts'], setupFiles: ['test/setup-esm.ts'] },
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
          env: { SSAN_BACKEND: 'gpu' },
        },
      },
    ],
  },
});
