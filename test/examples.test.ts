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

describe('the gradcheck demo', () => {
  it('passes a correct op and catches a wrong backward', async () => {
    const { gradcheckDemo } = await import('../examples/gradcheck-demo');
    const { convPasses, buggyPasses, buggyMessage } = gradcheckDemo();
    expect(convPasses).toBe(true);
    expect(buggyPasses).toBe(false);
    expect(buggyMessage).toMatch(/BuggySquare|analytic .* vs numerical/);
  });
});
