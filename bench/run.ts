/**
 * Runs a list of benchmark cases on every runner, prints the report and writes it under
 * bench/results/. Runners go one after the other (never two timing at once): this project's
 * backends in the registry's order, TensorFlow.js cpu and wasm, then PyTorch in a subprocess.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BenchCase, specFor } from './case';
import { Planned, measureRunner } from './measure';
import { BenchOptions, BenchUsageError, USAGE, parseOptions } from './options';
import { ourBackends, ourRunners } from './runners/ours';
import { runPytorch } from './runners/pytorch';
import { Measurement, Runner } from './runners/runner';
import { tfjsRunner } from './runners/tfjs';
import { renderReport } from './table';

const RESULTS_DIR = path.join(__dirname, 'results');

/** The cases --only names, by id or group; all of them without --only. */
function selectCases(all: BenchCase[], only: string[] | null): BenchCase[] {
  if (only === null) return all;
  const known = new Set(all.flatMap((c) => [c.id, c.group]));
  const unknown = only.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new BenchUsageError(`bench: --only names unknown case(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  }
  return all.filter((c) => only.includes(c.id) || only.includes(c.group));
}

function selectRunners(available: string[], requested: string[] | null): string[] {
  if (requested === null) return available;
  const unknown = requested.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    throw new BenchUsageError(`bench: --backends names ${unknown.join(', ')}, not available here; available: ${available.join(', ')}`);
  }
  return available.filter((name) => requested.includes(name));
}

function environment(options: BenchOptions): string[] {
  const cpus = os.cpus();
  return [
    `Date: ${new Date().toISOString()}`,
    `Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} logical cores, ${os.platform()} ${os.release()}`,
    `Node ${process.version}; threads requested: ${options.threads}`,
  ];
}

export async function runBenchmarks(suiteName: string, allCases: BenchCase[], options: BenchOptions): Promise<string> {
  const cases = selectCases(allCases, options.only);

  console.log("This project's backends (kernel registry):");
  for (const { backend, available } of ourBackends()) {
    console.log(`  ${backend.name}: ${available ? backend.describe() : `unavailable here (${backend.describe()})`}`);
  }
  const inProcess: Runner[] = [...ourRunners(options.threads), tfjsRunner('cpu'), tfjsRunner('wasm')];
  const names = selectRunners([...inProcess.map((r) => r.name), 'pytorch'], options.runners);
  console.log(`Runners: ${names.join(', ')}; cases: ${cases.map((c) => c.id).join(', ')}\n`);

  const plan = (runner: string): Planned[] =>
    cases.map((benchCase) => ({ benchCase, ...specFor(benchCase, runner, options.proxyRunners) }));
  const measurements: Measurement[] = [];
  const descriptions = new Map<string, string>();
  for (const runner of inProcess.filter((r) => names.includes(r.name))) {
    measurements.push(...(await measureRunner(runner, plan(runner.name), options.policy)));
    descriptions.set(runner.name, runner.describe());
    console.log();
  }
  if (names.includes('pytorch')) {
    const torch = runPytorch(options.python, plan('pytorch'), options.policy, options.threads);
    measurements.push(...torch.measurements);
    descriptions.set('pytorch', torch.description);
    console.log();
  }

  const env = environment(options);
  const report = renderReport({ cases, runners: names, measurements, descriptions, policy: options.policy, environment: env });
  console.log(report);
  // A run restricted by --only or --backends must not overwrite the full table.
  const partial = options.only !== null || options.runners !== null;
  const out = options.out ?? path.join(RESULTS_DIR, `${suiteName}${partial ? '-partial' : ''}.md`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, report);
  const raw = { suite: suiteName, environment: env, runners: Object.fromEntries(descriptions), policy: options.policy, measurements };
  fs.writeFileSync(out.replace(/\.md$/, '') + '.json', JSON.stringify(raw, null, 2) + '\n');
  console.log(`Written to ${path.relative(process.cwd(), out)} (and .json beside it)`);
  return report;
}

/** The entry point of each bench file run directly, and of `npm run bench`. */
export function runAsScript(suiteName: string, cases: BenchCase[]): void {
  const fail = (e: unknown) => {
    if (e instanceof BenchUsageError) {
      console.error(e.message);
      process.exit(2);
    }
    console.error(e instanceof Error ? e.stack ?? e.message : String(e));
    process.exit(1);
  };
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (e) {
    return fail(e);
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  // Exit explicitly once done: a backend's worker pool or a library's handle must not keep a
  // finished run alive.
  runBenchmarks(suiteName, cases, options).then(() => process.exit(0), fail);
}
