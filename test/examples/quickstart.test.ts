import { describe, expect, it } from 'vitest';
import { quickstart } from '../../examples/quickstart';

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
    const { gradcheckDemo } = await import('../../examples/gradcheck-demo');
    const { convPasses, buggyPasses, buggyMessage } = gradcheckDemo();
    expect(convPasses).toBe(true);
    expect(buggyPasses).toBe(false);
    expect(buggyMessage).toMatch(/BuggySquare|analytic .* vs numerical/);
  });
});

describe('the tiny ResNet example', () => {
  it('learns stripes with SGD-Nesterov and resumes from its checkpoint', async () => {
    const { trainTinyResNet } = await import('../../examples/train-tiny-resnet');
    const lines: string[] = [];
    const { losses, accuracy, resumedLosses } = trainTinyResNet({ log: (line: string) => lines.push(line) });
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 2);
    expect(accuracy).toBeGreaterThan(0.75);
    expect(Number.isFinite(resumedLosses[0])).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^resumed from epoch 5/);
  });
});

describe('the model family example', () => {
  it('only SSA and TSM change their logits when the clip is reversed', async () => {
    const { compareArchs } = await import('../../examples/ssan-models');
    const rows = compareArchs(4, 32, 4);
    expect(rows.map((r) => r.arch)).toEqual(['ssan', 'tsn', 'tsm', 'nl3d', 'nl2d', 'nl1d', 'nl2d1d']);
    for (const r of rows) {
      if (r.arch === 'ssan' || r.arch === 'tsm') expect(r.reversalChange, r.arch).toBeGreaterThan(1e-6);
      else expect(r.reversalChange, r.arch).toBeLessThan(1e-12);
    }
    const tsn = rows.find((r) => r.arch === 'tsn') as { params: number; macsPerClip: number };
    for (const r of rows) expect(r.macsPerClip).toBeGreaterThanOrEqual(tsn.macsPerClip);
  });
});
