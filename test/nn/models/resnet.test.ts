/**
 * The ResNet's layout against torchvision (names and shapes from test/fixtures/resnet/names.json, written
 * by scripts/make-resnet-fixtures.py), its parameter counts, torchvision's initialisation, and the
 * hooks other code relies on (numFeatures, forwardFeatures, replacing fc, the attention slot).
 * The numerical parity of a whole forward and backward is in test/parity/resnet.test.ts.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import { Tensor, manualSeed, nn, randn } from '../../../src';
import { BasicBlock, Bottleneck, ResNet, ResNetConfig, resnet } from '../../../src/nn/models';

interface NamesFixture {
  torchvisionResnet50: [string, number[]][];
  paramCounts: Record<string, number>;
  width4: Record<string, [string, number[]][]>;
}

const names = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'resnet', 'names.json'), 'utf8'),
) as NamesFixture;

function namesAndShapes(model: ResNet): [string, number[]][] {
  return Object.entries(model.stateDict()).map(([k, t]) => [k, [...t.shape]]);
}

function parameterCount(model: nn.Module): number {
  return model.parameters().reduce((n, p) => n + p.numel(), 0);
}

/** Standard deviation of a tensor's values around zero. */
function rms(t: Tensor): number {
  let s = 0;
  for (const v of t.data) s += v * v;
  return Math.sqrt(s / t.numel());
}

describe('resnet: torchvision layout', () => {
  it('ResNet-50 has torchvision resnet50\'s state dict, key by key in order, and 25,557,032 parameters', () => {
    const model = resnet({ depth: 50 });
    expect(namesAndShapes(model)).toEqual(names.torchvisionResnet50);
    expect(parameterCount(model)).toBe(25_557_032);
    expect(names.paramCounts['50']).toBe(25_557_032);
    expect(model.numFeatures).toBe(2048);
    // Spot checks of the names the converter and the SSAN code use.
    const sd = model.stateDict();
    expect(sd['layer3.5.bn2.running_var'].shape).toEqual([256]);
    expect(sd['layer1.0.downsample.0.weight'].shape).toEqual([256, 64, 1, 1]);
    expect(sd['layer4.2.bn3.num_batches_tracked'].dtype).toBe('int32');
  });

  for (const depth of [18, 34, 50, 101] as const) {
    it(`ResNet-${depth} at width 4 has the names and shapes of torchvision's architecture at width 4`, () => {
      expect(namesAndShapes(resnet({ depth, width: 4 }))).toEqual(names.width4[String(depth)]);
    });
  }

  it('parameter counts of ResNet-18/34/50/101 equal torchvision\'s, from three tiny widths', () => {
    // Every conv has width² × const parameters, every BN and the fc's input side width × const, and the
    // fc bias a constant: the count is a quadratic in the width, and three widths pin it down exactly.
    // (The full-width models would allocate over 300 MB; ResNet-50 alone is built, once, above.)
    const expected: Record<number, number> = { 18: 11_689_512, 34: 21_797_672, 50: 25_557_032, 101: 44_549_160 };
    for (const depth of [18, 34, 50, 101] as const) {
      const [p1, p2, p3] = [1, 2, 3].map((width) => parameterCount(resnet({ depth, width })));
      // The quadratic through (1, p1), (2, p2), (3, p3), evaluated at 64 (Lagrange form, exact in integers).
      const w = 64;
      const at64 = (p1 * (w - 2) * (w - 3)) / 2 - p2 * (w - 1) * (w - 3) + (p3 * (w - 1) * (w - 2)) / 2;
      expect(at64).toBe(expected[depth]);
      expect(at64).toBe(names.paramCounts[String(depth)]);
    }
  });

  it('rejects an unknown depth, bad blocks, width and numClasses, naming the argument', () => {
    expect(() => resnet({ depth: 42 } as unknown as ResNetConfig)).toThrow(/ResNet: depth must be one of 18, 34, 50, 101, 152; got 42/);
    expect(() => resnet({ depth: 18, blocks: [1, 1, 1] as unknown as [number, number, number, number] })).toThrow(/ResNet: blocks must be 4 positive integers/);
    expect(() => resnet({ depth: 18, blocks: [1, 0, 1, 1] })).toThrow(/blocks/);
    expect(() => resnet({ depth: 18, width: 0 })).toThrow(/ResNet: width must be a positive integer; got 0/);
    expect(() => resnet({ depth: 18, numClasses: 2.5 })).toThrow(/ResNet: numClasses must be a positive integer; got 2.5/);
  });
});

describe('resnet: forward', () => {
  it('forward gives [N, numClasses] logits; forwardFeatures the pooled [N, 8·width·expansion] features', () => {
    for (const [depth, expansion] of [[18, 1], [50, 4]] as const) {
      const model = resnet({ depth, width: 4, blocks: [1, 1, 1, 1], numClasses: 7 }).eval();
      const x = randn([2, 3, 32, 32]);
      const features = model.forwardFeatures(x);
      expect(features.shape).toEqual([2, 8 * 4 * expansion]);
      expect(model.numFeatures).toBe(8 * 4 * expansion);
      const logits = model.forward(x);
      expect(logits.shape).toEqual([2, 7]);
      // forward is fc applied to the features.
      const viaFc = (model.fc as nn.Linear).forward(features);
      expect(Array.from(logits.data)).toEqual(Array.from(viaFc.data));
    }
  });

  it('fc can be replaced by a new head of numFeatures inputs, and the state dict follows', () => {
    const model = resnet({ depth: 18, width: 4, blocks: [1, 1, 1, 1] }).eval();
    model.fc = new nn.Linear(model.numFeatures, 3);
    expect(model.forward(randn([1, 3, 32, 32])).shape).toEqual([1, 3]);
    expect(model.stateDict()['fc.weight'].shape).toEqual([3, 32]);
  });

  it('the bottleneck attention slot is empty by default and, once filled, runs after conv1-bn1-relu', () => {
    manualSeed(5);
    const model = resnet({ depth: 50, width: 4, blocks: [1, 2, 1, 1], numClasses: 3 }).eval();
    const before = model.stateDict();
    const x = randn([2, 3, 32, 32]);
    const plain = model.forward(x);
    expect(Object.keys(before).some((k) => k.includes('attention'))).toBe(false);
    expect(model.toString()).not.toContain('attention');

    // A recording module with a parameter: it must see the bottleneck width (2·width in layer2) at the
    // pre-stride resolution, and its parameter must appear under the block's name.
    class Probe extends nn.Module {
      readonly gamma = new nn.Parameter(randn([8]));
      seen: number[] = [];
      forward(t: Tensor): Tensor {
        this.seen = [...t.shape];
        return t;
      }
    }
    const block = model.layer2.get(0) as Bottleneck;
    const probe = new Probe();
    block.attention = probe;
    const withProbe = model.forward(x);
    // layer1 output is 8x8 at this input; layer2's conv1 keeps that size, its conv2 strides.
    expect(probe.seen).toEqual([2, 8, 8, 8]);
    expect(Array.from(withProbe.data)).toEqual(Array.from(plain.data));
    const keys = Object.keys(model.stateDict());
    const at = keys.indexOf('layer2.0.attention.gamma');
    expect(at).toBeGreaterThan(keys.indexOf('layer2.0.bn1.num_batches_tracked'));
    expect(at).toBeLessThan(keys.indexOf('layer2.0.conv2.weight'));
  });
});

describe('resnet: initialisation', () => {
  it('convs are He normal (fan_out, relu), BatchNorms 1 and 0, fc as Linear', () => {
    manualSeed(0);
    const model = resnet({ depth: 50, width: 16, blocks: [1, 1, 1, 1], numClasses: 10 });
    for (const [name, m] of model.namedModules()) {
      if (m instanceof nn.Conv2d) {
        const [out, , kh, kw] = m.weight.shape;
        const std = Math.sqrt(2 / (out * kh * kw));
        // Enough values for a 15% tolerance on the standard deviation (every conv here has >= 256).
        expect(Math.abs(rms(m.weight) / std - 1), name).toBeLessThan(0.15);
      } else if (m instanceof nn.BatchNorm2d) {
        expect(Array.from(m.weight?.data ?? []).every((v) => v === 1), name).toBe(true);
        expect(Array.from(m.bias?.data ?? []).every((v) => v === 0), name).toBe(true);
      }
    }
    const fc = model.fc as nn.Linear;
    const bound = 1 / Math.sqrt(fc.inFeatures);
    expect(Array.from(fc.weight.data).every((v) => Math.abs(v) <= bound)).toBe(true);
    expect(Math.max(...Array.from(fc.weight.data, Math.abs))).toBeGreaterThan(0.9 * bound);
  });

  it('zeroInitResidual zeroes the last BN weight of each block (bn3 / bn2), and nothing else', () => {
    for (const depth of [18, 50] as const) {
      const model = resnet({ depth, width: 4, blocks: [2, 1, 1, 1], zeroInitResidual: true });
      const blocks = model.modules().filter((m): m is BasicBlock | Bottleneck => m instanceof BasicBlock || m instanceof Bottleneck);
      expect(blocks.length).toBe(5);
      for (const block of blocks) {
        const last = block instanceof Bottleneck ? block.bn3 : block.bn2;
        expect(Array.from(last.weight?.data ?? []).every((v) => v === 0)).toBe(true);
        expect(Array.from(block.bn1.weight?.data ?? []).every((v) => v === 1)).toBe(true);
      }
      // With every residual branch zero, each block is relu(shortcut): a block without downsample
      // passes a non-negative input through unchanged.
      const second = model.layer1.get(1);
      const x = randn([1, depth === 50 ? 16 : 4, 5, 5]).abs();
      expect(Array.from(second.eval().forward(x).data)).toEqual(Array.from(x.data));
    }
  });

  it('the same seed builds the same model; another seed another', () => {
    const build = (seed: number) => {
      manualSeed(seed);
      return resnet({ depth: 18, width: 4, blocks: [1, 1, 1, 1] }).stateDict();
    };
    const [a, b, c] = [build(1), build(1), build(2)];
    for (const key of Object.keys(a)) expect(Array.from(b[key].data), key).toEqual(Array.from(a[key].data));
    expect(Array.from(c['conv1.weight'].data)).not.toEqual(Array.from(a['conv1.weight'].data));
  });
});
