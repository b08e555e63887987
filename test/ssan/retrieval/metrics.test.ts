/**
 * retrievalMetrics against HowTo100M's compute_metrics (numpy, via scripts/make-retrieval-fixtures.py),
 * and the invariants of docs/model.md#invariants-the-tests-check (item 7): identity gives R@1 = 1 and MR = 1; a
 * reversed matrix puts each match last; ties count every tied position, as compute_metrics does.
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../../src';
import { retrieval } from '../../../src/ssan';
import { loadFixture } from './fixtures';

const { retrievalMetrics } = retrieval;

interface MetricsCase {
  name: string;
  dtype: 'float32' | 'float64';
  similarity: { shape: number[]; values: (number | 'nan' | 'inf' | '-inf')[] };
  metrics: { r1: number; r5: number; r10: number; medianRank: number; meanRank: number; ranks: number[] };
}

const decode = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));

function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

describe('retrievalMetrics', () => {
  it('identity: R@1 = R@5 = R@10 = 1 and median rank 1', () => {
    expect(retrievalMetrics(identity(7))).toEqual({ r1: 1, r5: 1, r10: 1, medianRank: 1, meanRank: 1 });
  });

  it('negated identity: each match is last in its row, so every rank is n', () => {
    const n = 11;
    const s = identity(n).map((row) => row.map((v) => -v));
    expect(retrievalMetrics(s)).toEqual({ r1: 0, r5: 0, r10: 0, medianRank: n, meanRank: n });
  });

  it('reversed diagonal ramp (S[i][j] = j): text i has rank n - i, so MR is (n + 1) / 2', () => {
    const n = 10;
    const s = Array.from({ length: n }, () => Array.from({ length: n }, (_, j) => j));
    const m = retrievalMetrics(s);
    expect(m.r1).toBeCloseTo(1 / n, 15);
    expect(m.r5).toBeCloseTo(5 / n, 15);
    expect(m.r10).toBe(1);
    expect(m.medianRank).toBe(5.5);
    expect(m.meanRank).toBe(5.5);
  });

  it('ties: each of the t tied positions is a rank (all-equal n x n: n² ranks, R@1 = 1/n)', () => {
    const n = 6;
    const m = retrievalMetrics(Array.from({ length: n }, () => new Array<number>(n).fill(0.25)));
    expect(m.r1).toBeCloseTo(1 / n, 15);
    expect(m.r5).toBeCloseTo(5 / n, 15);
    expect(m.medianRank).toBe((n + 1) / 2);
    // One row with its match tied with one other value behind one larger: ranks 1 and 2, both counted.
    const s = [
      [0.5, 0.9, 0.5],
      [0.0, 1.0, 0.2],
      [0.0, 0.1, 0.3],
    ];
    // ranks: row 0 -> 1, 2 (0-based); row 1 -> 0; row 2 -> 0: four ranks in all.
    expect(retrievalMetrics(s)).toEqual({ r1: 0.5, r5: 1, r10: 1, medianRank: 1.5, meanRank: 1.75 });
  });

  it('takes a Tensor, nested arrays, or flat values with a shape, and compares float32 as float32', () => {
    const values = [0.3, 0.1, 0.2, 0.5, 0.4, 0.6, 0.9, 0.8, 0.7];
    const want = retrievalMetrics([values.slice(0, 3), values.slice(3, 6), values.slice(6)]);
    expect(retrievalMetrics(tensor(values, { shape: [3, 3] }))).toEqual(want);
    expect(retrievalMetrics(Float32Array.from(values), [3, 3])).toEqual(want);
    // 0.1 and 0.1 + 1e-9 differ in float64, not once rounded to float32.
    const close = [
      [0.1, 0.1 + 1e-9],
      [0, 1],
    ];
    expect(retrievalMetrics(close).r1).toBe(0.5);
    expect(retrievalMetrics(Float32Array.from(close.flat()), [2, 2]).r1).toBeCloseTo(2 / 3, 15);
  });

  it('rejects non-square, empty and ragged input, and a matrix without a finite diagonal', () => {
    expect(() => retrievalMetrics(tensor([[1, 2, 3], [4, 5, 6]]))).toThrow(/square similarity \[n, n\].*\[2, 3\]/);
    expect(() => retrievalMetrics([])).toThrow(/non-empty square/);
    expect(() => retrievalMetrics([1, 2, 3, 4], [4])).toThrow(/square.*\[4\]/);
    expect(() => retrievalMetrics([1, 2, 3], [2, 2])).toThrow(/needs 4 values; got 3/);
    expect(() => retrievalMetrics([[1, 2], [3]])).toThrow(/row 1 is not an array of 2/);
    expect(() => retrievalMetrics([[NaN, 0], [0, Infinity]])).toThrow(/no row has a finite diagonal/);
  });

  for (const c of loadFixture<{ cases: MetricsCase[] }>('metrics.json').cases) {
    it(`matches compute_metrics: ${c.name}`, () => {
      const values = c.similarity.values.map(decode);
      const data = c.dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
      const got = retrievalMetrics(tensor(data, { shape: c.similarity.shape }));
      const { ranks, ...want } = c.metrics;
      expect(ranks.length).toBeGreaterThan(0);
      for (const key of Object.keys(want) as (keyof typeof want)[]) {
        expect(got[key], key).toBeCloseTo(want[key], 12);
      }
    });
  }
});
