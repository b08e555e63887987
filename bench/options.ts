/**
 * Command-line and environment options of the benchmarks. A flag wins over its environment variable:
 *
 *   --only a,b       BENCH_ONLY       cases to run, by id (conv-forward) or group (conv); default all
 *   --backends a,b   BENCH_BACKENDS   runners: our backends (ts, cpu, gpu, ...), tfjs-cpu, tfjs-wasm,
 *                                    pytorch; default every one that is available
 *   --threads n      BENCH_THREADS    threads for our cpu backend and PyTorch; default 2
 *   --budget s       BENCH_BUDGET     seconds of sampling per case and runner (the policy's maxTime)
 *   --proxy a,b      BENCH_PROXY      runners that time the smaller proxy shapes wherever a case has one
 *   --python path    BENCH_PYTHON     the interpreter with PyTorch; default /usr/bin/python3
 *   --out file       BENCH_OUT        where the Markdown table goes; default bench/results/<suite>.md
 */
import { DEFAULT_POLICY, IterationPolicy } from './policy';

/** A mistake in the command line or environment: reported as its message alone, with exit status 2. */
export class BenchUsageError extends Error {}

export interface BenchOptions {
  only: string[] | null;
  runners: string[] | null;
  threads: number;
  policy: IterationPolicy;
  proxyRunners: string[];
  python: string;
  out: string | null;
  help: boolean;
}

const FLAGS: Record<string, string> = {
  only: 'BENCH_ONLY',
  backends: 'BENCH_BACKENDS',
  threads: 'BENCH_THREADS',
  budget: 'BENCH_BUDGET',
  proxy: 'BENCH_PROXY',
  python: 'BENCH_PYTHON',
  out: 'BENCH_OUT',
};

export const USAGE = `usage: npm run bench -- [--only gemm,conv-forward,...] [--backends ts,cpu,tfjs-wasm,pytorch,...]
       [--threads 2] [--budget 2] [--proxy ts,gpu] [--python /usr/bin/python3] [--out bench/results/x.md]
(or the environment variables BENCH_ONLY, BENCH_BACKENDS, BENCH_THREADS, BENCH_BUDGET, BENCH_PROXY,
BENCH_PYTHON, BENCH_OUT)`;

/** Reads `--name value` and `--name=value` pairs; anything else is an error naming the argument. */
function readFlags(argv: readonly string[]): { values: Map<string, string>; help: boolean } {
  const values = new Map<string, string>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    if (!match || !(match[1] in FLAGS)) {
      throw new BenchUsageError(`bench: unknown argument '${arg}'\n${USAGE}`);
    }
    let value = match[2];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new BenchUsageError(`bench: --${match[1]} needs a value\n${USAGE}`);
    }
    values.set(match[1], value);
  }
  return { values, help };
}

function list(value: string | undefined): string[] | null {
  if (value === undefined || value.trim() === '') return null;
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function positive(name: string, value: string | undefined, fallback: number, integer: boolean): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new BenchUsageError(`bench: --${name} must be a positive ${integer ? 'integer' : 'number'}; got '${value}'`);
  }
  return n;
}

export function parseOptions(argv: readonly string[], env: Record<string, string | undefined>): BenchOptions {
  const { values, help } = readFlags(argv);
  const get = (flag: string) => values.get(flag) ?? env[FLAGS[flag]];
  return {
    only: list(get('only')),
    runners: list(get('backends')),
    threads: positive('threads', get('threads'), 2, true),
    policy: { ...DEFAULT_POLICY, maxTime: positive('budget', get('budget'), DEFAULT_POLICY.maxTime, false) },
    proxyRunners: list(get('proxy')) ?? [],
    python: get('python') ?? '/usr/bin/python3',
    out: get('out') ?? null,
    help,
  };
}
