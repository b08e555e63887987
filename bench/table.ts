/**
 * The report: Markdown tables of GFLOP/s (benchmark x runner), the ratio of each runner to PyTorch,
 * the conv training step against PyTorch and TensorFlow.js cpu, and the notes that make the numbers
 * readable (proxy shapes, what each runner runs on, the machine, the iteration policy).
 */
import { BenchCase } from './case';
import { flopsOf, gflopsPerSecond } from './flops';
import { IterationPolicy } from './policy';
import { describeShape } from './spec';
import { Measurement } from './runners/runner';

export interface Report {
  cases: BenchCase[];
  /** Column order: our backends, then tfjs-cpu, tfjs-wasm, pytorch. */
  runners: string[];
  measurements: Measurement[];
  descriptions: Map<string, string>;
  policy: IterationPolicy;
  /** Lines about the machine and the run (date, Node, CPU, threads). */
  environment: string[];
}

const PROXY_MARK = '†';

function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Three significant figures at most, without trailing noise: 123, 45.6, 7.89, 0.0123. */
export function formatNumber(x: number): string {
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

function gflopsOf(m: Measurement | undefined): number | null {
  if (!m || m.outcome.status !== 'timed') return null;
  return gflopsPerSecond(flopsOf(m.spec), m.outcome.medianSeconds);
}

function find(report: Report, caseId: string, runner: string): Measurement | undefined {
  return report.measurements.find((m) => m.caseId === caseId && m.runner === runner);
}

function cell(m: Measurement | undefined): string {
  if (!m) return '-';
  switch (m.outcome.status) {
    case 'timed':
      return formatNumber(gflopsOf(m)!) + (m.proxy ? PROXY_MARK : '');
    case 'missing':
      return 'missing';
    case 'failed':
      return 'failed';
  }
}

/** a / b as "0.42x", marked when either side was timed on a proxy shape; '-' when either is absent. */
function ratioCell(a: Measurement | undefined, b: Measurement | undefined): string {
  const ga = gflopsOf(a), gb = gflopsOf(b);
  if (ga === null || gb === null) return '-';
  return `${formatNumber(ga / gb)}x${a!.proxy || b!.proxy ? PROXY_MARK : ''}`;
}

function throughputTable(report: Report): string {
  const rows = report.cases.map((c) => [
    c.title,
    describeShape(c.spec),
    ...report.runners.map((r) => cell(find(report, c.id, r))),
  ]);
  return markdownTable(['benchmark', 'shape', ...report.runners], rows);
}

function ratioToPytorchTable(report: Report): string {
  const others = report.runners.filter((r) => r !== 'pytorch');
  const rows = report.cases.map((c) => [
    c.title,
    ...others.map((r) => ratioCell(find(report, c.id, r), find(report, c.id, 'pytorch'))),
  ]);
  return markdownTable(['benchmark', ...others], rows);
}

function trainingStepTable(report: Report, stepCase: BenchCase): string {
  const rows = report.runners.filter((r) => r !== 'pytorch').map((r) => {
    const m = find(report, stepCase.id, r);
    return [r, cell(m), ratioCell(m, find(report, stepCase.id, 'pytorch')), ratioCell(m, find(report, stepCase.id, 'tfjs-cpu'))];
  });
  return markdownTable(['runner', 'GFLOP/s', 'vs PyTorch', 'vs tfjs-cpu'], rows);
}

/** Seconds per call, the proxy marked; '-', 'missing' or 'failed' otherwise. */
function secondsCell(m: Measurement | undefined): string {
  if (!m || m.outcome.status !== 'timed') return cell(m);
  return formatNumber(m.outcome.medianSeconds) + (m.proxy ? PROXY_MARK : '');
}

/**
 * Whole training steps in seconds, and each runner's speed relative to PyTorch (PyTorch's time over
 * the runner's: above 1 is faster than PyTorch). Runners that cannot build the models are left out.
 */
function trainingStepsTable(report: Report, stepCases: BenchCase[]): string {
  const timedAny = (r: string) => stepCases.some((c) => find(report, c.id, r)?.outcome.status === 'timed');
  const runners = report.runners.filter(timedAny);
  const others = runners.filter((r) => r !== 'pytorch');
  const withTorch = runners.includes('pytorch');
  const rows = stepCases.map((c) => [
    c.title,
    describeShape(c.spec),
    ...runners.map((r) => secondsCell(find(report, c.id, r))),
    ...(withTorch ? others.map((r) => ratioCell(find(report, c.id, r), find(report, c.id, 'pytorch'))) : []),
  ]);
  const header = [
    'training step', 'model and batch', ...runners.map((r) => `${r} s/step`),
    ...(withTorch ? others.map((r) => `${r} speed vs PyTorch`) : []),
  ];
  return markdownTable(header, rows);
}

function detailsTable(report: Report): string {
  const rows: string[][] = [];
  for (const c of report.cases) {
    for (const r of report.runners) {
      const m = find(report, c.id, r);
      if (!m) continue;
      const o = m.outcome;
      const outcome =
        o.status === 'timed'
          ? [(o.medianSeconds * 1e3).toFixed(2), String(o.samples), o.samples > 1 ? `±${o.marginPercent.toFixed(1)}%` : '-']
          : [o.status === 'missing' ? `missing: ${o.why}` : `failed: ${o.error}`, '', ''];
      rows.push([c.id, r, describeShape(m.spec) + (m.proxy ? ` ${PROXY_MARK}` : ''), ...outcome]);
    }
  }
  return markdownTable(['case', 'runner', 'shape timed', 'median ms per call', 'samples', 'mean ±'], rows);
}

function proxyNotes(report: Report): string[] {
  const notes: string[] = [];
  for (const c of report.cases) {
    const users = report.runners.filter((r) => find(report, c.id, r)?.proxy);
    if (users.length === 0 || !c.proxy) continue;
    notes.push(
      `- ${PROXY_MARK} ${c.title}: ${users.join(', ')} timed the proxy ${describeShape(c.proxy.spec)} ` +
        `instead of ${describeShape(c.spec)}: ${c.proxy.why}`,
    );
  }
  return notes;
}

export function renderReport(report: Report): string {
  const parts = [
    '## Benchmarks: GFLOP/s (float32, median per call; higher is better)',
    '',
    throughputTable(report),
    '',
  ];
  const proxies = proxyNotes(report);
  if (proxies.length > 0) parts.push(...proxies, '');
  if (report.runners.includes('pytorch')) {
    parts.push('### Ratio to PyTorch (same run)', '', ratioToPytorchTable(report), '');
  }
  const modelSteps = report.cases.filter((c) => c.spec.kind === 'trainStep');
  if (modelSteps.length > 0) {
    parts.push(
      '### Training steps (forward, cross-entropy, backward, Nesterov SGD; seconds per step, lower is better)',
      '',
      trainingStepsTable(report, modelSteps),
      '',
      'Speed vs PyTorch = PyTorch\'s seconds per step / the runner\'s (above 1: faster than PyTorch).',
      '',
    );
  }
  const stepCase = report.cases.find((c) => c.spec.kind === 'conv' && c.spec.pass === 'trainStep');
  if (stepCase) parts.push(`### ${stepCase.title}`, '', trainingStepTable(report, stepCase), '');
  parts.push(
    '### Runners',
    '',
    ...report.runners.map((r) => `- ${r}: ${report.descriptions.get(r) ?? 'not run'}`),
    '',
    '### Run',
    '',
    ...report.environment.map((l) => `- ${l}`),
    `- Iteration policy (bench/policy.ts): one warm-up call; samples of at least ${report.policy.minTime} s; ` +
      `at least ${report.policy.minSamples} sample(s) and ${report.policy.maxTime} s of sampling per case and runner.`,
    '- GFLOP/s counts 2 flops per multiply-add of the convolutions and products only (bench/flops.ts).',
    '',
    '### Details',
    '',
    detailsTable(report),
    '',
  );
  return parts.join('\n');
}
