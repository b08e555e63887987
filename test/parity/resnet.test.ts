/**
 * Parity with torchvision for a whole ResNet: tiny torchvision-architecture models (BasicBlock and
 * Bottleneck, scripts/tiny_torchvision.py) with random weights and BatchNorm statistics, written by
 * scripts/make-resnet-fixtures.py (PyTorch 1.13, float64). Loading their state dict into our ResNet
 * must give PyTorch's eval-mode logits, train-mode logits, loss, updated running statistics and
 * parameter gradients: in float64 to 1e-9, in float32 to 1e-4 of the values' scale.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import { F, Tensor, nn, tensor } from '../../src';
import { ResNetDepth, resnet } from '../../src/nn/models';

interface Entry {
  shape: number[];
  values: number[];
  dtype?: 'int64';
}

interface TinyFixture {
  config: { depth: ResNetDepth; width: number; blocks: [number, number, number, number]; numClasses: number };
  repr: string;
  stateDict: Record<string, Entry>;
  input: Entry;
  labels: Entry;
  eval: { logits: Entry };
  train: { logits: Entry; loss: number; buffersAfter: Record<string, Entry>; grads: Record<string, Entry> };
}

type FloatDType = 'float32' | 'float64';

function load(file: string): TinyFixture {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'resnet', file), 'utf8')) as TinyFixture;
}

function fromEntry(e: Entry, dtype: FloatDType): Tensor {
  if (e.dtype === 'int64') return tensor(Int32Array.from(e.values), { shape: e.shape, dtype: 'int32' });
  return tensor(Float64Array.from(e.values), { shape: e.shape, dtype });
}

/** Largest |actual - expected| relative to the tolerance; <= 1 passes. NaN never passes. */
function worstError(actual: Tensor, expected: Entry, dtype: FloatDType): number {
  expect(actual.shape).toEqual(expected.shape);
  const e = expected.values;
  const scale = e.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    const tol = dtype === 'float64' ? 1e-9 * (1 + Math.abs(e[i])) : 1e-4 * (Math.abs(e[i]) + scale) + 1e-7;
    const ratio = Math.abs(actual.data[i] - e[i]) / tol;
    worst = Number.isNaN(ratio) ? Infinity : Math.max(worst, ratio);
  }
  return worst;
}

function expectClose(what: string, actual: Tensor | null, expected: Entry, dtype: FloatDType): void {
  expect(actual, `${what} is missing`).not.toBeNull();
  const worst = worstError(actual as Tensor, expected, dtype);
  expect(worst, `${what}: error ${worst.toFixed(2)}x the tolerance`).toBeLessThanOrEqual(1);
}

/** Our ResNet with the fixture's weights, in `dtype`. */
function buildModel(fx: TinyFixture, dtype: FloatDType) {
  const { depth, width, blocks, numClasses } = fx.config;
  const model = resnet({ depth, width, blocks, numClasses }).to(dtype);
  const sd: nn.StateDict = {};
  for (const [name, e] of Object.entries(fx.stateDict)) sd[name] = fromEntry(e, dtype);
  model.loadStateDict(sd);
  return model;
}

for (const file of ['tiny-bottleneck.json', 'tiny-basic.json']) {
  const fx = load(file);
  describe(`ResNet parity with torchvision: ${file}`, () => {
    it('prints as PyTorch prints it (torchvision ReLU is inplace; ours has no inplace)', () => {
      const model = resnet({ ...fx.config });
      expect(model.toString()).toBe(fx.repr.replace(/ReLU\(inplace=True\)/g, 'ReLU()'));
    });

    for (const dtype of ['float64', 'float32'] as const) {
      it(`${dtype}: eval-mode logits`, () => {
        const model = buildModel(fx, dtype).eval();
        expectClose('eval logits', model.forward(fromEntry(fx.input, dtype)), fx.eval.logits, dtype);
      });

      it(`${dtype}: train-mode logits, loss, running statistics and gradients`, () => {
        const model = buildModel(fx, dtype).train();
        const logits = model.forward(fromEntry(fx.input, dtype));
        expectClose('train logits', logits, fx.train.logits, dtype);
        const loss = F.crossEntropy(logits, fromEntry(fx.labels, dtype));
        const lossTol = dtype === 'float64' ? 1e-9 : 1e-4;
        expect(Math.abs(loss.item() - fx.train.loss)).toBeLessThanOrEqual(lossTol * (1 + Math.abs(fx.train.loss)));
        loss.backward();

        const buffers = new Map(model.namedBuffers());
        expect([...buffers.keys()].sort()).toEqual(Object.keys(fx.train.buffersAfter).sort());
        for (const [name, e] of Object.entries(fx.train.buffersAfter)) {
          const b = buffers.get(name) as Tensor;
          if (e.dtype === 'int64') expect(Array.from(b.data), name).toEqual(e.values);
          else expectClose(name, b, e, dtype);
        }
        const params = new Map(model.namedParameters());
        for (const [name, e] of Object.entries(fx.train.grads)) expectClose(`${name}.grad`, params.get(name)?.grad ?? null, e, dtype);
      });
    }
  });
}
