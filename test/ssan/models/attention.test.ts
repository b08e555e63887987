/**
 * The attention blocks on their own (docs/model.md#invariants-the-tests-check): identity at
 * initialisation, the shape contract, attention rows that sum to 1, parameter counts and multiply-add
 * counts (docs/model.md#parameters-and-multiply-adds), float64 gradient checks, and errors. Whole-model
 * properties (frame order, placement, weights) are in models.test.ts; numerical parity with a PyTorch
 * implementation of docs/model.md is in test/parity/ssan.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Tensor, manualSeed, nn, noGrad } from '../../../src';
import { NonLocal, NonLocalOptions, SSA, SSAOptions } from '../../../src/ssan';
import { checkGrad, seeded } from '../../helpers';

type Block = SSA | NonLocal;

function count(module: nn.Module): number {
  return module.parameters().reduce((n, p) => n + p.numel(), 0);
}

/** Every variant docs/model.md names, as constructors of a block at C channels and T frames. */
const VARIANTS: Record<string, (c: number, t: number) => Block> = {
  'SSA': (c, t) => new SSA(c, { numSegments: t }),
  'SSA without channel branch': (c, t) => new SSA(c, { numSegments: t, channelBranch: false }),
  "SSA taValue 'x_hat'": (c, t) => new SSA(c, { numSegments: t, taValue: 'x_hat' }),
  "SSA taValue 'separate_g'": (c, t) => new SSA(c, { numSegments: t, taValue: 'separate_g' }),
  'SSA temporalKernel 1': (c, t) => new SSA(c, { numSegments: t, temporalKernel: 1 }),
  "SSA camStyle 'danet'": (c, t) => new SSA(c, { numSegments: t, camStyle: 'danet' }),
  "SSA attnScale 'none'": (c, t) => new SSA(c, { numSegments: t, attnScale: 'none' }),
  "SSA attnScale 'dot'": (c, t) => new SSA(c, { numSegments: t, attnScale: 'dot' }),
  'SSA reduction 1': (c, t) => new SSA(c, { numSegments: t, reduction: 1 }),
  'NL 3d': (c, t) => new NonLocal(c, { kind: '3d', numSegments: t }),
  'NL 3d subSample': (c, t) => new NonLocal(c, { kind: '3d', numSegments: t, subSample: true }),
  'NL 2d': (c, t) => new NonLocal(c, { kind: '2d', numSegments: t }),
  'NL 2d subSample': (c, t) => new NonLocal(c, { kind: '2d', numSegments: t, subSample: true }),
  'NL 1d': (c, t) => new NonLocal(c, { kind: '1d', numSegments: t }),
  'NL 2d1d fused': (c, t) => new NonLocal(c, { kind: '2d1d', numSegments: t }),
  'NL 2d1d stacked': (c, t) => new NonLocal(c, { kind: '2d1d', numSegments: t, fusion: 'stacked' }),
};

/** The output BatchNorms (one, or two when stacked), so a test can make the block non-trivial. */
function outputNorms(block: Block): nn.BatchNorm2d[] {
  return block.modules().filter((m): m is nn.BatchNorm2d => m instanceof nn.BatchNorm2d);
}

/** Gives each output BatchNorm a non-zero random scale and shift, so the block is no longer the identity. */
function wakeUp(block: Block, seed: number): void {
  for (const [i, bn] of outputNorms(block).entries()) {
    const c = bn.numFeatures;
    (bn.weight as Tensor).data.set(seeded([c], seed + i, { dtype: block.parameters()[0].dtype }).data);
    (bn.bias as Tensor).data.set(seeded([c], seed + 100 + i, { dtype: block.parameters()[0].dtype }).data);
  }
}

describe('identity at initialisation (docs/model.md#output-and-initialisation)', () => {
  for (const [name, make] of Object.entries(VARIANTS)) {
    it(`${name} returns its input exactly, in train and eval mode`, () => {
      manualSeed(1);
      const block = make(8, 3);
      const x = seeded([6, 8, 4, 5], 2, { dtype: 'float32', requiresGrad: false });
      expect(Array.from(block.forward(x).data)).toEqual(Array.from(x.data));
      block.eval();
      expect(Array.from(block.forward(x).data)).toEqual(Array.from(x.data));
      // And it is a real block: with a non-zero output scale it changes its input.
      wakeUp(block, 3);
      const changed = block.forward(x);
      expect(Array.from(changed.data)).not.toEqual(Array.from(x.data));
    });
  }
});

describe('shape contract (docs/model.md#shapes-of-one-block)', () => {
  it('SSA maps [N·T, C, H, W] to the same shape for C in {64, 128, 256}, H = W in {7, 14, 28}, T in {1, 8, 16}', () => {
    manualSeed(4);
    for (const c of [64, 128, 256]) {
      const block = new SSA(c, { numSegments: 1 });
      wakeUp(block, 5);
      for (const t of [1, 8, 16]) {
        // numSegments is fixed per block, as in the paper (one model per T); the same weights serve each T here.
        const atT = new SSA(c, { numSegments: t });
        atT.loadStateDict(block.stateDict());
        for (const hw of [7, 14, 28]) {
          const x = seeded([t, c, hw, hw], c + t + hw, { dtype: 'float32', requiresGrad: false });
          const y = noGrad(() => atT.forward(x));
          expect(y.shape).toEqual([t, c, hw, hw]);
          expect(Array.from(y.data).every(Number.isFinite)).toBe(true);
        }
      }
    }
  });

  it('every variant keeps the shape for two clips of T = 8 at 7x7', () => {
    for (const [name, make] of Object.entries(VARIANTS)) {
      manualSeed(6);
      const block = make(16, 8);
      wakeUp(block, 7);
      const y = noGrad(() => block.forward(seeded([16, 16, 7, 7], 8, { dtype: 'float32', requiresGrad: false })));
      expect(y.shape, name).toEqual([16, 16, 7, 7]);
    }
  });

  it('a batch that is not a whole number of clips is an error naming the block', () => {
    for (const [name, make] of Object.entries(VARIANTS)) {
      const block = make(8, 4);
      const x = seeded([6, 8, 3, 3], 9, { dtype: 'float32', requiresGrad: false });
      expect(() => block.forward(x), name).toThrow(/(SSA|NonLocal).*6 frames.*numSegments=4/);
    }
  });

  it('wrong channels or rank are errors naming the block and the shape', () => {
    const ssa = new SSA(8, { numSegments: 2 });
    expect(() => ssa.forward(seeded([4, 6, 3, 3], 1, { requiresGrad: false }))).toThrow(/SSA: expected 8 channels.*\[4, 6, 3, 3\]/);
    expect(() => ssa.forward(seeded([4, 8, 3], 1, { requiresGrad: false }))).toThrow(/SSA: expected frames of shape \[N·T, C, H, W\]/);
  });
});

describe('attention maps (docs/model.md#invariants-the-tests-check)', () => {
  it('are not kept by default', () => {
    const ssa = new SSA(8, { numSegments: 2 });
    ssa.forward(seeded([4, 8, 3, 3], 1, { dtype: 'float32', requiresGrad: false }));
    expect(ssa.attentionMaps).toBeNull();
  });

  const expectRowsSumToOne = (what: string, map: Tensor | undefined, shape: number[]) => {
    expect(map, `${what} kept`).toBeDefined();
    const m = map as Tensor;
    expect(m.shape, what).toEqual(shape);
    expect(m.requiresGrad).toBe(false);
    const rowLength = shape[shape.length - 1];
    for (let r = 0; r < m.numel() / rowLength; r++) {
      let sum = 0;
      for (let j = 0; j < rowLength; j++) {
        const v = m.data[r * rowLength + j];
        expect(v >= 0 && Number.isFinite(v), `${what} entries are probabilities`).toBe(true);
        sum += v;
      }
      expect(Math.abs(sum - 1), `${what} row ${r} sums to ${sum}`).toBeLessThan(1e-5);
    }
  };

  it('SSA: position [N·T, P, P], channel [N·T, C\', C\'] and temporal [N, T, T] rows sum to 1', () => {
    manualSeed(10);
    const ssa = new SSA(16, { numSegments: 4, keepAttention: true });
    wakeUp(ssa, 11);
    // Large inputs push the softmaxes towards saturation; rows must still be finite and sum to 1.
    const x = seeded([8, 16, 4, 5], 12, { dtype: 'float32', requiresGrad: false }).mul(30);
    ssa.forward(x);
    const maps = ssa.attentionMaps;
    expectRowsSumToOne('A_S', maps?.position, [8, 20, 20]);
    expectRowsSumToOne('A_C', maps?.channel, [8, 8, 8]);
    expectRowsSumToOne('A_T', maps?.temporal, [2, 4, 4]);
  });

  it('non-local blocks keep theirs: 3d [N, TP, TP], 2d [N·T, P, P], 1d [N, T, T], stacked both', () => {
    manualSeed(13);
    const x = seeded([8, 16, 4, 4], 14, { dtype: 'float32', requiresGrad: false });
    const cases: [NonLocalOptions, 'position' | 'temporal', number[]][] = [
      [{ kind: '3d', numSegments: 4 }, 'position', [2, 64, 64]],
      [{ kind: '3d', numSegments: 4, subSample: true }, 'position', [2, 64, 16]],
      [{ kind: '2d', numSegments: 4 }, 'position', [8, 16, 16]],
      [{ kind: '1d', numSegments: 4 }, 'temporal', [2, 4, 4]],
      [{ kind: '2d1d', numSegments: 4, fusion: 'stacked' }, 'temporal', [2, 4, 4]],
      [{ kind: '2d1d', numSegments: 4, fusion: 'stacked' }, 'position', [8, 16, 16]],
    ];
    for (const [opts, which, shape] of cases) {
      const block = new NonLocal(16, { ...opts, keepAttention: true });
      block.forward(x);
      expectRowsSumToOne(`${JSON.stringify(opts)} ${which}`, block.attentionMaps?.[which], shape);
    }
  });

  it("attnScale 'dot' divides by the number of keys instead of normalising", () => {
    manualSeed(15);
    const ssa = new SSA(8, { numSegments: 2, attnScale: 'dot', keepAttention: true });
    const x = seeded([4, 8, 3, 3], 16, { dtype: 'float64', requiresGrad: false });
    ssa.to('float64');
    ssa.forward(x);
    const q = ssa.query.forward(x).reshape([4, 4, 9]);
    const k = ssa.key.forward(x).reshape([4, 4, 9]);
    const expected = q.transpose(1, 2).matmul(k).div(9);
    const got = ssa.attentionMaps?.position as Tensor;
    for (let i = 0; i < expected.numel(); i++) expect(got.data[i]).toBeCloseTo(expected.data[i], 12);
  });
});

describe('parameter counts (docs/model.md#parameters-and-multiply-adds)', () => {
  it('SSA = 3.5C² + 5.5C: 14,688 at C = 64, 58,048 at C = 128, 230,784 at C = 256', () => {
    expect(count(new SSA(64, { numSegments: 8 }))).toBe(14_688);
    expect(count(new SSA(128, { numSegments: 8 }))).toBe(58_048);
    expect(count(new SSA(256, { numSegments: 8 }))).toBe(230_784);
  });

  it('the Table 2 and Table 5 blocks follow their formulas at C = 128 and 256', () => {
    const opts = { numSegments: 8 };
    const cases: [string, (c: number) => Block, (c: number) => number][] = [
      ['one NL block (3d)', (c) => new NonLocal(c, { ...opts, kind: '3d' }), (c) => 2 * c * c + 4.5 * c],
      ['one NL block (2d)', (c) => new NonLocal(c, { ...opts, kind: '2d' }), (c) => 2 * c * c + 4.5 * c],
      ['one NL block (1d)', (c) => new NonLocal(c, { ...opts, kind: '1d' }), (c) => 2 * c * c + 4.5 * c],
      ['2D+1D stacked', (c) => new NonLocal(c, { ...opts, kind: '2d1d', fusion: 'stacked' }), (c) => 4 * c * c + 9 * c],
      ['2D+1D fused', (c) => new NonLocal(c, { ...opts, kind: '2d1d' }), (c) => 2.75 * c * c + 6 * c],
      ['+SA', (c) => new SSA(c, { ...opts, taValue: 'separate_g', temporalKernel: 1 }), (c) => 2.75 * c * c + 6 * c],
      ['+SA+SVE', (c) => new SSA(c, { ...opts, temporalKernel: 1 }), (c) => 2.5 * c * c + 5.5 * c],
      ['SSA', (c) => new SSA(c, opts), (c) => 3.5 * c * c + 5.5 * c],
    ];
    const quoted: Record<string, [number, number]> = {
      'one NL block (3d)': [33_344, 132_224], '2D+1D stacked': [66_688, 264_448], '2D+1D fused': [45_824, 181_760],
      '+SA+SVE': [41_664, 165_248], 'SSA': [58_048, 230_784],
    };
    for (const [name, make, formula] of cases) {
      for (const c of [128, 256]) expect(count(make(c)), `${name} at C=${c}`).toBe(formula(c));
      if (quoted[name]) expect([count(make(128)), count(make(256))], name).toEqual(quoted[name]);
    }
  });

  it('the fused 2D+1D non-local is SSA with its three Table 5 switches off, parameter for parameter', () => {
    const fused = new NonLocal(32, { kind: '2d1d', numSegments: 4 });
    const chainStart = new SSA(32, { numSegments: 4, channelBranch: false, taValue: 'separate_g', temporalKernel: 1 });
    const shapes = (m: nn.Module) => Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape]);
    expect(shapes(fused)).toEqual(shapes(chainStart));
    chainStart.loadStateDict(fused.stateDict());
    wakeUp(fused, 20);
    chainStart.loadStateDict(fused.stateDict());
    const x = seeded([8, 32, 3, 4], 21, { dtype: 'float32', requiresGrad: false });
    expect(Array.from(chainStart.forward(x).data)).toEqual(Array.from(fused.forward(x).data));
  });
});

describe('multiply-adds of the attention products (docs/model.md#parameters-and-multiply-adds)', () => {
  // Per frame, with the convs: qkv 3CC'P, temporal conv 6C'²P, W_z C'CP (see test/nn/summary.test.ts
  // for the whole table); here the products the block reports itself.
  it("SSA's own products: 2P²C' + 2C'²P per frame and 2T²C'P per clip", () => {
    const ssa = new SSA(128, { numSegments: 8 });
    const p = 28 * 28;
    const perFrame = 2 * p * p * 64 + 2 * 64 * 64 * p + (2 * 8 * 8 * 64 * p) / 8;
    expect(ssa.ownMacs([16, 128, 28, 28])).toBe(16 * perFrame);
    const convs = 3 * 128 * 64 * p + 6 * 64 * 64 * p + 64 * 128 * p;
    // docs/model.md's per-module figure: 130.9 M MACs per frame at C = 128, 28x28, T = 8.
    expect((perFrame + convs) / 1e6).toBeCloseTo(130.9, 1);
  });

  it('non-local blocks: 3d 2·TP·TP\'·C\' per clip, 2d 2·P·P\'·C\' per frame, 1d 2T²C\'P per clip', () => {
    const shape = [16, 64, 8, 8];
    const nl = (o: Partial<NonLocalOptions> & { kind: NonLocalOptions['kind'] }) => new NonLocal(64, { numSegments: 8, ...o });
    expect(nl({ kind: '3d' }).ownMacs(shape)).toBe(2 * 2 * 512 * 512 * 32);
    expect(nl({ kind: '3d', subSample: true }).ownMacs(shape)).toBe(2 * 2 * 512 * 128 * 32);
    expect(nl({ kind: '2d' }).ownMacs(shape)).toBe(16 * 2 * 64 * 64 * 32);
    expect(nl({ kind: '1d' }).ownMacs(shape)).toBe(2 * 2 * 64 * 32 * 64);
  });
});

describe('gradients (float64 gradcheck on tiny blocks)', () => {
  function checkBlock(block: Block, mode: 'train' | 'eval', seed: number): void {
    block.to('float64');
    wakeUp(block, seed);
    if (mode === 'eval') block.eval();
    const x = seeded([4, 4, 2, 3], seed + 1);
    const params = block.parameters();
    for (const p of params) p.requiresGrad = true;
    expect(checkGrad((input) => block.forward(input), [x, ...params])).toBe(true);
  }

  it('SSA (train-mode BatchNorm): input and every parameter', () => {
    manualSeed(30);
    checkBlock(new SSA(4, { numSegments: 2 }), 'train', 31);
  });

  it('3D non-local: input and every parameter', () => {
    manualSeed(32);
    checkBlock(new NonLocal(4, { kind: '3d', numSegments: 2 }), 'train', 33);
  });

  const variants: [string, Partial<SSAOptions>][] = [
    ["camStyle 'danet'", { camStyle: 'danet' }], ["taValue 'x_hat'", { taValue: 'x_hat' }],
    ["taValue 'separate_g'", { taValue: 'separate_g' }], ["attnScale 'dot'", { attnScale: 'dot' }],
  ];
  for (const [name, opts] of variants) {
    it(`SSA ${name} (eval mode)`, () => {
      manualSeed(34);
      checkBlock(new SSA(4, { numSegments: 2, ...opts }), 'eval', 35);
    });
  }

  it('2D non-local with subSample, 1D and stacked 2D+1D (eval mode)', () => {
    manualSeed(36);
    checkBlock(new NonLocal(4, { kind: '2d', numSegments: 2, subSample: true }), 'eval', 37);
    checkBlock(new NonLocal(4, { kind: '1d', numSegments: 2 }), 'eval', 38);
    checkBlock(new NonLocal(4, { kind: '2d1d', numSegments: 2, fusion: 'stacked' }), 'eval', 39);
  });

  it('at initialisation only the output BatchNorm gets a gradient (γ = 0 blocks the rest)', () => {
    manualSeed(40);
    const ssa = new SSA(4, { numSegments: 2 });
    ssa.forward(seeded([4, 4, 2, 3], 41, { dtype: 'float32' })).mul(seeded([4, 4, 2, 3], 42, { dtype: 'float32' })).sum().backward();
    for (const [name, p] of ssa.namedParameters()) {
      const nonZero = Array.from(p.grad?.data ?? []).some((v) => v !== 0);
      expect(nonZero, name).toBe(name.startsWith('bn.'));
    }
  });
});

describe('bad options', () => {
  it('are errors naming the block and what was expected', () => {
    expect(() => new SSA(8, {} as SSAOptions)).toThrow(/SSA: numSegments/);
    expect(() => new SSA(7, { numSegments: 2 })).toThrow(/SSA: channels \(7\) must be divisible by reduction \(2\)/);
    expect(() => new SSA(8, { numSegments: 2, temporalKernel: 5 as 3 })).toThrow(/SSA: temporalKernel must be 1 or 3/);
    expect(() => new SSA(8, { numSegments: 2, taValue: 'g' as 'x_hat' })).toThrow(/SSA: taValue must be one of/);
    expect(() => new SSA(8, { numSegments: 2, attnScale: 'sqrt' as 'len' })).toThrow(/SSA: attnScale must be one of len, none, dot/);
    expect(() => new SSA(8, { numSegments: 2, camStyle: 'danet', attnScale: 'dot' })).toThrow(/danet.*dot/);
    expect(() => new NonLocal(8, { kind: '4d' as '3d', numSegments: 2 })).toThrow(/NonLocal: kind must be one of/);
    expect(() => new NonLocal(8, { kind: '1d', numSegments: 2, subSample: true })).toThrow(/subSample applies to kinds '3d' and '2d'/);
    expect(() => new NonLocal(8, { kind: '2d1d', numSegments: 2, fusion: 'mixed' as 'fused' })).toThrow(/fusion must be/);
    expect(() => new SSA(8, { numSegments: 2, initStd: 0 })).toThrow(/SSA: initStd must be a finite number > 0; got 0/);
    expect(() => new NonLocal(8, { kind: '1d', numSegments: 2, initStd: NaN })).toThrow(/NonLocal: initStd must be/);
    expect(() => new SSA(8, { numSegments: 2, outInit: -0.1 })).toThrow(/SSA: outInit must be a finite number >= 0; got -0.1/);
    expect(() => new NonLocal(8, { kind: '3d', numSegments: 2, outInit: Infinity })).toThrow(/NonLocal: outInit must be/);
  });
});

describe('initialisation of the new convs (docs/model.md#output-and-initialisation)', () => {
  /** The sample standard deviation of every conv weight of a block, and whether all conv biases are zero. */
  function convWeightStats(block: Block): { std: number; zeroBiases: boolean } {
    const convs = block.modules().filter((m): m is nn.Conv2d | nn.Conv3d => m instanceof nn.Conv2d || m instanceof nn.Conv3d);
    const values = convs.flatMap((c) => Array.from(c.weight.data as Float32Array));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    return { std, zeroBiases: convs.every((c) => !c.bias || c.bias.data.every((b) => b === 0)) };
  }

  it('draws weights from N(0, 0.01) by default and N(0, initStd) when given, biases 0, every block', () => {
    manualSeed(3);
    const blocks: [string, (initStd?: number) => Block][] = [
      ['SSA', (initStd) => new SSA(64, { numSegments: 2, initStd })],
      ['NL 3d', (initStd) => new NonLocal(64, { kind: '3d', numSegments: 2, initStd })],
      ['NL 2d1d fused', (initStd) => new NonLocal(64, { kind: '2d1d', numSegments: 2, initStd })],
      ['NL 2d1d stacked', (initStd) => new NonLocal(64, { kind: '2d1d', numSegments: 2, fusion: 'stacked', initStd })],
    ];
    for (const [name, make] of blocks) {
      for (const [initStd, expected] of [[undefined, 0.01], [0.05, 0.05]] as const) {
        const { std, zeroBiases } = convWeightStats(make(initStd));
        // Thousands of weights per block: the sample spread is within a few percent of the target.
        expect(std / expected, `${name} initStd ${initStd}`).toBeGreaterThan(0.95);
        expect(std / expected, `${name} initStd ${initStd}`).toBeLessThan(1.05);
        expect(zeroBiases, name).toBe(true);
      }
    }
  });

  it('starts the output BatchNorm at scale outInit (0 by default), every block', () => {
    const blocks: [string, (outInit?: number) => Block][] = [
      ['SSA', (outInit) => new SSA(16, { numSegments: 2, outInit })],
      ['NL 3d', (outInit) => new NonLocal(16, { kind: '3d', numSegments: 2, outInit })],
      ['NL 2d1d fused', (outInit) => new NonLocal(16, { kind: '2d1d', numSegments: 2, outInit })],
      ['NL 2d1d stacked', (outInit) => new NonLocal(16, { kind: '2d1d', numSegments: 2, fusion: 'stacked', outInit })],
    ];
    for (const [name, make] of blocks) {
      for (const [outInit, expected] of [[undefined, 0], [0.1, 0.1]] as const) {
        const bns = make(outInit).modules().filter((m): m is nn.BatchNorm2d => m instanceof nn.BatchNorm2d);
        expect(bns.length, name).toBeGreaterThan(0);
        for (const bn of bns) {
          expect(Array.from(bn.weight?.data ?? []), `${name} outInit ${outInit}`).toEqual(new Array(16).fill(Math.fround(expected)));
          expect(Array.from(bn.bias?.data ?? []).every((b) => b === 0), name).toBe(true);
        }
      }
    }
  });

  it('with outInit > 0 the block adds to its input and its convs get gradients from the first step', () => {
    manualSeed(5);
    const block = new SSA(16, { numSegments: 2, outInit: 0.1 });
    const x = seeded([4, 16, 3, 3], 12, { dtype: 'float32' });
    block.forward(x).mul(seeded([4, 16, 3, 3], 13, { dtype: 'float32' })).sum().backward();
    const y = noGrad(() => block.forward(x));
    expect(Array.from(y.data)).not.toEqual(Array.from(x.data));
    for (const [name, p] of block.namedParameters()) {
      expect(Array.from(p.grad?.data ?? []).some((v) => v !== 0), name).toBe(true);
    }
  });

  it('keeps the block the identity at initialisation whatever initStd is', () => {
    manualSeed(4);
    const block = new SSA(16, { numSegments: 2, initStd: 0.5 });
    const x = seeded([4, 16, 3, 3], 11, { dtype: 'float32' });
    const y = noGrad(() => block.forward(x));
    expect(Array.from(y.data)).toEqual(Array.from(x.data));
  });
});
