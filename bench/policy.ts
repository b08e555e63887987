/**
 * How many times a benchmark calls the code it times. One policy serves both sides: benny (through
 * Benchmark.js) on the JavaScript side and bench/pytorch_bench.py, which follows the same rules, so
 * PyTorch's numbers are taken the way ours are.
 *
 * 1. One untimed warm-up call (benny makes it to learn whether the case is async; the Python script
 *    makes it on purpose). It also absorbs one-off costs: JIT, gpu.js kernel compilation, allocator
 *    growth.
 * 2. Timed samples. A sample is `count` back-to-back calls, with `count` grown until a sample lasts
 *    at least `minTime` (calibration cycles shorter than that are thrown away), so fast calls are not
 *    at the mercy of the clock's resolution; the sample's value is its time divided by `count`.
 * 3. Sampling stops once there are `minSamples` samples and more than `maxTime` seconds were spent in
 *    them. The result is the median seconds per call.
 *
 * A call slower than `maxTime` is thus timed once after its warm-up: the whole suite stays within a
 * few minutes even on the plain TypeScript backend.
 */

export interface IterationPolicy {
  /** Seconds of sampling per case and runner (Benchmark.js `maxTime`). */
  maxTime: number;
  minSamples: number;
  /** Shortest sample, in seconds (Benchmark.js `minTime`). */
  minTime: number;
}

export const DEFAULT_POLICY: IterationPolicy = { maxTime: 2, minSamples: 1, minTime: 0.05 };

/** The policy for one case: the run's, with the case's own minimum of samples when it has one. */
export function casePolicy(policy: IterationPolicy, minSamples?: number): IterationPolicy {
  return minSamples === undefined ? policy : { ...policy, minSamples: Math.max(policy.minSamples, minSamples) };
}

/** The policy in benny's option names (benny passes them on to Benchmark.js). */
export function bennyOptions(policy: IterationPolicy) {
  return {
    minSamples: policy.minSamples,
    maxTime: policy.maxTime,
    minTime: policy.minTime,
    initCount: 1,
    delay: 0.005,
  };
}
