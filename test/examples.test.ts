import { describe, expect, it } from 'vitest';
import { quickstart } from '../examples/quickstart';

describe('the README example', () => {
  it('runs: conv, loss, backward, a gradient of the weight shape', () => {
    const { outputShape, loss, gradShape } = quickstart();
    expect(outputShape).toEqual([1, 4, 8, 8]);
    expect(Number.isFinite(loss) && loss > 0).toBe(true);
    expect(gradShape).toEqual([4, 3, 3, 3]);
  });
});
