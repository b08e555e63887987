/**
 * Whole models from createModel: the TSN wrapper's contract, where the blocks go, what they add
 * (808,448 parameters for SSAN on ResNet-50, docs/model.md#parameters-and-multiply-adds), the frame-order property
 * (docs/model.md#frame-order), TSM's shift, and loading ImageNet weights into every arch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F, Tensor, manualSeed, nn, noGrad, tensor } from '../../src';
import { ARCHS, Arch, NonLocal, SSA, TSN, TemporalShift, createModel, placedBlocks } from '../../src/ssan';
import { Bottleneck, ResNet, resnet } from '../../src/nn/models';
import { checkGrad, seeded } from '../helpers';

function count(params: nn.Parameter[]): number {
  return params.reduce((n, p) => n + p.numel(), 0);
}

/** Parameters inside attention blocks, by state-dict name. */
function attentionParams(model: nn.Module): nn.Parameter[] {
  return model.namedParameters().filter(([name]) => name.includes('.attention.')).map(([, p]) => p);
}

/** A ResNet-50-shaped model (3, 4, 6, 3 blocks) small enough for tests. */
const tiny = (arch: Arch, extra: Partial<Parameters<typeof createModel>[0]> = {}) =>
  createModel({ arch, depth: 50, width: 2, numClasses: 6, numSegments: 4, ...extra });

/** Random non-zero output scales and running statistics everywhere, so no block is an identity. */
function randomiseNorms(model: nn.Module, seed: number): void {
  let s = seed;
  for (const m of model.modules()) {
    if (!(m instanceof nn.BatchNorm2d)) continue;
    const c = m.numFeatures;
    (m.weight as Tensor).data.set(seeded([c], s++, { range: [0.5, 1.5] }).data);
    (m.bias as Tensor).data.set(seeded([c], s++, { range: [-0.2, 0.2] }).data);
    m.runningMean?.data.set(seeded([c], s++, { range: [-0.1, 0.1] }).data);
    m.runningVar?.data.set(seeded([c], s++, { range: [0.5, 1.5] }).data);
  }
}

/**
 * Larger random weights in the attention blocks' convs: at their N(0, 0.01) init the attention maps
 * are nearly uniform, which would hide what a block can tell apart.
 */
function randomiseAttention(model: nn.Module, seed: number): void {
  let s = seed;
  for (const p of attentionParams(model)) if (p.ndim > 1) p.data.set(seeded([...p.shape], s++, { range: [-0.5, 0.5] }).data);
}

/** Clips [N, T, ...] with the T segments of every clip reordered by `order`. */
function permuteSegments(clips: Tensor, order: readonly number[]): Tensor {
  const [n, t, ...rest] = clips.shape;
  const frame = rest.reduce((a, b) => a * b, 1);
  const out = new Float64Array(clips.numel());
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < t; j++) out.set(clips.data.subarray((i * t + order[j]) * frame, (i * t + order[j] + 1) * frame), (i * t + j) * frame);
  }
  return tensor(out, { shape: [...clips.shape], dtype: clips.dtype });
}

function maxDiff(a: Tensor, b: Tensor): number {
  let m = 0;
  for (let i = 0; i < a.numel(); i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

describe('TSN wrapper (docs/model.md#tsn-wrapper-and-consensus)', () => {
  it('clips [N, T, 3, H, W] -> logits [N, K], the mean of the per-frame logits', () => {
    manualSeed(1);
    const model = tiny('tsn', { dropout: 0 });
    model.eval();
    randomiseNorms(model, 2);
    const clips = seeded([2, 4, 3, 32, 32], 3, { dtype: 'float32', requiresGrad: false });
    const logits = noGrad(() => model.forward(clips));
    expect(logits.shape).toEqual([2, 6]);
    const frames = noGrad(() => model.fc.forward(model.backbone.forwardFeatures(clips.reshape([8, 3, 32, 32]))));
    const mean = frames.reshape([2, 4, 6]).mean(1);
    expect(maxDiff(logits, mean)).toBeLessThan(1e-6);
    expect(noGrad(() => model.forwardFeatures(clips)).shape).toEqual([2, 4, model.backbone.numFeatures]);
  });

  it('has a new classifier (N(0, 0.001), bias 0), dropout 0.5 and no backbone fc in its state dict', () => {
    manualSeed(4);
    const model = createModel({ arch: 'tsn', depth: 18, width: 8, numClasses: 174, numSegments: 8 });
    expect(model.fc.weight.shape).toEqual([174, 64]);
    const w = Array.from(model.fc.weight.data);
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.0008);
    expect(std).toBeLessThan(0.0012);
    expect(Array.from(model.fc.bias?.data ?? [1])).toEqual(new Array(174).fill(0));
    expect(model.dropout.p).toBe(0.5);
    const keys = Object.keys(model.stateDict());
    expect(keys.some((k) => k.startsWith('backbone.fc'))).toBe(false);
    expect(keys).toContain('fc.weight');
    expect(keys).toContain('backbone.layer4.1.bn2.running_var');
  });

  it('rejects clips of the wrong rank or segment count, naming the expected shape', () => {
    const model = tiny('tsn');
    expect(() => model.forward(seeded([8, 3, 32, 32], 1, { dtype: 'float32' }))).toThrow(/TSN: expected clips of shape \[N, 4, C, H, W\].*\[8, 3, 32, 32\]/);
    expect(() => model.forward(seeded([1, 3, 3, 32, 32], 1, { dtype: 'float32' }))).toThrow(/numSegments = 4/);
  });

  it('trains: a gradient reaches the stem through the consensus', () => {
    manualSeed(5);
    const model = tiny('ssan');
    const loss = F.crossEntropy(model.forward(seeded([2, 4, 3, 32, 32], 6, { dtype: 'float32' })), tensor([1, 4], { dtype: 'int32' }));
    loss.backward();
    expect(Array.from(model.backbone.conv1.weight.grad?.data ?? []).some((v) => v !== 0)).toBe(true);
  });
});

describe('createModel: where the blocks go (docs/model.md#placements)', () => {
  it("default placement A_odd: SSA in layer2 {1, 3} and layer3 {1, 3, 5} at the bottleneck width", () => {
    const model = createModel({ arch: 'ssan', depth: 50, width: 4, numClasses: 3, numSegments: 2 });
    const found = model.backbone.stages.flatMap((stage, s) =>
      [...stage].flatMap((block, i) => ((block as Bottleneck).attention ? [`layer${s + 1}.${i}`] : [])));
    expect(found).toEqual(['layer2.1', 'layer2.3', 'layer3.1', 'layer3.3', 'layer3.5']);
    const widths = placedBlocks(model.backbone).map((p) => (p.block.attention as SSA).channels);
    expect(widths).toEqual([8, 8, 16, 16, 16]);
    expect(Object.keys(model.stateDict())).toContain('backbone.layer3.5.attention.bn.running_var');
  });

  it('named placements and explicit block lists', () => {
    const where = (placement: Parameters<typeof placedBlocks>[1]) =>
      placedBlocks(resnet({ depth: 50, width: 2 }), placement).map((p) => `${p.stage}.${p.index}`);
    expect(where('A_even')).toEqual(['layer2.0', 'layer2.2', 'layer3.0', 'layer3.2', 'layer3.4']);
    expect(where('B')).toEqual(['layer1.0', 'layer1.2', 'layer2.1', 'layer2.2', 'layer2.3']);
    expect(where('res2')).toEqual(['layer2.1', 'layer2.3']);
    expect(where('res3')).toEqual(['layer3.1', 'layer3.3', 'layer3.5']);
    expect(where('res4')).toEqual(['layer4.0', 'layer4.2']);
    expect(where({ layer4: [2, 0], layer1: [1] })).toEqual(['layer1.1', 'layer4.0', 'layer4.2']);
  });

  it("without a placement, ResNet-18 gets A_odd's blocks that it has and ResNet-34 all of them", () => {
    const found = (depth: 18 | 34, arch: Arch) => {
      const model = createModel({ arch, depth, width: 2, numClasses: 3, numSegments: 2 });
      return model.backbone.stages.flatMap((stage, s) =>
        [...stage].flatMap((block, i) => ((block as Bottleneck).attention ? [`layer${s + 1}.${i}`] : [])));
    };
    expect(found(18, 'ssan')).toEqual(['layer2.1', 'layer3.1']);
    expect(found(18, 'nl3d')).toEqual(['layer2.1', 'layer3.1']);
    expect(found(34, 'ssan')).toEqual(['layer2.1', 'layer2.3', 'layer3.1', 'layer3.3', 'layer3.5']);
    expect(() => createModel({ arch: 'ssan', depth: 50, blocks: [1, 1, 1, 1], numClasses: 3, numSegments: 2 }))
      .toThrow(/no block of the default placement/);
  });

  it('a placement a model cannot hold is a clear error', () => {
    expect(() => createModel({ arch: 'ssan', depth: 18, width: 2, numClasses: 3, numSegments: 2, placement: 'A_odd' }))
      .toThrow(/placement: layer2 has blocks 0\.\.1; block 3 does not exist/);
    expect(() => placedBlocks(resnet({ depth: 18, width: 2 }), 'C' as 'B')).toThrow(/placement: expected one of A_odd/);
    expect(() => placedBlocks(resnet({ depth: 18, width: 2 }), { layer5: [0] } as never)).toThrow(/unknown stage layer5/);
    expect(() => createModel({ arch: 'i3d' as Arch, depth: 50, numClasses: 3, numSegments: 2 })).toThrow(/arch must be one of ssan, tsn/);
  });

  it('ResNet-18/34 take attention and shift in their basic blocks', () => {
    manualSeed(7);
    const model = createModel({ arch: 'nl3d', depth: 34, width: 2, numClasses: 3, numSegments: 2 });
    expect(placedBlocks(model.backbone).every((p) => p.block.attention instanceof NonLocal)).toBe(true);
    expect(noGrad(() => model.forward(seeded([1, 2, 3, 32, 32], 8, { dtype: 'float32' }))).shape).toEqual([1, 3]);
  });

  it('TSM shifts before conv1 of every block; every other block when layer3 has 23 or more', () => {
    const shifted = (model: TSN) => model.backbone.stages.map((s) => [...s].map((b) => (b.shift instanceof TemporalShift ? 1 : 0)).join(''));
    expect(shifted(tiny('tsm'))).toEqual(['111', '1111', '111111', '111']);
    const deep = createModel({ arch: 'tsm', depth: 101, width: 1, numClasses: 3, numSegments: 2 });
    expect(shifted(deep)[2]).toBe('10'.repeat(11) + '1');
    expect(shifted(deep)[0]).toBe('101');
    // No parameters and no state-dict keys: a TSM model loads a TSN model's weights as they are.
    expect(Object.keys(tiny('tsm').stateDict())).toEqual(Object.keys(tiny('tsn').stateDict()));
  });
});

describe('what the blocks add (docs/model.md#parameters-and-multiply-adds)', () => {
  it('SSAN adds 808,448 parameters to ResNet-50 (five SSA modules); TSN adds only the classifier', () => {
    manualSeed(9);
    const ssanModel = createModel({ arch: 'ssan', depth: 50, numClasses: 174, numSegments: 8 });
    expect(count(attentionParams(ssanModel))).toBe(808_448);
    // Backbone without fc: 23,508,032; the new fc for 174 classes: 356,526 (23,864,558 in all).
    expect(count(ssanModel.parameters()) - 808_448).toBe(23_864_558);
  });

  it('the non-local variants add their totals of docs/model.md under placement A', () => {
    const totals: [Arch, Record<string, unknown>, number][] = [
      ['nl3d', {}, 463_360], ['nl2d', {}, 463_360], ['nl1d', {}, 463_360],
      ['nl2d1d', { fusion: 'stacked' }, 926_720], ['nl2d1d', {}, 636_928],
    ];
    for (const [arch, nl, total] of totals) {
      // Only the attention widths matter (128 and 256), so a width-64 backbone with 1 block in layer1 and layer4.
      const model = createModel({ arch, depth: 50, numClasses: 3, numSegments: 8, nl, blocks: [1, 4, 6, 1] });
      expect(count(attentionParams(model)), `${arch} ${JSON.stringify(nl)}`).toBe(total);
    }
    const sve = createModel({ arch: 'ssan', depth: 50, numClasses: 3, numSegments: 8, blocks: [1, 4, 6, 1], ssa: { channelBranch: false, temporalKernel: 1 } });
    expect(count(attentionParams(sve))).toBe(579_072);
  });
});

describe('frame order (docs/model.md#frame-order)', () => {
  // float64, eval mode, every BatchNorm (the attention blocks' output BNs included) random and non-zero.
  const models = new Map<string, TSN>();
  const build = (name: string, arch: Arch, extra: Partial<Parameters<typeof createModel>[0]> = {}) => {
    manualSeed(11);
    const model = tiny(arch, extra);
    model.to('float64');
    randomiseNorms(model, 12);
    randomiseAttention(model, 13);
    model.eval();
    models.set(name, model);
  };
  build('tsn', 'tsn');
  build('nl3d', 'nl3d');
  build('nl2d', 'nl2d');
  build('nl1d', 'nl1d');
  build('nl2d1d fused', 'nl2d1d');
  build('nl2d1d stacked', 'nl2d1d', { nl: { fusion: 'stacked' } });
  build('nl3d subSample', 'nl3d', { nl: { subSample: true } });
  build('ssan', 'ssan');
  build('tsm', 'tsm');
  const clips = seeded([2, 4, 3, 32, 32], 13, { requiresGrad: false });
  const logits = new Map([...models].map(([name, m]) => [name, noGrad(() => m.forward(clips))]));
  const scale = (t: Tensor) => Math.max(...Array.from(t.data).map(Math.abs));

  const invariant = ['tsn', 'nl3d', 'nl2d', 'nl1d', 'nl2d1d fused', 'nl2d1d stacked', 'nl3d subSample'];
  for (const name of invariant) {
    it(`${name} gives the same logits for any order of the segments`, () => {
      fc.assert(
        fc.property(fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4, maxLength: 4 }), (order) => {
          const model = models.get(name) as TSN;
          const permuted = noGrad(() => model.forward(permuteSegments(clips, order)));
          const base = logits.get(name) as Tensor;
          expect(maxDiff(permuted, base)).toBeLessThan(1e-10 * (1 + scale(base)));
        }),
        { numRuns: 4 },
      );
    });
  }

  for (const name of ['ssan', 'tsm']) {
    it(`${name} tells a clip from its time reversal`, () => {
      const model = models.get(name) as TSN;
      const reversed = noGrad(() => model.forward(permuteSegments(clips, [3, 2, 1, 0])));
      const base = logits.get(name) as Tensor;
      expect(maxDiff(reversed, base)).toBeGreaterThan(1e-4 * scale(base));
    });
  }

  it('SSA with a 1x1x1 temporal kernel is order-blind too (the 3x1x1 kernel is what sees order)', () => {
    manualSeed(14);
    const model = tiny('ssan', { ssa: { temporalKernel: 1 } });
    model.to('float64');
    randomiseNorms(model, 15);
    randomiseAttention(model, 16);
    model.eval();
    const base = noGrad(() => model.forward(clips));
    const reversed = noGrad(() => model.forward(permuteSegments(clips, [3, 2, 1, 0])));
    expect(maxDiff(reversed, base)).toBeLessThan(1e-10 * (1 + scale(base)));
  });
});

describe('TemporalShift', () => {
  it('moves channels [0, C/8) back one frame and [C/8, C/4) forward one, zeros at the clip ends', () => {
    const [n, t, c, hw] = [2, 3, 16, 2];
    const x = seeded([n * t, c, 1, hw], 20, { requiresGrad: false });
    const y = new TemporalShift({ numSegments: t }).forward(x);
    const at = (z: Tensor, clip: number, frame: number, ch: number, p: number) => z.data[((clip * t + frame) * c + ch) * hw + p];
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < t; f++) {
        for (let ch = 0; ch < c; ch++) {
          for (let p = 0; p < hw; p++) {
            let expected: number;
            if (ch < 2) expected = f + 1 < t ? at(x, i, f + 1, ch, p) : 0;
            else if (ch < 4) expected = f > 0 ? at(x, i, f - 1, ch, p) : 0;
            else expected = at(x, i, f, ch, p);
            expect(at(y, i, f, ch, p)).toBe(expected);
          }
        }
      }
    }
  });

  it('has the right gradient, and leaves fewer than 8 channels or a single frame alone', () => {
    const shift = new TemporalShift({ numSegments: 2, shiftDiv: 4 });
    expect(checkGrad((x) => shift.forward(x), [seeded([4, 8, 2, 2], 21)])).toBe(true);
    const few = seeded([4, 7, 2, 2], 22, { requiresGrad: false });
    expect(new TemporalShift({ numSegments: 2 }).forward(few)).toBe(few);
    expect(() => new TemporalShift({ numSegments: 3 }).forward(few)).toThrow(/TemporalShift.*4 frames.*numSegments=3/);
    expect(() => new TemporalShift({ numSegments: 2, shiftDiv: 1 })).toThrow(/shiftDiv must be an integer >= 2/);
  });
});

describe('ImageNet weights load into every arch (attention keeps its init)', () => {
  manualSeed(30);
  const imagenet = resnet({ depth: 50, width: 2 });
  randomiseNorms(imagenet, 31);
  const weights = imagenet.stateDict();

  for (const arch of ARCHS) {
    it(`${arch}: backbone equal to the ResNet's, attention untouched, fc skipped`, () => {
      manualSeed(32);
      const model = tiny(arch);
      const before = new Map(model.namedParameters().map(([k, p]) => [k, Float64Array.from(p.data)]));
      const result = model.loadBackbone(weights);
      expect(result.skipped).toEqual(['fc.weight', 'fc.bias']);
      const own = model.backbone.stateDict();
      for (const [key, value] of Object.entries(weights)) {
        if (key.startsWith('fc.')) continue;
        expect(Array.from(own[key].data), key).toEqual(Array.from(value.data));
      }
      const attentionKeys = Object.keys(own).filter((k) => k.includes('.attention.'));
      expect(result.keptInit).toEqual(attentionKeys);
      expect(attentionKeys.length > 0).toBe(arch !== 'tsn' && arch !== 'tsm');
      for (const [k, p] of model.namedParameters()) {
        if (k.includes('.attention.') || k.startsWith('fc.')) expect(Array.from(p.data), k).toEqual(Array.from(before.get(k) ?? []));
      }
    });
  }

  it('weights of another depth are refused, naming keys, and nothing changes', () => {
    const model = tiny('ssan');
    const before = Array.from(model.backbone.conv1.weight.data);
    const other = resnet({ depth: 18, width: 2 }).stateDict();
    expect(() => model.loadBackbone(other)).toThrow(/TSN.loadBackbone: .*missing: layer1\.0\.conv3\.weight, .*\(198 in all\)/);
    expect(Array.from(model.backbone.conv1.weight.data)).toEqual(before);
  });

  it('a shape mismatch (another width) is refused by loadStateDict, leaving the model as it was', () => {
    const model = tiny('nl2d');
    const before = Array.from(model.backbone.conv1.weight.data);
    expect(() => model.loadBackbone(resnet({ depth: 50, width: 4 }).stateDict())).toThrow(/shape/);
    expect(Array.from(model.backbone.conv1.weight.data)).toEqual(before);
    expect(model.backbone).toBeInstanceOf(ResNet);
  });
});
