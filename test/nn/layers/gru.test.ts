/**
 * nn.GRU: parity with torch.nn.GRU on the fixtures of scripts/make-gru-fixtures.py (PyTorch 1.13,
 * float64; parameters loaded by their torch names through a strict loadStateDict), finite-difference
 * gradient checks on random small configurations, and the layer's contract (state-dict layout, init,
 * errors, dropout between layers, batchFirst).
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, manualSeed, nn, randn, tensor, zeros } from '../../../src';
import { checkGrad, maxAbsDiff, seedArb, seeded } from '../../helpers';

interface Entry {
  shape: number[];
  values: number[];
}

interface GRUCase {
  name: string;
  config: { inputSize: number; hiddenSize: number; numLayers: number; bias: boolean; batchFirst: boolean; bidirectional: boolean };
  stateDict: Record<string, Entry>;
  input: Entry;
  h0: Entry | null;
  output: Entry;
  hN: Entry;
  gradOutput: Entry;
  gradHN: Entry;
  grads: Record<string, Entry>;
}

type FloatDType = 'float32' | 'float64';

const FIXTURE = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'gru', 'gru.json'), 'utf8'),
) as { op: string; cases: GRUCase[] };

function fromEntry(e: Entry, dtype: FloatDType, requiresGrad = false): Tensor {
  return tensor(Float64Array.from(e.values), { shape: e.shape, dtype, requiresGrad });
}

/** float64: |a - e| <= 1e-10 (1 + |e|); float32 (inputs rounded): |a - e| <= 1e-5 (|e| + max |e|) + 1e-7. */
function expectClose(what: string, actual: Tensor | null, expected: Entry, dtype: FloatDType): void {
  expect(actual, `${what} is missing`).not.toBeNull();
  const a = actual as Tensor;
  expect(a.shape, `${what}: shape`).toEqual(expected.shape);
  const e = expected.values;
  const scale = e.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    const tol = dtype === 'float64' ? 1e-10 * (1 + Math.abs(e[i])) : 1e-5 * (Math.abs(e[i]) + scale) + 1e-7;
    const ratio = Math.abs(a.data[i] - e[i]) / tol;
    worst = Number.isNaN(ratio) ? Infinity : Math.max(worst, ratio);
  }
  expect(worst, `${what}: error ${worst.toFixed(2)}x the tolerance`).toBeLessThanOrEqual(1);
}

function values(t: Tensor): number[] {
  return Array.from(t.data);
}

describe('nn.GRU parity with torch.nn.GRU (fixtures)', () => {
  for (const c of FIXTURE.cases) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${c.name} (${dtype})`, () => {
        const gru = new nn.GRU(c.config).to(dtype);
        const sd: Record<string, Tensor> = {};
        for (const [k, e] of Object.entries(c.stateDict)) sd[k] = fromEntry(e, dtype);
        // strict: the names, their order and shapes are PyTorch's.
        expect(gru.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
        expect(Object.keys(gru.stateDict())).toEqual(Object.keys(c.stateDict));

        const x = fromEntry(c.input, dtype, true);
        const h0 = c.h0 ? fromEntry(c.h0, dtype, true) : null;
        const [output, hN] = h0 ? gru.forward(x, h0) : gru.forward(x);
        expectClose('output', output, c.output, dtype);
        expectClose('hN', hN, c.hN, dtype);

        output.mul(fromEntry(c.gradOutput, dtype)).sum().add(hN.mul(fromEntry(c.gradHN, dtype)).sum()).backward();
        expectClose('grad input', x.grad, c.grads.input, dtype);
        if (h0) expectClose('grad h0', h0.grad, c.grads.h0, dtype);
        for (const [name, p] of gru.namedParameters()) expectClose(`grad ${name}`, p.grad, c.grads[name], dtype);
      });
    }
  }
});

describe('nn.GRU gradients', () => {
  it('match finite differences in input, h0 and every parameter (float64, random small configurations)', () => {
    fc.assert(
      fc.property(
        seedArb,
        fc.record({
          inputSize: fc.integer({ min: 1, max: 3 }),
          hiddenSize: fc.integer({ min: 1, max: 3 }),
          numLayers: fc.integer({ min: 1, max: 2 }),
          bias: fc.boolean(),
          batchFirst: fc.boolean(),
          bidirectional: fc.boolean(),
        }),
        fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.boolean(),
        (seed, config, L, batch, withH0) => {
          manualSeed(seed);
          const gru = new nn.GRU(config).double();
          const D = config.bidirectional ? 2 : 1;
          // batch 0: an unbatched input.
          const xShape = batch === 0 ? [L, config.inputSize]
            : config.batchFirst ? [batch, L, config.inputSize] : [L, batch, config.inputSize];
          const hShape = batch === 0 ? [D * config.numLayers, config.hiddenSize] : [D * config.numLayers, batch, config.hiddenSize];
          const x = seeded(xShape, seed);
          const h0 = seeded(hShape, seed + 1);
          const params = gru.parameters();
          // gradcheck perturbs the tensors in place; the module reads the same Parameter objects.
          if (withH0) return checkGrad((xi, hi) => gru.forward(xi, hi), [x, h0, ...params]);
          return checkGrad((xi) => gru.forward(xi), [x, ...params]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('backward through a long sequence runs (no per-step graph) and gives h0 a gradient', () => {
    manualSeed(1);
    const gru = new nn.GRU({ inputSize: 4, hiddenSize: 8, numLayers: 2, bidirectional: true });
    const x = randn([300, 2, 4], { requiresGrad: true });
    const h0 = randn([4, 2, 8], { requiresGrad: true });
    const [out, hN] = gru.forward(x, h0);
    out.sum().add(hN.sum()).backward();
    expect((x.grad as Tensor).shape).toEqual([300, 2, 4]);
    expect((h0.grad as Tensor).shape).toEqual([4, 2, 8]);
    expect(values(x.grad as Tensor).every(Number.isFinite)).toBe(true);
  });
});

describe('nn.GRU layout and initialisation', () => {
  it("names, orders and shapes its parameters as PyTorch (state dict keys, '_reverse', layer k > 0 reads D*H)", () => {
    const gru = new nn.GRU({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true });
    const shapes = Object.entries(gru.stateDict()).map(([k, t]) => [k, t.shape]);
    expect(shapes).toEqual([
      ['weight_ih_l0', [9, 2]], ['weight_hh_l0', [9, 3]], ['bias_ih_l0', [9]], ['bias_hh_l0', [9]],
      ['weight_ih_l0_reverse', [9, 2]], ['weight_hh_l0_reverse', [9, 3]], ['bias_ih_l0_reverse', [9]], ['bias_hh_l0_reverse', [9]],
      ['weight_ih_l1', [9, 6]], ['weight_hh_l1', [9, 3]], ['bias_ih_l1', [9]], ['bias_hh_l1', [9]],
      ['weight_ih_l1_reverse', [9, 6]], ['weight_hh_l1_reverse', [9, 3]], ['bias_ih_l1_reverse', [9]], ['bias_hh_l1_reverse', [9]],
    ]);
    const noBias = new nn.GRU({ inputSize: 4, hiddenSize: 2, numLayers: 2, bias: false });
    expect(Object.entries(noBias.stateDict()).map(([k, t]) => [k, t.shape])).toEqual([
      ['weight_ih_l0', [6, 4]], ['weight_hh_l0', [6, 2]], ['weight_ih_l1', [6, 2]], ['weight_hh_l1', [6, 2]],
    ]);
    expect(gru.allWeights.map((ws) => ws.length)).toEqual([4, 4, 4, 4]);
    expect(gru.allWeights[1][0]).toBe(gru.parameters()[4]);
  });

  it('strict loading rejects a state dict of another configuration, naming the keys', () => {
    const gru = new nn.GRU({ inputSize: 2, hiddenSize: 3 });
    const other = new nn.GRU({ inputSize: 2, hiddenSize: 3, bidirectional: true });
    expect(() => gru.loadStateDict(other.stateDict())).toThrow(/unexpected key\(s\): weight_ih_l0_reverse/);
    expect(() => other.loadStateDict(gru.stateDict())).toThrow(/missing key\(s\): weight_ih_l0_reverse/);
    const wide = new nn.GRU({ inputSize: 3, hiddenSize: 3 });
    expect(() => gru.loadStateDict(wide.stateDict())).toThrow(/weight_ih_l0: shape \[9, 3\] in the state dict, \[9, 2\] in the model/);
  });

  it('initialises every parameter from U(±1/sqrt(hiddenSize)), reproducibly from the seed', () => {
    manualSeed(5);
    const gru = new nn.GRU({ inputSize: 7, hiddenSize: 16, numLayers: 2, bidirectional: true });
    const bound = 1 / 4;
    for (const [name, p] of gru.namedParameters()) {
      const v = values(p);
      expect(v.every((x) => Math.abs(x) <= bound), name).toBe(true);
      expect(Math.max(...v), name).toBeGreaterThan(0.8 * bound);
      expect(Math.min(...v), name).toBeLessThan(-0.8 * bound);
    }
    manualSeed(5);
    const again = new nn.GRU({ inputSize: 7, hiddenSize: 16, numLayers: 2, bidirectional: true });
    expect(again.parameters().map(values)).toEqual(gru.parameters().map(values));
  });

  it('prints as PyTorch', () => {
    expect(String(new nn.GRU({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true }))).toBe(
      'GRU(2, 3, num_layers=2, bidirectional=True)',
    );
    expect(String(new nn.GRU({ inputSize: 2, hiddenSize: 3, bias: false, batchFirst: true, dropout: 0.5 }))).toBe(
      'GRU(2, 3, bias=False, batch_first=True, dropout=0.5)',
    );
  });
});

describe('nn.GRU shapes and errors', () => {
  const gru = new nn.GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true });

  it('gives output [L, N, D*H] and hN [D*numLayers, N, H]; unbatched [L, D*H] and [D*numLayers, H]', () => {
    const [out, hN] = gru.forward(randn([5, 2, 3]));
    expect(out.shape).toEqual([5, 2, 8]);
    expect(hN.shape).toEqual([4, 2, 4]);
    const [u, uh] = gru.forward(randn([5, 3]), zeros([4, 4]));
    expect(u.shape).toEqual([5, 8]);
    expect(uh.shape).toEqual([4, 4]);
    const [e, eh] = gru.forward(randn([2, 0, 3])); // an empty batch, as PyTorch
    expect(e.shape).toEqual([2, 0, 8]);
    expect(eh.shape).toEqual([4, 0, 4]);
  });

  it('hN holds the last forward state and the first reverse state of the last layer', () => {
    const [out, hN] = gru.forward(randn([5, 2, 3]));
    const last = out.slice(0, 4, 5).reshape([2, 8]);
    const first = out.slice(0, 0, 1).reshape([2, 8]);
    expect(values(hN.slice(0, 2, 3).reshape([2, 4]))).toEqual(values(last.slice(1, 0, 4)));
    expect(values(hN.slice(0, 3, 4).reshape([2, 4]))).toEqual(values(first.slice(1, 4, 8)));
  });

  it('an unbatched input gives the batched result with N = 1', () => {
    const x = randn([4, 3]);
    const h0 = randn([4, 4]);
    const [u, uh] = gru.forward(x, h0);
    const [b, bh] = gru.forward(x.unsqueeze(1), h0.unsqueeze(1));
    expect(values(u)).toEqual(values(b));
    expect(values(uh)).toEqual(values(bh));
  });

  it('rejects wrong shapes and dtypes, naming the layer, the shapes and what it expected', () => {
    expect(() => gru.forward(randn([2, 2, 2, 3]))).toThrow(
      /GRU: expected input \[L, N, inputSize\] \(or unbatched \[L, inputSize\]\) with inputSize 3; got shape \[2, 2, 2, 3\]/,
    );
    expect(() => gru.forward(randn([5, 2, 4]))).toThrow(/GRU: input's last dim must be inputSize 3; got shape \[5, 2, 4\] \(expected \[L, N, inputSize\]\)/);
    expect(() => gru.forward(zeros([0, 2, 3]))).toThrow(/GRU: expected a sequence length larger than 0; got input of shape \[0, 2, 3\]/);
    expect(() => gru.forward(randn([5, 2, 3]), zeros([2, 2, 4]))).toThrow(
      /GRU: expected h0 of shape \[4, 2, 4\] \(\[numDirections \* numLayers, N, hiddenSize\] for batched input \[5, 2, 3\]\); got \[2, 2, 4\]/,
    );
    expect(() => gru.forward(randn([5, 2, 3]), zeros([4, 4]))).toThrow(/GRU: expected h0 of shape \[4, 2, 4\]/);
    expect(() => gru.forward(randn([5, 3]), zeros([4, 1, 4]))).toThrow(/GRU: expected h0 of shape \[4, 4\] .*unbatched input \[5, 3\]\); got \[4, 1, 4\]/);
    expect(() => gru.forward(randn([5, 2, 3], { dtype: 'float64' }))).toThrow(/GRU: input is float64 but the parameters are float32/);
    expect(() => gru.forward(randn([5, 2, 3]), zeros([4, 2, 4], { dtype: 'float64' }))).toThrow(/GRU: h0 is float64 but the parameters are float32/);
    const bf = new nn.GRU({ inputSize: 3, hiddenSize: 4, batchFirst: true });
    expect(() => bf.forward(randn([2, 5, 2]))).toThrow(/expected \[N, L, inputSize\]/);
    expect(() => bf.forward(zeros([2, 0, 3]))).toThrow(/sequence length larger than 0/);
  });

  it('rejects bad options', () => {
    expect(() => new nn.GRU({ inputSize: 0, hiddenSize: 3 })).toThrow(/GRU: inputSize must be a positive integer; got 0/);
    expect(() => new nn.GRU({ inputSize: 2, hiddenSize: 1.5 })).toThrow(/GRU: hiddenSize must be a positive integer; got 1.5/);
    expect(() => new nn.GRU({ inputSize: 2, hiddenSize: 3, numLayers: 0 })).toThrow(/GRU: numLayers must be a positive integer; got 0/);
    expect(() => new nn.GRU({ inputSize: 2, hiddenSize: 3, dropout: 1.5 })).toThrow(/GRU: dropout must be a number in \[0, 1\]; got 1.5/);
  });
});

describe('nn.GRU modes and layouts', () => {
  it('applies dropout between layers only, in training only; eval is deterministic', () => {
    manualSeed(2);
    const gru = new nn.GRU({ inputSize: 3, hiddenSize: 6, numLayers: 2, dropout: 0.5, bidirectional: true });
    const x = randn([5, 2, 3]);
    gru.eval();
    const [evalOut, evalH] = gru.forward(x);
    const [evalOut2, evalH2] = gru.forward(x);
    expect(values(evalOut2)).toEqual(values(evalOut));
    expect(values(evalH2)).toEqual(values(evalH));
    gru.train();
    const [trainOut, trainH] = gru.forward(x);
    expect(maxAbsDiff(trainOut.data, evalOut.data)).toBeGreaterThan(1e-3);
    // Layer 0's final states come before any dropout.
    expect(values(trainH.slice(0, 0, 2))).toEqual(values(evalH.slice(0, 0, 2)));

    // The last layer's output is never dropped: one layer trains as it evaluates.
    const single = new nn.GRU({ inputSize: 3, hiddenSize: 6, dropout: 0.9 });
    const [a] = single.forward(x);
    const [b] = single.eval().forward(x);
    expect(values(a)).toEqual(values(b));
  });

  it('dropout 1 hands layer 1 a zero sequence', () => {
    manualSeed(3);
    const gru = new nn.GRU({ inputSize: 2, hiddenSize: 3, numLayers: 2, dropout: 1 });
    const x = randn([4, 2, 2]);
    const h0 = randn([2, 2, 3]);
    const [out, hN] = gru.forward(x, h0);
    const top = new nn.GRU({ inputSize: 3, hiddenSize: 3 });
    const sd = gru.stateDict();
    top.loadStateDict({
      weight_ih_l0: sd.weight_ih_l1, weight_hh_l0: sd.weight_hh_l1, bias_ih_l0: sd.bias_ih_l1, bias_hh_l0: sd.bias_hh_l1,
    });
    const [expected, expectedH] = top.forward(zeros([4, 2, 3]), h0.slice(0, 1, 2));
    expect(maxAbsDiff(out.data, expected.data)).toBeLessThan(1e-6);
    expect(maxAbsDiff(hN.slice(0, 1, 2).data, expectedH.data)).toBeLessThan(1e-6);
  });

  it('batchFirst is the sequence-first GRU on the permuted input, output permuted back; h0 and hN unchanged', () => {
    manualSeed(4);
    const config = { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true };
    const seqFirst = new nn.GRU(config);
    const batchFirst = new nn.GRU({ ...config, batchFirst: true });
    batchFirst.loadStateDict(seqFirst.stateDict());
    const x = randn([3, 5, 3]); // [N, L, in]
    const h0 = randn([4, 3, 4]);
    const [out, hN] = batchFirst.forward(x, h0);
    const [ref, refH] = seqFirst.forward(x.permute([1, 0, 2]), h0);
    expect(out.shape).toEqual([3, 5, 8]);
    expect(values(out)).toEqual(values(ref.permute([1, 0, 2])));
    expect(values(hN)).toEqual(values(refH));
  });

  it('module.double() converts the parameters the forward pass reads', () => {
    const gru = new nn.GRU({ inputSize: 2, hiddenSize: 2 }).double();
    expect(gru.allWeights.flat().every((p) => p.dtype === 'float64')).toBe(true);
    const [out] = gru.forward(randn([3, 1, 2], { dtype: 'float64' }));
    expect(out.dtype).toBe('float64');
  });
});
