/**
 * The joint embedding against HowTo100M's Net (model.py, transcribed in PyTorch by
 * scripts/make-retrieval-fixtures.py): its state dict loads strict by name, and the embeddings, the
 * similarity, and the gradients of the similarity and of the ranking loss wrt every parameter and both
 * inputs match, in float64 (and the forward in float32). The fixture's captions have zero padding rows,
 * which tie under the max: the word gradients only match with th.max(dim)'s first-index routing.
 */
import { describe, expect, it } from 'vitest';
import { Tensor, nn, tensor } from '../../../src';
import { retrieval } from '../../../src/ssan';
import { maxOverDim1 } from '../../../src/ssan/retrieval/first-max';
import { checkGrad, seeded } from '../../helpers';
import { Entry, FloatDType, expectClose, fromEntry, loadFixture } from './fixtures';

const { JointEmbedding, GatedEmbeddingUnit, ContextGating, SentenceMaxpool, maxMarginRankingLoss, l2Normalize } = retrieval;

type Grads = Record<string, Entry>;

interface ModelCase {
  name: string;
  config: { videoDim: number; wordDim: number; embdDim: number; sentenceDim: number };
  stateDict: Record<string, Entry>;
  video: Entry;
  words: Entry;
  videoEmb: Entry;
  textEmb: Entry;
  similarity: Entry;
  backward: { gradOutput: Entry; grads: Grads };
  losses: { margin: number; loss: number; grads: Grads }[];
}

function buildModel(c: ModelCase, dtype: FloatDType) {
  const model = new JointEmbedding(c.config).to(dtype);
  const sd: nn.StateDict = {};
  for (const [name, e] of Object.entries(c.stateDict)) sd[name] = fromEntry(e, dtype);
  const result = model.loadStateDict(sd, { strict: true });
  expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
  return model;
}

/** Compares every parameter's gradient (batch norm ones: none, it is unused) and the inputs'. */
function expectGrads(what: string, model: InstanceType<typeof JointEmbedding>, video: Tensor, words: Tensor, grads: Grads) {
  for (const [name, p] of model.namedParameters()) {
    if (name.includes('batch_norm')) expect(p.grad, `${what}: ${name}`).toBeNull();
    else expectClose(`${what}: d/d ${name}`, p.grad, grads[name]);
  }
  expectClose(`${what}: d/d video`, video.grad, grads.video);
  expectClose(`${what}: d/d words`, words.grad, grads.words);
}

describe('JointEmbedding parity with HowTo100M', () => {
  for (const c of loadFixture<{ cases: ModelCase[] }>('model.json').cases) {
    describe(c.name, () => {
      it("has HowTo100M's state-dict names, in its order", () => {
        expect(Object.keys(new JointEmbedding(c.config).stateDict())).toEqual(Object.keys(c.stateDict));
      });

      it('float64: embeddings and similarity', () => {
        const model = buildModel(c, 'float64');
        const video = fromEntry(c.video), words = fromEntry(c.words);
        expectClose('video embedding', model.embedVideo(video), c.videoEmb);
        expectClose('text embedding', model.embedText(words), c.textEmb);
        expectClose('similarity', model.forward(video, words), c.similarity);
      });

      it('float32: similarity', () => {
        const model = buildModel(c, 'float32');
        expectClose('similarity', model.forward(fromEntry(c.video, 'float32'), fromEntry(c.words, 'float32')), c.similarity, 'float32');
      });

      it('float64: gradients of sum(similarity * G)', () => {
        const model = buildModel(c, 'float64');
        const video = fromEntry(c.video, 'float64', true), words = fromEntry(c.words, 'float64', true);
        model.forward(video, words).backward(fromEntry(c.backward.gradOutput));
        expectGrads('similarity', model, video, words, c.backward.grads);
      });

      for (const { margin, loss, grads } of c.losses) {
        it(`float64: ranking loss at margin ${margin} and its gradients`, () => {
          const model = buildModel(c, 'float64');
          const video = fromEntry(c.video, 'float64', true), words = fromEntry(c.words, 'float64', true);
          const out = maxMarginRankingLoss(model.forward(video, words), margin);
          expect(out.item()).toBeCloseTo(loss, 12);
          out.backward();
          expectGrads(`loss at margin ${margin}`, model, video, words, grads);
        });
      }
    });
  }
});

describe('embedding pieces', () => {
  it('GatedEmbeddingUnit passes gradcheck in float64 (input and every parameter)', () => {
    const unit = new GatedEmbeddingUnit(4, 3).double();
    const x = seeded([3, 4], 11);
    const params = unit.parameters().filter((p) => p.requiresGrad && unit.cg.batch_norm.parameters().indexOf(p) === -1);
    expect(checkGrad((input) => unit.forward(input), [x, ...params])).toBe(true);
  });

  it('l2Normalize: unit rows; a zero row stays zero, with gradient 1/eps as F.normalize (not NaN)', () => {
    const x = tensor([[3, 4], [0, 0]], { dtype: 'float64', requiresGrad: true });
    const y = l2Normalize(x);
    expect(Array.from(y.data)).toEqual([0.6, 0.8, 0, 0]);
    y.sum().backward();
    // PyTorch 1.13: F.normalize(x).sum().backward() gives [[0.032, -0.024], [1e12, 1e12]].
    const g = Array.from(x.grad?.data ?? []);
    expect(g[0]).toBeCloseTo(0.032, 15);
    expect(g[1]).toBeCloseTo(-0.024, 15);
    expect(g[2] / 1e12).toBeCloseTo(1, 12);
    expect(g[3] / 1e12).toBeCloseTo(1, 12);
  });

  it('GatedEmbeddingUnit gives unit rows', () => {
    const unit = new GatedEmbeddingUnit(5, 6);
    const rows = unit.forward(seeded([4, 5], 12, { dtype: 'float32', requiresGrad: false }));
    for (let i = 0; i < 4; i++) {
      const norm = Math.hypot(...Array.from(rows.data.subarray(i * 6, i * 6 + 6)));
      expect(norm).toBeCloseTo(1, 6);
    }
  });

  it('ContextGating is x * sigmoid(fc(x)) and ignores its batch norm unless asked', () => {
    const cg = new ContextGating(3).double();
    const x = seeded([2, 3], 13, { requiresGrad: false });
    const gate = cg.fc.forward(x).sigmoid();
    expect(Array.from(cg.forward(x).data)).toEqual(Array.from(x.mul(gate).data));
    cg.batch_norm.weight?.data.fill(5);
    expect(Array.from(cg.forward(x).data)).toEqual(Array.from(x.mul(gate).data));
    expect(Object.keys(cg.stateDict())).toEqual([
      'fc.weight', 'fc.bias', 'batch_norm.weight', 'batch_norm.bias',
      'batch_norm.running_mean', 'batch_norm.running_var', 'batch_norm.num_batches_tracked',
    ]);
  });

  it('maxOverDim1 takes the max and sends the gradient to the first maximal element only', () => {
    const x = tensor([[[1, 5], [3, 5], [3, 2]]], { dtype: 'float64', requiresGrad: true });
    const y = maxOverDim1(x);
    expect(Array.from(y.data)).toEqual([3, 5]);
    y.backward(tensor([[10, 20]], { dtype: 'float64' }));
    expect(Array.from(x.grad?.data ?? [])).toEqual([0, 20, 10, 0, 0, 0]);
  });

  it('SentenceMaxpool: ReLU then max over words; rejects inputs that are not [B, maxWords, wordDim]', () => {
    const pool = new SentenceMaxpool(2, 3).double();
    const words = seeded([2, 4, 2], 14, { requiresGrad: false });
    const want = pool.fc.forward(words).relu().max(1);
    expect(Array.from(pool.forward(words).data)).toEqual(Array.from(want.data));
    expect(() => pool.forward(seeded([4, 2], 1))).toThrow(/SentenceMaxpool: expected words \[B, maxWords, 2\]; got shape \[4, 2\]/);
  });

  it('JointEmbedding: shapes, defaults and argument errors', () => {
    const model = new JointEmbedding({ videoDim: 6, embdDim: 4 });
    expect(model.wordDim).toBe(300);
    expect(model.text_pooling.outDim).toBe(4);
    expect(new JointEmbedding({ videoDim: 6, embdDim: 4, sentenceDim: 9 }).text_pooling.outDim).toBe(9);
    const small = new JointEmbedding({ videoDim: 6, wordDim: 3, embdDim: 4 });
    const s = small.forward(seeded([5, 6], 1, { dtype: 'float32' }), seeded([2, 7, 3], 2, { dtype: 'float32' }));
    expect(s.shape).toEqual([2, 5]);
    expect(() => new JointEmbedding({ videoDim: 6, embdDim: 4, textEncoder: 'lstm' as 'gru' })).toThrow(/unknown textEncoder "lstm"/);
    expect(() => small.forward(seeded([5, 7], 1), seeded([2, 7, 3], 2))).toThrow(/expected video features \[B, 6\]; got shape \[5, 7\]/);
    expect(() => small.embedText(seeded([2, 3], 2))).toThrow(/expected words \[B, maxWords, 3\]; got shape \[2, 3\]/);
    expect(() => new JointEmbedding({ videoDim: 0, embdDim: 4 })).toThrow(/videoDim must be a positive integer/);
  });
});
