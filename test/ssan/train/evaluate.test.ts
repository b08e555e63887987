import { describe, expect, it } from 'vitest';
import { tensor, nn, ssan, Tensor } from '../../../src';
import { ClassificationMeter, ProgressBar, formatDuration } from '../../../src/train';
import { evaluate, scorePredictions, paperRecipe, scaledLr, buildOptimizer, isAttentionParam } from '../../../src/ssan/train';
import type { BatchSource, ClipBatchLike } from '../../../src/ssan/train';

describe('ClassificationMeter', () => {
  it('counts top-1, top-5, per-class accuracy and the mean loss', () => {
    const m = new ClassificationMeter(6);
    // Video 0 (class 2): right. Video 1 (class 0): ranked 3rd. Video 2 (class 5): ranked last.
    m.add([0, 0, 9, 0, 0, 0, /**/ 5, 7, 1, 6, 0, 0, /**/ 6, 5, 4, 3, 2, 1], [2, 0, 5], 2);
    m.add([1, 0, 0, 0, 0, 0], [0], 6);
    const r = m.result();
    expect(r.top1).toBe(2 / 4);
    expect(r.top5).toBe(3 / 4);
    expect(r.loss).toBe((2 * 3 + 6) / 4);
    expect(r.perClass).toEqual([0.5, null, 1, null, null, 0]);
    expect(r.count).toBe(4);
  });

  it('breaks ties as argmax does, so equal scores are not all right', () => {
    const m = new ClassificationMeter(3);
    m.add([1, 1, 1, 1, 1, 1], [0, 2], 0);
    expect(m.result().top1).toBe(0.5);
  });

  it('rejects scores of the wrong size and labels outside the classes', () => {
    const m = new ClassificationMeter(3);
    expect(() => m.add([1, 2], [0], 0)).toThrow(/expected 1 x 3 = 3 scores/);
    expect(() => m.add([1, 2, 3], [3], 0)).toThrow(/label 3 is not a class in \[0, 3\)/);
  });
});

/** A model that returns the clips' first numbers as logits: [N, 1, 1, 1, C] -> [N, C]. */
class Passthrough extends nn.Module {
  forward(x: Tensor): Tensor {
    return x.reshape([x.shape[0], x.shape[4]]);
  }
}

function source(logits: number[][], labels: number[], perBatch = 2): BatchSource {
  const c = logits[0].length;
  return {
    batchesPerEpoch: Math.ceil(logits.length / perBatch),
    lastEpochSkipped: [],
    async *epoch(): AsyncGenerator<ClipBatchLike> {
      for (let i = 0; i < logits.length; i += perBatch) {
        const rows = logits.slice(i, i + perBatch);
        yield {
          clips: tensor(new Float32Array(rows.flat()), { shape: [rows.length, 1, 1, 1, c] }),
          labels: tensor(new Int32Array(labels.slice(i, i + perBatch)), { dtype: 'int32' }),
        };
      }
    },
  };
}

describe('evaluate', () => {
  it('is the cross-entropy of the logits for one model and one clip', async () => {
    const r = await evaluate(new Passthrough(), source([[2, 0], [0, 1], [3, 3]], [0, 0, 1]), { numClasses: 2 });
    const ce = (l: number[], y: number) => Math.log(Math.exp(l[0]) + Math.exp(l[1])) - l[y];
    expect(r.loss).toBeCloseTo((ce([2, 0], 0) + ce([0, 1], 0) + ce([3, 3], 1)) / 3, 6);
    expect(r.top1).toBeCloseTo(1 / 3, 12); // the tie [3, 3] goes to class 0
  });

  it('averages the softmax of several clips of a video', async () => {
    // Two videos x two clips: video 0's clips say class 0 strongly and class 1 weakly.
    const r = await evaluate(new Passthrough(), source([[4, 0], [0, 1], [0, 2], [0, 2]], [0, 1], 4), { numClasses: 2, numClips: 2 });
    const p = (l: number[]) => Math.exp(l[0]) / (Math.exp(l[0]) + Math.exp(l[1]));
    const p0 = (p([4, 0]) + p([0, 1])) / 2;
    expect(r.top1).toBe(1);
    expect(r.loss).toBeCloseTo((-Math.log(p0) - Math.log(1 - p([0, 2]))) / 2, 6);
  });

  it('ensembles models by the mean of their softmax, and a confident mistake gives a finite loss', () => {
    const a = { numClasses: 2, logProbs: new Map([[0, Float64Array.from([Math.log(0.9), Math.log(0.1)])]]), labels: new Map([[0, 1]]), skipped: [] };
    const b = { numClasses: 2, logProbs: new Map([[0, Float64Array.from([-1000, 0])]]), labels: new Map([[0, 1]]), skipped: [] };
    expect(scorePredictions([a, b]).loss).toBeCloseTo(-Math.log((0.1 + 1) / 2), 9);
    expect(scorePredictions([a, b]).top1).toBe(1);
    const wrong = { ...b, labels: new Map([[0, 0]]) };
    expect(scorePredictions([wrong]).loss).toBeCloseTo(1000, 6);
  });

  it('a pass in which every video was skipped is an error, not NaN metrics', () => {
    const none = { numClasses: 2, logProbs: new Map<number, Float64Array>(), labels: new Map([[0, 1]]), skipped: [{ id: 'v7', reason: 'frame 3 is missing' }] };
    expect(() => scorePredictions([none])).toThrow('evaluate: no video could be scored (1 skipped; the first, v7: frame 3 is missing)');
  });
});

describe('the recipe', () => {
  it('scales lr 0.01 per 64 clips and fills the paper defaults', () => {
    expect(scaledLr(64)).toBe(0.01);
    const r = paperRecipe({ batchSize: 8, accumulate: 4 });
    expect(r.lr).toBeCloseTo(0.005, 12);
    expect([r.momentum, r.nesterov, r.weightDecay, r.clipGradNorm, r.plateauFactor, r.plateauPatience]).toEqual([0.9, true, 5e-4, 20, 0.1, 5]);
    expect(() => paperRecipe({ batchSize: 0 })).toThrow(/batchSize must be an integer >= 1/);
  });

  it('puts no weight decay on BatchNorm and biases, and warms up from 0.1 lr over an epoch', () => {
    const model = new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.BatchNorm2d(4));
    const { optimizer, scheduler } = buildOptimizer(model, paperRecipe({ batchSize: 64 }), 10);
    const [decay, exempt] = optimizer.paramGroups;
    expect(decay.params).toHaveLength(1); // the conv weight
    expect(decay.weightDecay).toBe(5e-4);
    expect(exempt.params).toHaveLength(3); // conv bias, BN weight and bias
    expect(exempt.weightDecay).toBe(0);
    expect(decay.lr).toBeCloseTo(0.001, 12);
    for (let i = 0; i < 10; i++) scheduler.step();
    expect(decay.lr).toBeCloseTo(0.01, 12);
  });

  it('trains the attention blocks at lr x attentionLrFactor, through warm-up and plateau alike', () => {
    const model = ssan.createModel({ arch: 'ssan', depth: 18, width: 8, numClasses: 4, numSegments: 2, blocks: [1, 1, 1, 1], placement: { layer2: [0] } });
    const attentionNamed = model.namedParameters().filter(([n]) => isAttentionParam(n));
    expect(attentionNamed.length).toBe(12); // five convs (q, k, v, temporal, W_z) with biases, BN scale and shift
    expect(attentionNamed.every(([n]) => n.startsWith('backbone.layer2.0.attention.'))).toBe(true);

    const { optimizer, scheduler } = buildOptimizer(model, paperRecipe({ batchSize: 64, attentionLrFactor: 10 }), 4);
    const groups = optimizer.paramGroups;
    expect(groups).toHaveLength(4);
    const attention = new Set(attentionNamed.map(([, p]) => p));
    expect(groups.slice(2).flatMap((g) => g.params).every((p) => attention.has(p))).toBe(true);
    expect(groups.slice(0, 2).flatMap((g) => g.params).some((p) => attention.has(p))).toBe(false);
    expect([groups[2].weightDecay, groups[3].weightDecay]).toEqual([5e-4, 0]);
    for (let i = 0; i < 4; i++) scheduler.step();
    expect(groups.map((g) => g.lr)).toEqual([0.01, 0.01, 0.1, 0.1].map((v) => expect.closeTo(v, 12)));
    for (let epoch = 0; epoch < 7; epoch++) scheduler.step(1); // a flat validation loss: one x0.1 cut
    expect(groups.map((g) => g.lr)).toEqual([0.001, 0.001, 0.01, 0.01].map((v) => expect.closeTo(v, 12)));

    // Factor 1 is the paper's optimizer: two groups, the attention in them.
    expect(buildOptimizer(model, paperRecipe({ batchSize: 64 }), 4).optimizer.paramGroups).toHaveLength(2);
    expect(() => paperRecipe({ attentionLrFactor: 0 })).toThrow(/attentionLrFactor must be a finite number > 0/);
  });
});

describe('ProgressBar', () => {
  it('shows done/total, ETA, loss, lr and clips per second; a line at the start and per quarter off a terminal', () => {
    const lines: string[] = [];
    let now = 0;
    const bar = new ProgressBar('epoch 1/3', 8, { write: (t: string) => lines.push(t) }, () => now);
    for (let i = 1; i <= 8; i++) {
      now = i * 1000;
      bar.update(i, { loss: 1.5, lr: 0.01, clips: 4 * i });
    }
    // The first batch, then every quarter.
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe('epoch 1/3 [#####...............] 2/8  0:02 elapsed, ETA 0:06  loss 1.5000  lr 1.00e-2  4.0 clips/s\n');
    expect(lines[4]).toContain('8/8  0:08 elapsed, ETA 0:00');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(NaN)).toBe('?');
  });
});
