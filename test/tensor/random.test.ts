/**
 * The seeded generator's shuffle: a permutation of its input, the same for a seed, and drawn as
 * Fisher-Yates from the end (one randint(i + 1) per position), the order every shuffled list in the
 * project (loader epochs, the synthetic set's ids and split files, caption sampling) was made with.
 */
import { describe, expect, it } from 'vitest';
import { Generator } from '../../src/tensor/random';

describe('Generator.shuffle and permutation', () => {
  it('permutes in place, repeatably, with the Fisher-Yates draws', () => {
    const items = Array.from({ length: 50 }, (_, i) => i * 3);
    const shuffled = new Generator('s').shuffle([...items]);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    expect(shuffled).not.toEqual(items);
    expect(new Generator('s').shuffle([...items])).toEqual(shuffled);

    const draws = new Generator('s');
    const expected = [...items];
    for (let i = expected.length - 1; i > 0; i--) {
      const j = draws.randint(i + 1);
      [expected[i], expected[j]] = [expected[j], expected[i]];
    }
    expect(shuffled).toEqual(expected);
  });

  it('permutation(n) is the shuffle of 0..n-1; short lists draw nothing', () => {
    expect(new Generator(4).permutation(7)).toEqual(new Generator(4).shuffle([0, 1, 2, 3, 4, 5, 6]));
    const rng = new Generator(5);
    expect(rng.permutation(1)).toEqual([0]);
    expect(rng.permutation(0)).toEqual([]);
    expect(rng.random()).toBe(new Generator(5).random());
  });
});
