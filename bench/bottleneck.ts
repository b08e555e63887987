/**
 * A ResNet-50 bottleneck block (1x1 256->64, BN, ReLU, 3x3 64->64, BN, ReLU, 1x1 64->256, BN, residual
 * add, ReLU) at [8,256,28,28], forward and backward in training mode, built from F ops with plain
 * tensors as parameters. Run alone: npx ts-node bench/bottleneck.ts
 */
import { BenchCase } from './case';

export const cases: BenchCase[] = [
  {
    id: 'bottleneck',
    group: 'bottleneck',
    title: 'ResNet-50 bottleneck fwd+bwd',
    spec: { kind: 'bottleneck', batch: 8, inPlanes: 256, planes: 64, height: 28, width: 28 },
    proxy: {
      // 1/32 of the work: one sample at 14x14.
      spec: { kind: 'bottleneck', batch: 1, inPlanes: 256, planes: 64, height: 14, width: 14 },
      runners: ['tfjs-cpu'],
      why: 'TensorFlow.js cpu computes the conv filter gradients at ~0.01 GFLOP/s; the full block would take over a minute per call',
    },
  },
];

// The runner is loaded only when this file is run, so importing the case list (as tests do) stays light.
if (require.main === module) void import('./run').then((run) => run.runAsScript('bottleneck', cases));
