import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Gradient checks are CPU-bound: 2 workers match the 2-core CI machines.
    maxWorkers: 2,
    testTimeout: 120_000,
  },
});
