/**
 * Times an in-process runner's cases with benny: one suite per runner, one benny case per benchmark.
 *
 * What benny reports, and what we take from it: `ops` is 1 / mean seconds per call and `margin` the
 * relative margin of error of that mean (in %); `details.median` is the median of the samples, each
 * sample being one timed cycle's seconds divided by the calls in it. GFLOP/s is computed from the
 * median (see flops.ts), which one disturbed sample does not move.
 *
 * Each case is handed to benny as a setup function returning an async function. That makes
 * Benchmark.js run it in "deferred" mode, which calls it once per iteration; a plain synchronous
 * function would be called once more before every cycle to test it (a second full call per sample,
 * which a multi-second convolution cannot afford). benny calls the case once before timing to see
 * what kind of function it is: that is the warm-up call of the iteration policy (policy.ts).
 */
import { add, complete, cycle, suite } from 'benny';
import { BenchCase } from './case';
import { flopsOf, gflopsPerSecond } from './flops';
import { IterationPolicy, bennyOptions, casePolicy } from './policy';
import { Spec } from './spec';
import { Measurement, Prepared, Runner } from './runners/runner';

export interface Planned {
  benchCase: BenchCase;
  spec: Spec;
  proxy: boolean;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One line per finished case: throughput, then the numbers it came from. */
export function formatTimed(title: string, spec: Spec, medianSeconds: number, samples: number, margin: number): string {
  const gflops = gflopsPerSecond(flopsOf(spec), medianSeconds);
  // One sample has no spread to report.
  const spread = samples > 1 ? `, mean ±${margin.toFixed(1)}%` : '';
  return `  ${title}: ${gflops.toFixed(2)} GFLOP/s (median ${(medianSeconds * 1e3).toFixed(2)} ms per call, ${samples} sample(s)${spread})`;
}

export async function measureRunner(runner: Runner, plan: Planned[], policy: IterationPolicy): Promise<Measurement[]> {
  const results = new Map<string, Measurement>();
  const record = (p: Planned, outcome: Measurement['outcome']) =>
    results.set(p.benchCase.id, { caseId: p.benchCase.id, runner: runner.name, spec: p.spec, proxy: p.proxy, outcome });

  try {
    await runner.start();
  } catch (e) {
    console.log(`Could not start "${runner.name}": ${message(e)}`);
    for (const p of plan) record(p, { status: 'failed', error: message(e) });
    return plan.map((p) => results.get(p.benchCase.id)!);
  }

  const ready: { p: Planned; prepared: Extract<Prepared, { call: unknown }> }[] = [];
  for (const p of plan) {
    try {
      const prepared = runner.prepare(p.spec);
      if ('missing' in prepared) record(p, { status: 'missing', why: prepared.missing });
      else ready.push({ p, prepared });
    } catch (e) {
      record(p, { status: 'failed', error: message(e) });
    }
  }

  // A call that throws is recorded and skipped from then on; an exception must not escape into
  // Benchmark.js, whose failing case would reject the whole suite.
  const failures = new Map<string, string>();
  const cases = ready.map(({ p, prepared }) =>
    add(p.benchCase.id, () => async () => {
      if (failures.has(p.benchCase.id)) return;
      try {
        prepared.call();
      } catch (e) {
        failures.set(p.benchCase.id, message(e));
      }
    }, bennyOptions(casePolicy(policy, p.benchCase.minSamples))),
  );

  if (cases.length > 0) {
    const byId = new Map(ready.map(({ p }) => [p.benchCase.id, p]));
    const summary = await suite(
      `${runner.name}: ${runner.describe()}`,
      ...cases,
      // Our own lines instead of benny's: they say GFLOP/s, and they print plainly into a log file.
      cycle((result) => {
        const p = byId.get(result.name)!;
        const failed = failures.get(result.name);
        if (failed !== undefined) console.log(`  ${p.benchCase.title}: failed: ${failed}`);
        else console.log(formatTimed(p.benchCase.title, p.spec, result.details.median, result.samples, result.margin));
      }),
      complete(() => undefined),
    );
    for (const result of summary.results) {
      const p = byId.get(result.name)!;
      const failed = failures.get(result.name);
      record(p, failed !== undefined
        ? { status: 'failed', error: failed }
        : { status: 'timed', medianSeconds: result.details.median, samples: result.samples, marginPercent: result.margin });
    }
  }

  for (const { prepared } of ready) prepared.dispose?.();
  runner.finish();
  if (cases.length === 0) console.log(`Nothing to time on "${runner.name}: ${runner.describe()}"`);
  for (const p of plan) {
    const o = results.get(p.benchCase.id)!.outcome;
    if (o.status === 'missing') console.log(`  ${p.benchCase.title}: missing (${o.why})`);
    else if (o.status === 'failed' && !failures.has(p.benchCase.id)) console.log(`  ${p.benchCase.title}: failed: ${o.error}`);
  }
  return plan.map((p) => results.get(p.benchCase.id)!);
}
