import { defineConfig } from 'vitest/config';

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
          include: [
            'test/autograd/matmul.test.ts', 'test/nn/conv.test.ts', 'test/nn/layers.test.ts',
            'test/nn/safetensors.test.ts', 'test/parity/core.test.ts', 'test/parity/resnet.test.ts',
            'test/parity/ssan.test.ts',
          ],
          setupFiles: ['test/setup-backend.ts', 'test/setup-esm.ts'],
          env: { SSAN_BACKEND: 'gpu' },
        },
      },
    ],
  },
});
