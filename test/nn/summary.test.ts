/**
 * summary(): the rows it records (names, shapes, parameters, multiply-adds), its totals against
 * model.parameters() and against hand-computed conv / linear counts, torchvision's published ResNet-50
 * figure, the SSA costs of docs/model.md#parameters-and-multiply-adds, and that the model is left exactly as it was,
 * errors included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor, isGradEnabled, nn } from '../../src';
import { ResNet, resnet } from '../../src/nn/models';
import { SSA } from '../../src/ssan/models/ssa';
import { ModelSummary, countsOwnMacs, summary } from '../../src/nn/summary';

const { Module, Conv2d, Conv3d, Linear, ReLU, Flatten, Sequential } = nn;
type Module = nn.Module;

function parameterCount(model: Module): number {
  return model.parameters().reduce((n, p) => n + p.numel(), 0);
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * Everything summary promises not to change: which forward each module has (and that it is the class's
 * method, not an own property), every module's train flag, the grad mode, and every parameter and buffer.
 */
function snapshot(model: Module) {
  return {
    forwards: model.modules().map((m) => [m.forward, Object.prototype.hasOwnProperty.call(m, 'forward')]),
    training: model.modules().map((m) => m.training),
    state: Object.entries(model.stateDict()).map(([k, t]) => [k, Array.from(t.data)]),
    gradEnabled: isGradEnabled(),
  };
}

/** Count multiply-adds the slow way: each window position whose kernel fits, times the taps it reads. */
function enumeratedConvMacs(c: {
  batch: number; inChannels: number; outChannels: number; groups: number;
  size: number; kernel: number; stride: number; padding: number;
}): number {
  let positions = 0;
  for (let start = 0; start + c.kernel <= c.size + 2 * c.padding; start += c.stride) positions++;
  let macs = 0;
  for (let n = 0; n < c.batch; n++) {
    for (let o = 0; o < c.outChannels; o++) {
      macs += positions * positions * (c.inChannels / c.groups) * c.kernel * c.kernel;
    }
  }
  return macs;
}

/** A module that calls the same child twice. */
class Twice extends Module {
  readonly lin = new Linear(3, 3);
  forward(x: Tensor): Tensor {
    return this.lin.forward(this.lin.forward(x));
  }
}

/** A module with products of its own (x·xᵀ per sample) besides a child conv. */
class SelfProduct extends Module {
  readonly conv = new Conv2d(2, 2, 1);
  seenShapes: number[][] = [];
  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x).flatten(2);
    return y.matmul(y.transpose(1, 2));
  }
  ownMacs(inputShape: readonly number[]): number {
    this.seenShapes.push([...inputShape]);
    const [n, c, h, w] = inputShape;
    return n * c * c * h * w;
  }
}

describe('summary: rows and multiply-adds of small models', () => {
  it('a Sequential: names, depths, shapes, own parameters, and the conv (grouped) and linear formulas', () => {
    const model = new Sequential(
      new Conv2d(4, 6, 3, { padding: 1, groups: 2 }), new ReLU(), new Flatten(), new Linear(6 * 5 * 5, 7),
    );
    const s = summary(model, [2, 4, 5, 5]);
    expect(s.rows.map((r) => [r.name, r.type, r.depth])).toEqual([
      ['', 'Sequential', 0], ['0', 'Conv2d', 1], ['1', 'ReLU', 1], ['2', 'Flatten', 1], ['3', 'Linear', 1],
    ]);
    expect(s.rows.map((r) => r.outputShape)).toEqual([[2, 7], [2, 6, 5, 5], [2, 6, 5, 5], [2, 150], [2, 7]]);
    // Conv: 6 × 2 × 3 × 3 weights + 6 biases; every output element reads (4 / 2 groups) × 9 taps.
    expect(s.rows[1].params).toBe(6 * 2 * 9 + 6);
    expect(s.rows[1].macs).toBe(2 * 6 * 5 * 5 * 2 * 9);
    expect(s.rows[4].params).toBe(150 * 7 + 7);
    expect(s.rows[4].macs).toBe(2 * 7 * 150);
    expect([s.rows[0].macs, s.rows[2].macs, s.rows[3].macs]).toEqual([0, 0, 0]);
    expect(s.totalMacs).toBe(2 * 6 * 5 * 5 * 2 * 9 + 2 * 7 * 150);
    expect(s.totalParams).toBe(parameterCount(model));
    expect(s.trainableParams).toBe(s.totalParams);
  });

  it('Conv2d multiply-adds equal a count of kernel windows, for random sizes, strides, paddings and groups', () => {
    const config = fc.record({
      batch: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 3 }),
      inPerGroup: fc.integer({ min: 1, max: 2 }),
      outPerGroup: fc.integer({ min: 1, max: 2 }),
      kernel: fc.integer({ min: 1, max: 3 }),
      stride: fc.integer({ min: 1, max: 3 }),
      padding: fc.integer({ min: 0, max: 1 }),
      extra: fc.integer({ min: 0, max: 4 }),
    });
    fc.assert(
      fc.property(config, (c) => {
        const inChannels = c.groups * c.inPerGroup;
        const outChannels = c.groups * c.outPerGroup;
        const size = c.kernel + c.extra;
        const conv = new Conv2d(inChannels, outChannels, c.kernel, { stride: c.stride, padding: c.padding, groups: c.groups });
        const s = summary(conv, [c.batch, inChannels, size, size]);
        expect(s.rows).toHaveLength(1);
        expect(s.totalMacs).toBe(enumeratedConvMacs({ ...c, inChannels, outChannels, size }));
      }),
      { numRuns: 30 },
    );
  });

  it('Conv3d counts the whole kernel volume (the SSA temporal conv\'s 3×1×1)', () => {
    const conv = new Conv3d(4, 8, [3, 1, 1], { padding: [1, 0, 0] });
    const s = summary(conv, [2, 4, 5, 3, 3]);
    expect(s.rows[0].outputShape).toEqual([2, 8, 5, 3, 3]);
    expect(s.totalMacs).toBe(2 * 8 * 5 * 3 * 3 * 4 * 3);
  });

  it('a module called twice gets two rows; its parameters count once and its multiply-adds twice', () => {
    const model = new Twice();
    const s = summary(model, [5, 3]);
    expect(s.rows.map((r) => [r.name, r.depth, r.recursive])).toEqual([['', 0, false], ['lin', 1, false], ['lin', 1, true]]);
    expect(s.rows.map((r) => r.params)).toEqual([0, 12, 0]);
    expect(s.rows.map((r) => r.macs)).toEqual([0, 5 * 3 * 3, 5 * 3 * 3]);
    expect(s.totalParams).toBe(12);
    expect(s.toString()).toContain('(recursive)');
  });

  it('a parameter shared by two layers counts once, in the totals and in the rows', () => {
    const a = new Linear(4, 4);
    const b = new Linear(4, 4, { bias: false });
    b.weight = a.weight;
    const model = new Sequential(a, b);
    const s = summary(model, [1, 4]);
    expect(s.totalParams).toBe(20);
    expect(s.totalParams).toBe(parameterCount(model));
    expect(sum(s.rows.map((r) => r.params))).toBe(20);
    expect(s.totalMacs).toBe(2 * 16);
  });

  it('frozen parameters are in totalParams but not in trainableParams or the rows', () => {
    const frozen = new Linear(3, 2);
    frozen.weight.requiresGrad = false;
    const model = new Sequential(frozen, new Linear(2, 2));
    const s = summary(model, [1, 3]);
    expect(s.totalParams).toBe(8 + 6);
    expect(s.trainableParams).toBe(8 + 6 - 6);
    expect(sum(s.rows.map((r) => r.params))).toBe(s.trainableParams);
  });

  it('ownMacs is added to the module\'s own row, with the shape of the call\'s input', () => {
    const model = new SelfProduct();
    expect(countsOwnMacs(model)).toBe(true);
    expect(countsOwnMacs(new ReLU())).toBe(false);
    expect(countsOwnMacs(null)).toBe(false);
    const s = summary(model, [3, 2, 4, 5]);
    expect(model.seenShapes).toEqual([[3, 2, 4, 5]]);
    expect(s.rows.map((r) => [r.name, r.outputShape])).toEqual([['', [3, 2, 2]], ['conv', [3, 2, 4, 5]]]);
    expect(s.rows[0].macs).toBe(3 * 2 * 2 * 4 * 5);
    expect(s.rows[1].macs).toBe(3 * 2 * 4 * 5 * 2);
    expect(s.totalMacs).toBe(s.rows[0].macs + s.rows[1].macs);
  });
});

describe('summary: ResNets', () => {
  const models: [string, () => ResNet][] = [
    ['ResNet-18 width 4', () => resnet({ depth: 18, width: 4, numClasses: 3 })],
    ['ResNet-50 width 4', () => resnet({ depth: 50, width: 4, numClasses: 3 })],
  ];
  for (const [label, make] of models) {
    it(`${label}: totals against parameters() and the rows; the stem conv and fc by hand`, () => {
      const model = make();
      const s = summary(model, [2, 3, 32, 32]);
      expect(s.totalParams).toBe(parameterCount(model));
      expect(sum(s.rows.map((r) => r.params))).toBe(s.totalParams);
      expect(sum(s.rows.map((r) => r.macs))).toBe(s.totalMacs);
      // Every module of the model runs, and the first row of each has its namedModules() name; but for
      // the ReLU modules, kept for torchvision's layout: the blocks fuse ReLU into BatchNorm and the add.
      const firstCalls = [...new Set(s.rows.map((r) => r.name))];
      const run = model.namedModules().map(([n]) => n).filter((n) => !/(^|\.)relu$/.test(n));
      expect(firstCalls.sort()).toEqual(run.sort());
      // Stem: 7×7 stride 2 pad 3 on 32² gives 16²; 4 output channels, each element reading 3 × 49 taps.
      const stem = s.rows.find((r) => r.name === 'conv1');
      expect(stem?.outputShape).toEqual([2, 4, 16, 16]);
      expect(stem?.macs).toBe(2 * 4 * 16 * 16 * 3 * 49);
      const fcRow = s.rows.find((r) => r.name === 'fc');
      expect(fcRow?.macs).toBe(2 * 3 * model.numFeatures);
      expect(fcRow?.params).toBe(3 * model.numFeatures + 3);
      expect(s.rows[0]).toMatchObject({ name: '', type: 'ResNet', depth: 0, outputShape: [2, 3] });
      expect(s.rows.find((r) => r.name === 'layer1.0.conv1')?.depth).toBe(3);
    });
  }

  it('the model is left as it was: forwards, mixed train/eval flags, grad mode, parameters and running stats', () => {
    const model = resnet({ depth: 50, width: 4, numClasses: 3 });
    model.train();
    model.layer2.eval();
    const before = snapshot(model);
    summary(model, [2, 3, 32, 32]);
    expect(snapshot(model)).toEqual(before);
    expect(model.training).toBe(true);
    expect(model.layer2.get(0).bn1.training).toBe(false);
    expect(model.forward).toBe(ResNet.prototype.forward);
  });

  it('an input the model rejects: an Error from summary carrying the model\'s message; nothing changed', () => {
    const model = resnet({ depth: 18, width: 4, numClasses: 3 });
    model.layer1.eval();
    const before = snapshot(model);
    expect(() => summary(model, [1, 4, 32, 32])).toThrow(/^summary: .*ResNet.*\[1, 4, 32, 32\].*expected 3 input channels/);
    expect(snapshot(model)).toEqual(before);
  });

  it('bad arguments name summary and what was expected', () => {
    const model = new Linear(2, 2);
    expect(() => summary(model, [1, 2.5])).toThrow(/summary: inputShape must be an array of non-negative integers/);
    expect(() => summary(model, [1, 2], { depth: -1 })).toThrow(/summary: depth must be a non-negative integer; got -1/);
    expect(() => summary({} as Module, [1, 2])).toThrow(/summary: expected a Module/);
  });

  it('toString: aligned columns, rows to the chosen depth, collapsed rows carrying what is below them', () => {
    const model = resnet({ depth: 18, width: 4, numClasses: 3 });
    const s = summary(model, [2, 3, 32, 32], { depth: 1 });
    const text = s.toString();
    const lines = text.split('\n');
    const header = lines.find((l) => l.startsWith('Layer'));
    expect(header).toBeDefined();
    const shapeColumn = (header as string).indexOf('Output Shape');
    const layer1 = lines.find((l) => l.includes('Sequential (layer1): 1-4'));
    expect(layer1?.indexOf('[2, 4, 8, 8]')).toBe(shapeColumn);
    expect(text).not.toContain('BasicBlock');
    // The collapsed layer1 row shows the parameters of everything under it.
    const layer1Params = parameterCount(model.layer1);
    expect(layer1).toContain(layer1Params.toLocaleString('en-US'));
    expect(text).toContain(`Total params: ${s.totalParams.toLocaleString('en-US')}`);
    expect(text).toContain(`Total mult-adds: ${s.totalMacs.toLocaleString('en-US')}`);
    // Depth 3 (the default) reaches the convs inside the blocks, with tree lines.
    expect(s.toString(3)).toContain('│    │    ├─Conv2d (conv1): 3-1');
    // Depth 0: only the model's row, carrying every parameter.
    const root = s.toString(0).split('\n').filter((l) => l.startsWith('ResNet'));
    expect(root).toHaveLength(1);
    expect(root[0]).toContain(s.trainableParams.toLocaleString('en-US'));
    expect(root[0]).toContain(s.totalMacs.toLocaleString('en-US'));
  });

  it('full ResNet-50 at 224²: 25,557,032 parameters and torchvision\'s 4.09 GMACs (within 1%)', () => {
    const model = resnet({ depth: 50 });
    const s = summary(model, [1, 3, 224, 224]);
    expect(s).toBeInstanceOf(ModelSummary);
    expect(s.totalParams).toBe(25_557_032);
    expect(Math.abs(s.totalMacs / 4.09e9 - 1)).toBeLessThan(0.01);
  });
});

describe('summary: SSA blocks (docs/model.md#parameters-and-multiply-adds, per frame, T = 8)', () => {
  /**
   * docs/model.md#parameters-and-multiply-adds term by term, per frame: qkv, M_S and A_S·V_S, M_C and
   * A_C·V_C, temporal conv, M_T and A_T·V_T, W_z.
   */
  function specPerFrame(channels: number, side: number, frames: number): number {
    const inner = channels / 2;
    const p = side * side;
    return 3 * channels * inner * p + 2 * p * p * inner + 2 * inner * inner * p + 2 * 3 * inner * inner * p +
      2 * frames * inner * p + inner * channels * p;
  }

  const cases: [number, number, number][] = [[128, 28, 130.9], [256, 14, 61.6]];
  for (const [channels, side, millions] of cases) {
    it(`SSA at C=${channels}, ${side}×${side}: ${millions} M multiply-adds per frame`, () => {
      const block = new SSA(channels, { numSegments: 8 });
      const s = summary(block, [8, channels, side, side]);
      const perFrame = s.totalMacs / 8;
      expect(perFrame).toBe(specPerFrame(channels, side, 8));
      expect(Math.round(perFrame / 1e5) / 10).toBe(millions);
      expect(s.totalParams).toBe(3.5 * channels * channels + 5.5 * channels);
    });
  }
});
