/**
 * GEMM at the shape of ResNet's 3x3 convolution as im2col sees it: [8,128,28,28] with 128 filters
 * is a 6272x1152 column matrix times 1152x128 weights; and the square 4096^3 product by which GPU
 * GEMMs are usually compared (137 GFLOP: the plain TypeScript reference times 1024^3 instead).
 * Run alone: npx ts-node bench/gemm.ts
 */
import { BenchCase } from './case';

export const cases: BenchCase[] = [
  { id: 'gemm', group: 'gemm', title: 'GEMM 6272x128x1152', spec: { kind: 'gemm', m: 6272, n: 128, k: 1152 } },
  {
    id: 'gemm-4096', group: 'gemm', title: 'GEMM 4096x4096x4096', spec: { kind: 'gemm', m: 4096, n: 4096, k: 4096 },
    proxy: { spec: { kind: 'gemm', m: 1024, n: 1024, k: 1024 }, runners: ['ts'], why: 'over two minutes a call at 4096^3' },
  },
];

// The runner is loaded only when this file is run, so importing the case list (as tests do) stays light.
if (require.main === module) void import('./run').then((run) => run.runAsScript('gemm', cases));
