/**
 * The per-op breakdown of one training step (bench/op-profile.ts): which kinds of op take the step's
 * time on one of our backends. By default the main job's model on the cpu backend with 2 threads:
 *
 *   npx ts-node bench/step-profile.ts [--case step-mainjob] [--backend cpu] [--threads 2] [--steps 5]
 *                                     [--out bench/results/step-profile.md]
 *
 * --case takes any training-step case of bench/train-step.ts. The step is warmed up twice, timed
 * `steps` times as it is, then once more to find the op classes to instrument, then `steps` times
 * instrumented (the table is the mean of those), then `steps` times as it is again. Prints the table and writes it to --out.
 */
import * as fs from 'fs';
import * as path from 'path';
import { setBackend, getBackend } from '../src/tensor/registry';
import type { BackendName } from '../src/tensor/registry';
import { setNumThreads } from '../src/tensor/backends/cpu';
import { cases } from './train-step';
import { describeShape } from './spec';
import { buildTrainStep } from './runners/train-step';
import { BreakdownRow, ExclusiveTimer, Instrumentation, PHASES, breakdown, isProductKernel, opFamily } from './op-profile';
import { formatNumber } from './table';

interface ProfileOptions {
  caseId: string;
  backend: BackendName;
  threads: number;
  steps: number;
  out: string;
}

const USAGE = 'usage: npx ts-node bench/step-profile.ts [--case step-mainjob] [--backend cpu] [--threads 2] [--steps 5] [--out file.md]';

function parseArgs(argv: readonly string[]): ProfileOptions {
  const options: ProfileOptions = {
    caseId: 'step-mainjob', backend: 'cpu', threads: 2, steps: 5, out: path.join(__dirname, 'results', 'step-profile.md'),
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`step-profile: ${flag} needs a value\n${USAGE}`);
    const count = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`step-profile: ${flag} must be a positive integer; got '${value}'`);
      return n;
    };
    switch (flag) {
      case '--case': options.caseId = value; break;
      case '--backend': options.backend = value as BackendName; break;
      case '--threads': options.threads = count(); break;
      case '--steps': options.steps = count(); break;
      case '--out': options.out = value; break;
      default: throw new Error(`step-profile: unknown argument '${flag}'\n${USAGE}`);
    }
  }
  return options;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function profileStep(options: ProfileOptions): string {
  const benchCase = cases.find((c) => c.id === options.caseId);
  if (!benchCase || benchCase.spec.kind !== 'trainStep') {
    throw new Error(`step-profile: --case must be one of ${cases.map((c) => c.id).join(', ')}; got '${options.caseId}'`);
  }
  const spec = benchCase.spec;
  setBackend(options.backend);
  if (options.backend === 'cpu') setNumThreads(options.threads);
  const step = buildTrainStep(spec);

  // Warm-up: the kernels' compilation, the worker threads, the momentum buffers' allocation.
  step.step();
  step.step();
  // Timed as it is before and after the instrumented steps: the instrumentation's own cost is small
  // next to how much a shared machine moves a step's time, and the two medians show that spread.
  const timePlain = () => {
    const times: number[] = [];
    for (let i = 0; i < options.steps; i++) {
      const started = performance.now();
      step.step();
      times.push(performance.now() - started);
    }
    return median(times);
  };
  const plainBefore = timePlain();

  const instrumentation = new Instrumentation();
  const timer = new ExclusiveTimer();
  const profiled: number[] = [];
  let opClasses = 0;
  try {
    instrumentation.instrumentKernels();
    // One step to find the op classes in the graph; its time, taken while wrapping, is not counted.
    const loss = step.forward();
    opClasses = instrumentation.instrumentGraph(loss);
    step.backward(loss);
    step.update();
    instrumentation.timer = timer;
    for (let i = 0; i < options.steps; i++) {
      const started = performance.now();
      const stepLoss = timer.time(PHASES.forward, step.forward);
      timer.time(PHASES.backward, () => step.backward(stepLoss));
      timer.time(PHASES.update, step.update);
      profiled.push(performance.now() - started);
    }
  } finally {
    instrumentation.restore();
  }
  const plainAfter = timePlain();

  const rows = breakdown(timer, options.steps);
  const total = rows.reduce((sum, r) => sum + r.ms, 0);
  let products = 0;
  for (const [label, ms] of timer.milliseconds) if (isProductKernel(label)) products += ms / options.steps;
  const pct = (ms: number) => `${((100 * ms) / total).toFixed(1)}%`;
  // A family's calls would add an op's calls to its kernel's: only the detail counts them.
  const table = (heading: string, tableRows: BreakdownRow[], calls: boolean) => [
    `| ${heading} | ms per step | share |${calls ? ' calls per step |' : ''}`,
    `|---|---|---|${calls ? '---|' : ''}`,
    ...tableRows.map((r) => `| ${r.kind} | ${formatNumber(r.ms)} | ${pct(r.ms)} |` +
      (calls ? ` ${r.calls > 0 ? Math.round(r.calls) : ''} |` : '')),
    `| **the step** | **${formatNumber(total)}** | 100% |${calls ? ' |' : ''}`,
  ];
  const lines = [
    `## Per-op breakdown of one training step: ${benchCase.title}`,
    '',
    `${describeShape(spec)}; backend ${options.backend} (${getBackend().describe()}); ` +
      `mean of ${options.steps} instrumented steps after 2 warm-up steps (${new Date().toISOString()}).`,
    '',
    `Step time as it is (median of ${options.steps}): ${formatNumber(plainBefore)} ms before the instrumented steps, ` +
      `${formatNumber(plainAfter)} ms after them; instrumented: ${formatNumber(mean(profiled))} ms ` +
      `(mean; ${opClasses} op classes and every kernel wrapped).`,
    '',
    ...table('family', breakdown(timer, options.steps, opFamily), false),
    '',
    'In detail (each kernel, and each op outside its kernels):',
    '',
    ...table('op kind', rows, true),
    '',
    `The products (convolution, GEMM and batched GEMM kernels): ${formatNumber(products)} ms, ${pct(products)} of the step; ` +
      `everything else: ${formatNumber(total - products)} ms, ${pct(total - products)}.`,
    '',
    'Exclusive times: a kernel is not counted in the op that called it; "outside the kernels" is the rest of ' +
      'that op (argument checks, allocation, layout glue). "forward: module code..." is the forward ' +
      'pass less its ops and kernels; "backward: engine" the backward less its ops and kernels.',
  ];
  if (instrumentation.untimedBackends.length > 0) {
    lines.push('', `Not instrumented (frozen kernel tables): ${instrumentation.untimedBackends.join(', ')}.`);
  }
  return lines.join('\n') + '\n';
}

if (require.main === module) {
  try {
    const options = parseArgs(process.argv.slice(2));
    const report = profileStep(options);
    console.log(report);
    fs.mkdirSync(path.dirname(options.out), { recursive: true });
    fs.writeFileSync(options.out, report);
    console.log(`Written to ${path.relative(process.cwd(), options.out)}`);
    // The cpu backend's worker threads must not keep a finished run alive.
    process.exit(0);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
