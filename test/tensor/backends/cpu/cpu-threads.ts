/** Test set-up shared by the cpu kernel suites. */
import { afterAll, beforeAll } from 'vitest';
import { getNumThreads, setNumThreads, setParallelThreshold } from '../../../../src/tensor/backends/cpu';

/**
 * Runs the enclosing describe block's tests on `threads` threads with the parallel threshold at 0, so
 * even the small random shapes are split across threads; restores both afterwards.
 */
export function onCpuThreads(threads: number): void {
  let before = 1;
  beforeAll(() => {
    before = getNumThreads();
    setNumThreads(threads);
    setParallelThreshold(0);
  });
  afterAll(() => {
    setNumThreads(before);
    setParallelThreshold();
  });
}
