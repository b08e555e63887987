/**
 * Parity of the SSAN models with an independent PyTorch implementation of docs/model.md
 * (scripts/ssan_reference.py). scripts/make-ssan-fixtures.py builds each module there with random
 * weights and BatchNorm state, runs it in float64 and writes test/fixtures/ssan/: cases.json (what to
 * build, with the TypeScript constructor's options) and one safetensors file per case (the state dict,
 * the inputs and every expected value).
 *
 * Each case is built here with the same options, must have exactly the reference's state-dict keys in
 * the same order, loads the weights strictly, and must reproduce:
 * - blocks (SSA with each of its flags, the non-local kinds): the output on a 4x5 input (non-square,
 *   so a transposed reshape shows), the gradient of the input and of every parameter for
 *   loss = (out * R).sum() with a fixed random R; in train mode also the updated running statistics;
 * - whole tiny models (SSAN, TSM, 3D non-local on a ResNet-50 at width 2; SSAN and TSM on a ResNet-18,
 *   whose BasicBlocks have the same slots): eval logits, train logits, cross-entropy loss, running
 *   statistics and a few parameter gradients, on one (2, 4, 3, 64, 64) clip, with dropout 0.
 * In float64 to 1e-9, in float32 to 1e-4 of the values' scale (the script checks that PyTorch's own
 * float32 run passes this with a wide margin, so a failure here is a real difference).
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import { F, Tensor, nn, ssan, tensor } from '../../src';
import { loadSafetensors } from '../../src/nn/safetensors';

type FloatDType = 'float32' | 'float64';
type Mode = 'eval' | 'train';

interface BlockCase {
  name: string;
  kind: 'ssa' | 'nonLocal';
  config: { channels: number } & Record<string, unknown>;
  file: string;
  stateKeys: string[];
  modes: Mode[];
}

interface ModelCase {
  name: string;
  kind: 'model';
  config: ssan.CreateModelOptions;
  file: string;
  stateKeys: string[];
  modes: Mode[];
  clip: string;
}

type Case = BlockCase | ModelCase;

const FIXTURE_DIR = join(__dirname, '..', 'fixtures', 'ssan');
const CASES = (JSON.parse(readFileSync(join(FIXTURE_DIR, 'cases.json'), 'utf8')) as { cases: Case[] }).cases;

function tensorsOf(file: string): Record<string, Tensor> {
  return loadSafetensors(join(FIXTURE_DIR, file)).tensors;
}

/** A fixture tensor (F16 inputs decode as float32, expected values as float64) as a fresh `dtype` leaf. */
function asDType(t: Tensor, dtype: FloatDType, requiresGrad = false): Tensor {
  return tensor(Float64Array.from(t.data), { shape: [...t.shape], dtype, requiresGrad });
}

/** `prefix`-named entries of a fixture, the prefix removed. */
function withPrefix(tensors: Record<string, Tensor>, prefix: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, t] of Object.entries(tensors)) if (name.startsWith(prefix)) out.set(name.slice(prefix.length), t);
  return out;
}

// ---------------------------------------------------------------- tolerance

/**
 * Below this, an expected array is an exact zero up to rounding (the gradient of a conv bias right
 * before a train-mode BatchNorm): in float32 its values are rounding noise the size of the gradients
 * around it, so its tolerance scale is the largest gradient of the same pass (as in the script's check).
 */
const NUMERICAL_ZERO = 1e-9;

function maxAbs(t: Tensor): number {
  let m = 0;
  for (let i = 0; i < t.data.length; i++) m = Math.max(m, Math.abs(t.data[i]));
  return m;
}

/** Largest |actual - expected| relative to the tolerance; <= 1 passes, NaN never does. */
function worstError(actual: Tensor, expected: Tensor, dtype: FloatDType, zeroScale: number): number {
  expect(actual.shape).toEqual(expected.shape);
  let scale = maxAbs(expected);
  if (scale < NUMERICAL_ZERO) scale = zeroScale;
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i];
    const tol = dtype === 'float64' ? 1e-9 * (1 + Math.abs(e)) : 1e-4 * (Math.abs(e) + scale) + 1e-7;
    const ratio = Math.abs(actual.data[i] - e) / tol;
    worst = Number.isNaN(ratio) ? Infinity : Math.max(worst, ratio);
  }
  return worst;
}

/** Compares named results; `zeroScale` is the tolerance scale of an all-zero expected array. */
function expectClose(
  what: string, actual: Tensor | null | undefined, expected: Tensor, dtype: FloatDType, zeroScale = 0,
): void {
  expect(actual, `${what} is missing`).toBeInstanceOf(Tensor);
  const worst = worstError(actual as Tensor, expected, dtype, zeroScale);
  expect(worst, `${what}: error ${worst.toFixed(2)}x the tolerance`).toBeLessThanOrEqual(1);
}

function expectBuffers(module: nn.Module, expected: Map<string, Tensor>, dtype: FloatDType): void {
  const buffers = new Map(module.namedBuffers());
  expect([...buffers.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [name, e] of expected) {
    const b = buffers.get(name) as Tensor;
    if (b.dtype === 'int32') expect(Array.from(b.data), name).toEqual(Array.from(e.data));
    else expectClose(`buffer ${name}`, b, e, dtype);
  }
}

// ---------------------------------------------------------------- building

function buildModule(c: Case): nn.Module {
  if (c.kind === 'model') return ssan.createModel(c.config);
  const { channels, ...options } = c.config;
  if (c.kind === 'ssa') return new ssan.SSA(channels, options as unknown as ssan.SSAOptions);
  return new ssan.NonLocal(channels, options as unknown as ssan.NonLocalOptions);
}

/** The case's module in `dtype`, with the fixture's state dict loaded strictly. */
function loaded(c: Case, fixture: Record<string, Tensor>, dtype: FloatDType): nn.Module {
  const module = buildModule(c).to(dtype);
  module.loadStateDict(Object.fromEntries(withPrefix(fixture, 'state.')), { strict: true });
  return module;
}

// ---------------------------------------------------------------- the cases

function blockTests(c: BlockCase, fixture: Record<string, Tensor>): void {
  for (const dtype of ['float64', 'float32'] as const) {
    for (const mode of c.modes) {
      const extra = mode === 'train' ? ', running statistics' : '';
      it(`${dtype} ${mode}: output, input gradient, every parameter gradient${extra}`, () => {
        const module = loaded(c, fixture, dtype);
        module.train(mode === 'train');
        const x = asDType(fixture.input, dtype, true);
        const out = module.forward(x) as Tensor;
        expectClose('output', out, fixture[`${mode}.output`], dtype);
        out.mul(asDType(fixture.upstream, dtype)).sum().backward();

        const grads = withPrefix(fixture, `${mode}.grad.`);
        const gradScale = Math.max(...[...grads.values()].map(maxAbs));
        expectClose('input gradient', x.grad, grads.get('input') as Tensor, dtype, gradScale);
        const params = new Map(module.namedParameters());
        expect([...params.keys()].sort()).toEqual([...grads.keys()].filter((k) => k !== 'input').sort());
        for (const [name, p] of params) {
          expectClose(`${name}.grad`, p.grad, grads.get(name) as Tensor, dtype, gradScale);
        }
        if (mode === 'train') expectBuffers(module, withPrefix(fixture, 'train.buffer.'), dtype);
      });
    }
  }
}

function modelTests(c: ModelCase, fixture: Record<string, Tensor>): void {
  const clip = tensorsOf(c.clip);
  for (const dtype of ['float64', 'float32'] as const) {
    it(`${dtype}: eval-mode logits`, () => {
      const model = loaded(c, fixture, dtype).eval();
      expectClose('eval logits', model.forward(asDType(clip.input, dtype)) as Tensor, fixture['eval.logits'], dtype);
    });

    it(`${dtype}: train-mode logits, loss, running statistics and gradients`, () => {
      const model = loaded(c, fixture, dtype).train();
      const logits = model.forward(asDType(clip.input, dtype)) as Tensor;
      expectClose('train logits', logits, fixture['train.logits'], dtype);
      const loss = F.crossEntropy(logits, clip.labels);
      const expectedLoss = fixture['train.loss'].data[0];
      const lossTol = dtype === 'float64' ? 1e-9 : 1e-4;
      expect(Math.abs(loss.item() - expectedLoss)).toBeLessThanOrEqual(lossTol * (1 + Math.abs(expectedLoss)));
      loss.backward();

      expectBuffers(model, withPrefix(fixture, 'train.buffer.'), dtype);
      const grads = withPrefix(fixture, 'train.grad.');
      const gradScale = Math.max(...[...grads.values()].map(maxAbs));
      const params = new Map(model.namedParameters());
      for (const [name, e] of grads) expectClose(`${name}.grad`, params.get(name)?.grad, e, dtype, gradScale);
    });
  }
}

describe('SSAN parity with the PyTorch reference implementation', () => {
  it('covers every SSA flag, every non-local kind and whole models of both block types', () => {
    const names = CASES.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(CASES.filter((c) => c.kind === 'ssa').length).toBeGreaterThanOrEqual(9);
    expect(CASES.filter((c) => c.kind === 'nonLocal').length).toBeGreaterThanOrEqual(6);
    const models = CASES.filter((c): c is ModelCase => c.kind === 'model')
      .map((c) => `${c.config.arch}-${c.config.depth}`);
    expect(models.sort()).toEqual(['nl3d-50', 'ssan-18', 'ssan-50', 'tsm-18', 'tsm-50']);
  });
});

for (const c of CASES) {
  describe(`SSAN parity: ${c.name}`, () => {
    const fixture = tensorsOf(c.file);

    it("has the reference's state-dict keys, in the same order", () => {
      expect(Object.keys(buildModule(c).stateDict())).toEqual(c.stateKeys);
    });

    if (c.kind === 'model') modelTests(c, fixture);
    else blockTests(c, fixture);
  });
}
