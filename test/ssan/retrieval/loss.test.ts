/**
 * maxMarginRankingLoss against HowTo100M's MaxMarginRankingLoss (n_pair = 1, transcribed in PyTorch by
 * scripts/make-retrieval-fixtures.py): the value and the gradient at several margins, in float64; a
 * gradcheck; the default margin.
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../../src';
import { retrieval } from '../../../src/ssan';
import { checkGrad, seeded } from '../../helpers';
import { Entry, expectClose, fromEntry, loadFixture } from './fixtures';

const { maxMarginRankingLoss, HOWTO100M_MARGIN } = retrieval;

interface LossCase {
  name: string;
  similarity: Entry;
  losses: { margin: number; loss: number; grad: Entry }[];
}

describe('maxMarginRankingLoss', () => {
  for (const c of loadFixture<{ cases: LossCase[] }>('loss.json').cases) {
    for (const { margin, loss, grad } of c.losses) {
      it(`matches HowTo100M: ${c.name}, margin ${margin}`, () => {
        const s = fromEntry(c.similarity, 'float64', true);
        const out = maxMarginRankingLoss(s, margin);
        expect(out.shape).toEqual([]);
        expect(out.item()).toBeCloseTo(loss, 13);
        out.backward();
        expectClose('d loss / d similarity', s.grad, grad);
      });
    }
  }

  it("defaults to HowTo100M's training margin 0.1 (args.margin), not the class default 1.0", () => {
    expect(HOWTO100M_MARGIN).toBe(0.1);
    const s = tensor([[0.2, 0.5], [0.1, 0.4]], { dtype: 'float64' });
    expect(maxMarginRankingLoss(s).item()).toBeCloseTo(maxMarginRankingLoss(s, 0.1).item(), 15);
    // Diagonal pairs add 2m each: a single pair's loss is exactly 2m.
    expect(maxMarginRankingLoss(tensor([[0.7]], { dtype: 'float64' }), 0.25).item()).toBe(0.5);
  });

  it('passes gradcheck in float64 (values kept away from the ReLU kinks)', () => {
    const s = seeded([5, 5], 3);
    expect(checkGrad((x) => maxMarginRankingLoss(x, 0.1), [s])).toBe(true);
    expect(checkGrad((x) => maxMarginRankingLoss(x, 1.0), [s])).toBe(true);
  });

  it('float32 in, float32 out', () => {
    const s = seeded([4, 4], 5, { dtype: 'float32' });
    const out = maxMarginRankingLoss(s);
    expect(out.dtype).toBe('float32');
    out.backward();
    expect(s.grad?.dtype).toBe('float32');
  });

  it('rejects a non-square or integer similarity and a non-finite margin', () => {
    expect(() => maxMarginRankingLoss(tensor([[1, 2, 3], [4, 5, 6]]))).toThrow(/square similarity \[n, n\].*\[2, 3\]/);
    expect(() => maxMarginRankingLoss(tensor([1, 2]))).toThrow(/square/);
    expect(() => maxMarginRankingLoss(tensor([[1]], { dtype: 'int32' }))).toThrow(/floating-point/);
    expect(() => maxMarginRankingLoss(tensor([[1]]), NaN)).toThrow(/margin must be a finite number/);
  });
});
