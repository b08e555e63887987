import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { F, Tensor, manualSeed, nn, randn, tensor } from '../../src';
import { checkGrad, maxAbsDiff, seedArb, seeded } from '../helpers';

const {
  Conv2d, Conv3d, BatchNorm1d, BatchNorm2d, BatchNorm3d, Linear, ReLU, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d,
  Dropout, Identity, Flatten, Embedding, Sequential, ModuleList,
} = nn;

function values(t: Tensor): number[] {
  return Array.from(t.data);
}

/** Every value in (-bound, bound), and the extremes near ±bound (the draw covers the range). */
function expectUniformWithin(t: Tensor, bound: number): void {
  const v = values(t);
  expect(v.every((x) => Math.abs(x) <= bound)).toBe(true);
  expect(Math.max(...v)).toBeGreaterThan(0.8 * bound);
  expect(Math.min(...v)).toBeLessThan(-0.8 * bound);
}

describe('Conv2d / Conv3d', () => {
  it('compute F.conv2d / F.conv3d with their own weight and bias, for every option', () => {
    fc.assert(
      fc.property(
        seedArb, fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }),
        fc.constantFrom<nn.ConvLayerOptions['padding']>(0, 1, [1, 0], 'same', 'valid'), fc.boolean(),
        (seed, groups, kernel, dilation, padding, bias) => {
          manualSeed(seed);
          const stride = padding === 'same' ? 1 : 2;
          const conv = new Conv2d(2 * groups, 3 * groups, kernel, { groups, dilation, padding, stride, bias });
          expect(conv.weight.shape).toEqual([3 * groups, 2, kernel, kernel]);
          expect(conv.bias === null).toBe(!bias);
          const x = randn([2, 2 * groups, 6, 5]);
          const expected = F.conv2d(x, conv.weight, conv.bias, { groups, dilation, padding, stride });
          expect(values(conv.forward(x))).toEqual(values(expected));
        },
      ),
      { numRuns: 20 },
    );
    const conv3 = new Conv3d(2, 4, [3, 1, 1], { padding: [1, 0, 0] });
    const x = randn([1, 2, 4, 3, 3]);
    expect(conv3.weight.shape).toEqual([4, 2, 3, 1, 1]);
    expect(values(conv3.forward(x))).toEqual(values(F.conv3d(x, conv3.weight, conv3.bias, { padding: [1, 0, 0] })));
  });

  it('initialise as PyTorch: weight and bias in U(±1/sqrt(fanIn))', () => {
    manualSeed(3);
    const conv = new Conv2d(8, 64, 3, { groups: 2 });
    const bound = 1 / Math.sqrt(4 * 3 * 3); // fanIn = in / groups × kernel
    expectUniformWithin(conv.weight, bound);
    expectUniformWithin(conv.bias as Tensor, bound);
  });

  it('is gradient-checked through the module (input, weight and bias, float64)', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        manualSeed(seed);
        const conv = new Conv2d(2, 2, 2, { padding: 1 }).double();
        const x = seeded([1, 2, 3, 3], seed);
        return checkGrad((xi, w, b) => {
          conv.weight = w as nn.Parameter;
          conv.bias = b as nn.Parameter;
          return conv.forward(xi);
        }, [x, conv.weight, conv.bias as Tensor]);
      }),
      { numRuns: 10 },
    );
  });

  it('reject bad channels, groups, padding and inputs, naming the layer', () => {
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(/Conv2d: groups=2 must be a positive integer dividing inChannels \(3\)/);
    expect(() => new Conv2d(0, 4, 3)).toThrow(/Conv2d: inChannels and outChannels must be positive integers; got 0, 4/);
    expect(() => new Conv2d(2, 4, 3, { padding: 'same', stride: 2 })).toThrow(/Conv2d: padding='same' needs stride 1; got stride \(2, 2\)/);
    expect(() => new Conv3d(2, 4, [3, 3])).toThrow(/Conv3d: kernelSize must be an integer or 3 integers/);
    expect(() => new Conv2d(2, 4, 3, { padding: 'full' as 'same' })).toThrow(/Conv2d: padding must be a number, a tuple, 'same' or 'valid'; got 'full'/);
    expect(() => new Conv2d(3, 4, 3).forward(randn([1, 2, 5, 5]))).toThrow(/Conv2d: expected 3 input channels; got input of shape \[1, 2, 5, 5\]/);
  });
});

describe('BatchNorm', () => {
  it('train mode: normalises with the batch statistics and moves the running ones by momentum', () => {
    const bn = new BatchNorm2d(3, { momentum: 0.3 });
    const x = seeded([4, 3, 2, 2], 1, { dtype: 'float32', requiresGrad: false });
    const y = bn.forward(x);
    const dims = [0, 2, 3];
    const mean = x.mean(dims);
    const expected = F.batchNorm(x, null, null, bn.weight, bn.bias, { training: true });
    expect(maxAbsDiff(y.data, expected.data)).toBe(0);
    expect(maxAbsDiff((bn.runningMean as Tensor).data, mean.mul(0.3).data)).toBeLessThan(1e-6);
    const unbiased = x.var(dims, false, 1);
    expect(maxAbsDiff((bn.runningVar as Tensor).data, unbiased.mul(0.3).add(0.7).data)).toBeLessThan(1e-6);
    expect(bn.numBatchesTracked?.item()).toBe(1);
  });

  it('eval mode: normalises with the running statistics and changes no state', () => {
    const bn = new BatchNorm2d(2).eval();
    bn.loadStateDict({ ...bn.stateDict(), running_mean: tensor([1, -1]), running_var: tensor([4, 0.25]) });
    const x = randn([2, 2, 3, 3]);
    const y = bn.forward(x);
    const expected = F.batchNorm(x, tensor([1, -1]), tensor([4, 0.25]), null, null, { training: false });
    expect(maxAbsDiff(y.data, expected.data)).toBe(0);
    expect(values(bn.runningMean as Tensor)).toEqual([1, -1]);
    expect(bn.numBatchesTracked?.item()).toBe(0);
  });

  it('momentum null: the running statistics are the plain average of every batch so far', () => {
    const bn = new BatchNorm1d(2, { momentum: null });
    const batches = [1, 2, 3].map((s) => seeded([5, 2], s, { dtype: 'float32', requiresGrad: false }));
    for (const b of batches) bn.forward(b);
    const meanOfMeans = batches.map((b) => b.mean(0)).reduce((a, b) => a.add(b)).div(3);
    expect(maxAbsDiff((bn.runningMean as Tensor).data, meanOfMeans.data)).toBeLessThan(1e-6);
    expect(bn.numBatchesTracked?.item()).toBe(3);
  });

  it('without running statistics it has no buffers and uses the batch in every mode; without affine no parameters', () => {
    const bn = new BatchNorm2d(2, { trackRunningStats: false, affine: false }).eval();
    expect(bn.stateDict()).toEqual({});
    expect(bn.parameters()).toEqual([]);
    const x = randn([3, 2, 2, 2]);
    expect(values(bn.forward(x))).toEqual(values(F.batchNorm(x, null, null, null, null, { training: true })));
  });

  it('BatchNorm3d takes 5-D inputs, BatchNorm1d 2-D or 3-D; a rejected input leaves the counter alone', () => {
    expect(new BatchNorm3d(2).forward(randn([2, 2, 2, 2, 2])).shape).toEqual([2, 2, 2, 2, 2]);
    expect(new BatchNorm1d(2).forward(randn([2, 2, 3])).shape).toEqual([2, 2, 3]);
    const bn = new BatchNorm2d(3);
    expect(() => bn.forward(randn([2, 3, 4]))).toThrow(/BatchNorm2d: expected 4D input; got 3D input of shape \[2, 3, 4\]/);
    expect(() => bn.forward(randn([2, 4, 1, 1]))).toThrow(/BatchNorm2d: expected 3 channels \(dim 1\); got input of shape \[2, 4, 1, 1\]/);
    expect(() => bn.forward(randn([1, 3, 1, 1]))).toThrow(/more than 1 value per channel/);
    expect(bn.numBatchesTracked?.item()).toBe(0);
    expect(() => new BatchNorm2d(0)).toThrow(/BatchNorm2d: numFeatures must be a positive integer; got 0/);
  });
});

describe('Linear, activations, pooling, dropout, shape layers', () => {
  it('Linear computes F.linear and initialises in U(±1/sqrt(inFeatures))', () => {
    manualSeed(4);
    const lin = new Linear(16, 200);
    const x = randn([3, 5, 16]);
    expect(values(lin.forward(x))).toEqual(values(F.linear(x, lin.weight, lin.bias)));
    expectUniformWithin(lin.weight, 0.25);
    expectUniformWithin(lin.bias as Tensor, 0.25);
    expect(new Linear(2, 3, { bias: false }).bias).toBeNull();
    expect(() => lin.forward(randn([2, 15]))).toThrow(/Linear: expected input \[\.\.\., 16\]; got shape \[2, 15\]/);
  });

  it('ReLU, pools, Flatten and Identity compute their functional ops', () => {
    const x = randn([2, 3, 7, 6]);
    expect(values(new ReLU().forward(x))).toEqual(values(F.relu(x)));
    expect(values(new MaxPool2d(3, { stride: 2, padding: 1 }).forward(x)))
      .toEqual(values(F.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 })));
    // stride defaults to the kernel size.
    expect(values(new AvgPool2d(2).forward(x))).toEqual(values(F.avgPool2d(x, { kernelSize: 2, stride: 2 })));
    expect(values(new AdaptiveAvgPool2d([1, null]).forward(x))).toEqual(values(F.adaptiveAvgPool2d(x, [1, null])));
    expect(new Flatten().forward(x).shape).toEqual([2, 126]);
    expect(new Flatten(0, 2).forward(x).shape).toEqual([42, 6]);
    expect(new Identity().forward(x)).toBe(x);
  });

  it('Dropout drops in train mode only', () => {
    manualSeed(2);
    const drop = new Dropout(0.5);
    const x = randn([1000]);
    const kept = values(drop.forward(x)).filter((v) => v !== 0).length;
    expect(Math.abs(kept - 500)).toBeLessThan(60);
    expect(drop.eval().forward(x)).toBe(x);
    expect(() => new Dropout(2)).toThrow(/Dropout: p must be in \[0, 1\]; got 2/);
  });
});

describe('Embedding', () => {
  it('looks up rows of its N(0, 1) weight; the padding row starts at zero', () => {
    manualSeed(7);
    const emb = new Embedding(2000, 8, { paddingIdx: -1 });
    expect(emb.paddingIdx).toBe(1999);
    const w = values(emb.weight);
    expect(w.slice(1999 * 8).every((v) => v === 0)).toBe(true);
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(std - 1)).toBeLessThan(0.03);
    const idx = tensor([[3, 0], [3, 1999]], { dtype: 'int32' });
    const out = emb.forward(idx);
    expect(out.shape).toEqual([2, 2, 8]);
    expect(values(out).slice(0, 8)).toEqual(w.slice(24, 32));
    expect(() => new Embedding(4, 2, { paddingIdx: 4 })).toThrow(/Embedding: paddingIdx must be an integer in \[-4, 3\]; got 4/);
  });
});

describe('Sequential and ModuleList', () => {
  it('Sequential chains its modules, numbers them and can grow', () => {
    const seq = new Sequential(new Linear(3, 4), new ReLU());
    const x = randn([2, 3]);
    const first = seq.get(0) as nn.Linear;
    expect(values(seq.forward(x))).toEqual(values(F.relu(first.forward(x))));
    expect(seq.length).toBe(2);
    expect(seq.get(-1)).toBeInstanceOf(ReLU);
    seq.append(new Linear(4, 1));
    expect([...seq].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear']);
    expect(Object.keys(seq.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(seq.forward(x).shape).toEqual([2, 1]);
    expect(() => seq.get(3)).toThrow(/Sequential.get: index 3 is out of range for 3 modules/);
  });

  it('numbers past 9 keep numeric order', () => {
    const seq = new Sequential(...Array.from({ length: 12 }, () => new Linear(1, 1)));
    expect(seq.namedChildren().map(([n]) => n)).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
  });

  it('ModuleList registers its modules but has no forward', () => {
    const list = new ModuleList([new Linear(2, 2)]).extend([new ReLU(), new Linear(2, 1)]);
    expect(list.length).toBe(3);
    expect(list.parameters().length).toBe(4);
    expect(list.eval().modules().every((m) => !m.training)).toBe(true);
    expect(() => list.forward()).toThrow(/ModuleList has no forward/);
  });
});

describe('layer printouts match PyTorch 1.13', () => {
  // Each right-hand side is what PyTorch prints for the same layer (checked with torch.nn in Python).
  const cases: [nn.Module, string][] = [
    [new Conv2d(4, 8, 3, { stride: [2, 1], padding: 1, dilation: 2, groups: 2, bias: false }),
      'Conv2d(4, 8, kernel_size=(3, 3), stride=(2, 1), padding=(1, 1), dilation=(2, 2), groups=2, bias=False)'],
    [new Conv2d(4, 8, [3, 5], { padding: 'same' }), 'Conv2d(4, 8, kernel_size=(3, 5), stride=(1, 1), padding=same)'],
    [new Conv2d(4, 8, 1, { padding: 'valid' }), 'Conv2d(4, 8, kernel_size=(1, 1), stride=(1, 1), padding=valid)'],
    [new Conv3d(3, 6, [3, 1, 1], { padding: [1, 0, 0] }), 'Conv3d(3, 6, kernel_size=(3, 1, 1), stride=(1, 1, 1), padding=(1, 0, 0))'],
    [new BatchNorm2d(5, { momentum: null, affine: false, trackRunningStats: false, eps: 1e-3 }),
      'BatchNorm2d(5, eps=0.001, momentum=None, affine=False, track_running_stats=False)'],
    [new BatchNorm3d(5), 'BatchNorm3d(5, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)'],
    [new BatchNorm1d(5, { momentum: 0.25 }), 'BatchNorm1d(5, eps=1e-05, momentum=0.25, affine=True, track_running_stats=True)'],
    [new Linear(3, 4, { bias: false }), 'Linear(in_features=3, out_features=4, bias=False)'],
    [new Dropout(1), 'Dropout(p=1.0, inplace=False)'],
    [new Flatten(0, 2), 'Flatten(start_dim=0, end_dim=2)'],
    [new Identity(), 'Identity()'],
    [new Embedding(10, 3, { paddingIdx: -1 }), 'Embedding(10, 3, padding_idx=9)'],
    [new MaxPool2d([2, 3], { stride: 1, padding: [1, 0], ceilMode: true }),
      'MaxPool2d(kernel_size=(2, 3), stride=1, padding=(1, 0), dilation=1, ceil_mode=True)'],
    [new AvgPool2d(3, { stride: 2, padding: 1 }), 'AvgPool2d(kernel_size=3, stride=2, padding=1)'],
    [new AdaptiveAvgPool2d(1), 'AdaptiveAvgPool2d(output_size=1)'],
    [new AdaptiveAvgPool2d([null, 7]), 'AdaptiveAvgPool2d(output_size=(None, 7))'],
    [new ModuleList([new ReLU(), new Identity()]), 'ModuleList(\n  (0): ReLU()\n  (1): Identity()\n)'],
  ];
  for (const [module, expected] of cases) {
    it(expected.split('\n')[0], () => expect(module.toString()).toBe(expected));
  }
});
