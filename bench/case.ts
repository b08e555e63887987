/**
 * One row of the benchmark table: a named spec, and optionally a smaller stand-in shape for runners
 * too slow to time the real one in a few seconds.
 */
import { Spec } from './spec';

export interface Proxy {
  spec: Spec;
  /** Runners that always time the proxy (more can be added with --proxy). */
  runners: string[];
  /** Why, printed under the table next to the dagger. */
  why: string;
}

export interface BenchCase {
  /** Unique and stable: selects the case with --only and names it in the results JSON. */
  id: string;
  /** The bench file it belongs to (gemm, conv, attention, bottleneck, ssa); --only takes a group too. */
  group: string;
  /** The row label. */
  title: string;
  spec: Spec;
  proxy?: Proxy;
  /**
   * Samples this case takes at least, whatever the budget (the policy's minSamples otherwise). For
   * calls of several seconds, which the budget would time once: the median of a few resists one step
   * slowed by another process.
   */
  minSamples?: number;
}

/** The spec a runner times for this case, and whether it is the proxy. */
export function specFor(c: BenchCase, runner: string, extraProxyRunners: readonly string[]): { spec: Spec; proxy: boolean } {
  if (c.proxy && (c.proxy.runners.includes(runner) || extraProxyRunners.includes(runner))) {
    return { spec: c.proxy.spec, proxy: true };
  }
  return { spec: c.spec, proxy: false };
}
