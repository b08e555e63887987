/**
 * Parity with PyTorch for the core ops: forward outputs and backward gradients (seeded with a random
 * gradOutput) against the fixtures in test/fixtures/core, written by scripts/make-core-fixtures.py
 * (PyTorch 1.13, float64; CI never runs it, it only reads the committed JSON).
 *
 * Every case runs twice: in float64 against a tight tolerance, and in float32 (the float64 inputs
 * rounded) against a tolerance relative to the magnitudes of the expected values.
 */
import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { describe, it } from 'vitest';
import { F, Tensor, bmm, matmul, tensor } from '../../src';

// ---------------------------------------------------------------- fixture format

interface Entry {
  shape: number[];
  values: number[];
  dtype?: 'float64' | 'int64';
  requiresGrad?: boolean;
}

interface FixtureCase {
  name: string;
  op: string;
  args: Record<string, unknown>;
  inputs: Record<string, Entry | null>;
  gradOutput: Entry;
  output: Entry;
  grads: Record<string, Entry>;
  /** Inputs the op mutates in place (batchNorm's running statistics), after the call. */
  after?: Record<string, Entry>;
}

interface Fixture {
  op: string;
  cases: FixtureCase[];
}

type FloatDType = 'float32' | 'float64';
type Inputs = Record<string, Tensor | null>;
type Pair = number | [number, number];
type Triple = number | [number, number, number];

const FIXTURE_DIR = join(__dirname, '..', 'fixtures', 'core');
// Every fixture the script writes is checked: a new file cannot be skipped by forgetting to list it.
const FILES = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));

function loadFixture(file: string): Fixture {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, `${file}.json`), 'utf8')) as Fixture;
}

// ---------------------------------------------------------------- helpers

/** A tensor from a fixture entry: int64 targets become int32, float values take `dtype`. */
function fromEntry(e: Entry, dtype: FloatDType, requiresGrad = false): Tensor {
  if (e.dtype === 'int64') return tensor(Int32Array.from(e.values), { shape: e.shape, dtype: 'int32' });
  return tensor(Float64Array.from(e.values), { shape: e.shape, dtype, requiresGrad });
}

function buildInputs(c: FixtureCase, dtype: FloatDType): Inputs {
  const out: Inputs = {};
  for (const [name, e] of Object.entries(c.inputs)) out[name] = e === null ? null : fromEntry(e, dtype, e.requiresGrad ?? false);
  return out;
}

function req(inputs: Inputs, name: string): Tensor {
  const t = inputs[name];
  if (!t) throw new Error(`fixture input '${name}' is missing or null`);
  return t;
}

function opt(inputs: Inputs, name: string): Tensor | null {
  return inputs[name] ?? null;
}

/** Tolerances: float64 |a - e| <= 1e-9 (1 + |e|); float32 |a - e| <= 1e-4 (|e| + max |e| of the array) + 1e-7. */
function tolerance(dtype: FloatDType, e: number, scale: number): number {
  return dtype === 'float64' ? 1e-9 * (1 + Math.abs(e)) : 1e-4 * (Math.abs(e) + scale) + 1e-7;
}

/**
 * Compares `actual` (a tensor or null) with the fixture entry; returns a description of the mismatch
 * naming `what`, the max error and where it is, or null when it matches.
 */
function compare(what: string, actual: Tensor | null, expected: Entry, dtype: FloatDType): string | null {
  if (actual === null) return `${what}: missing (null)`;
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    return `${what}: shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`;
  }
  if (actual.dtype !== dtype) return `${what}: dtype ${actual.dtype}, expected ${dtype}`;
  const a = actual.data, e = expected.values;
  let scale = 0;
  for (const v of e) scale = Math.max(scale, Math.abs(v));
  let maxErr = 0, worst = -1, failed = false;
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i] - e[i]);
    // NaN never passes: !(NaN <= tol).
    if (!(err <= tolerance(dtype, e[i], scale))) failed = true;
    if (!(err <= maxErr)) { maxErr = err; worst = i; }
  }
  if (!failed) return null;
  return `${what}: max error ${maxErr.toExponential(3)} at flat index ${worst} ` +
    `(got ${a[worst]}, expected ${e[worst]}; max |expected| ${scale.toExponential(3)})`;
}

// ---------------------------------------------------------------- the ops, as the fixtures call them

type Runner = (x: Inputs, args: Record<string, unknown>) => Tensor;

interface ConvArgs<P> { stride: P; padding: P; dilation: P; groups: number }
interface BatchNormArgs { training: boolean; momentum: number; eps: number }
interface MaxPoolArgs { kernelSize: Pair; stride?: Pair; padding?: Pair; dilation?: Pair; ceilMode?: boolean }
interface AvgPoolArgs { kernelSize: Pair; stride?: Pair; padding?: Pair; ceilMode?: boolean; countIncludePad?: boolean }
interface CrossEntropyArgs { labelSmoothing: number; reduction: 'mean' | 'sum' | 'none'; ignoreIndex?: number }
interface ReduceArgs { dim?: number | number[]; keepdim?: boolean; correction?: number }

const RUNNERS: Record<string, Runner> = {
  conv2d: (x, a) => {
    const { stride, padding, dilation, groups } = a as unknown as ConvArgs<Pair>;
    return F.conv2d(req(x, 'x'), req(x, 'w'), opt(x, 'b'), { stride, padding, dilation, groups });
  },
  conv3d: (x, a) => {
    const { stride, padding, dilation, groups } = a as unknown as ConvArgs<Triple>;
    return F.conv3d(req(x, 'x'), req(x, 'w'), opt(x, 'b'), { stride, padding, dilation, groups });
  },
  batchNorm: (x, a) => {
    const { training, momentum, eps } = a as unknown as BatchNormArgs;
    return F.batchNorm(
      req(x, 'x'), req(x, 'runningMean'), req(x, 'runningVar'), req(x, 'weight'), req(x, 'bias'),
      { training, momentum, eps },
    );
  },
  maxPool2d: (x, a) => F.maxPool2d(req(x, 'x'), a as unknown as MaxPoolArgs),
  avgPool2d: (x, a) => F.avgPool2d(req(x, 'x'), a as unknown as AvgPoolArgs),
  adaptiveAvgPool2d: (x, a) => F.adaptiveAvgPool2d(req(x, 'x'), a.size as Pair),
  softmax: (x, a) => F.softmax(req(x, 'x'), a.dim as number),
  logSoftmax: (x, a) => F.logSoftmax(req(x, 'x'), a.dim as number),
  crossEntropy: (x, a) => {
    const { labelSmoothing, reduction, ignoreIndex } = a as unknown as CrossEntropyArgs;
    const opts: CrossEntropyArgs = { labelSmoothing, reduction };
    if (ignoreIndex !== undefined) opts.ignoreIndex = ignoreIndex;
    return F.crossEntropy(req(x, 'logits'), req(x, 'targets'), opts);
  },
  matmul: (x) => matmul(req(x, 'a'), req(x, 'b')),
  bmm: (x) => bmm(req(x, 'a'), req(x, 'b')),
  linear: (x) => {
    const b = opt(x, 'b');
    return b === null ? F.linear(req(x, 'x'), req(x, 'w')) : F.linear(req(x, 'x'), req(x, 'w'), b);
  },
  var: (x, a) => {
    const { dim, keepdim, correction } = a as ReduceArgs;
    return req(x, 'x').var(dim, keepdim, correction);
  },
  max: (x, a) => {
    const { dim, keepdim } = a as ReduceArgs;
    return req(x, 'x').max(dim, keepdim);
  },
  sum: (x, a) => {
    const { dim, keepdim } = a as ReduceArgs;
    return req(x, 'x').sum(dim, keepdim);
  },
  pow: (x, a) => {
    const y = opt(x, 'y');
    return req(x, 'x').pow(y ?? (a.exponent as number));
  },
  div: (x, a) => {
    const b = opt(x, 'b');
    return req(x, 'a').div(b ?? (a.divisor as number));
  },
};

/** Runs one case in `dtype`: forward, backward(gradOutput), then every comparison; throws listing all mismatches. */
function runCase(file: string, c: FixtureCase, dtype: FloatDType): void {
  const run = RUNNERS[c.op];
  if (!run) throw new Error(`${file} / ${c.name}: no runner for op '${c.op}'`);
  const inputs = buildInputs(c, dtype);
  const out = run(inputs, c.args);
  const problems: string[] = [];
  const outProblem = compare('output', out, c.output, dtype);
  if (outProblem) problems.push(outProblem);
  if (Object.keys(c.grads).length > 0) {
    out.backward(fromEntry(c.gradOutput, dtype));
    for (const [name, expected] of Object.entries(c.grads)) {
      const p = compare(`grad of ${name}`, req(inputs, name).grad, expected, dtype);
      if (p) problems.push(p);
    }
  }
  for (const [name, expected] of Object.entries(c.after ?? {})) {
    const p = compare(`${name} after the call`, req(inputs, name), expected, dtype);
    if (p) problems.push(p);
  }
  if (problems.length > 0) {
    throw new Error(`${file} / ${c.name} [${dtype}]: ${problems.length} mismatch(es) with PyTorch:\n  ${problems.join('\n  ')}`);
  }
}

// ---------------------------------------------------------------- the suites

for (const file of FILES) {
  describe(`PyTorch parity: ${file}`, () => {
    const fixture = loadFixture(file);
    for (const c of fixture.cases) {
      it(c.name, () => runCase(file, c, 'float64'));
      it(`${c.name} (float32)`, () => runCase(file, c, 'float32'));
    }
  });
}
