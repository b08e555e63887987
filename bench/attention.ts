/**
 * The batched product of self-attention: 64 batched [784,64]x[64,784] products, Q·Kᵀ for 64 heads
 * (or clips) over 28x28 = 784 positions. Run alone: npx ts-node bench/attention.ts
 */
import { BenchCase } from './case';

export const cases: BenchCase[] = [
  {
    id: 'attention',
    group: 'attention',
    title: 'attention batched product',
    spec: { kind: 'bmm', batch: 64, m: 784, n: 784, k: 64 },
  },
];

// The runner is loaded only when this file is run, so importing the case list (as tests do) stays light.
if (require.main === module) void import('./run').then((run) => run.runAsScript('attention', cases));
