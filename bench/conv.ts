/**
 * A ResNet stage-2 3x3 convolution, [8,128,28,28] with 128 filters and padding 1: each pass alone,
 * then the three together through autograd as a training step does. Run alone: npx ts-node bench/conv.ts
 */
import { BenchCase, Proxy } from './case';
import { ConvSpec } from './spec';

const shape = { batch: 8, inChannels: 128, outChannels: 128, height: 28, width: 28, kernel: 3, stride: 1, padding: 1 };
const spec = (pass: ConvSpec['pass']): ConvSpec => ({ kind: 'conv', pass, ...shape });

/**
 * TensorFlow.js's cpu backend computes the filter gradient at about 0.01 GFLOP/s: one call at the full
 * shape would take minutes. A batch of 1 with 32 channels is 1/128 of the work at much the same rate.
 */
const proxy = (pass: ConvSpec['pass']): Proxy => ({
  spec: { ...spec(pass), batch: 1, inChannels: 32, outChannels: 32 },
  runners: ['tfjs-cpu'],
  why: 'TensorFlow.js cpu computes the conv filter gradient at ~0.01 GFLOP/s; the full shape would take minutes per call',
});

export const cases: BenchCase[] = [
  { id: 'conv-forward', group: 'conv', title: 'conv 3x3 forward', spec: spec('forward') },
  { id: 'conv-backward-data', group: 'conv', title: 'conv 3x3 backward-data', spec: spec('backwardData') },
  {
    id: 'conv-backward-filter',
    group: 'conv',
    title: 'conv 3x3 backward-filter',
    spec: spec('backwardFilter'),
    proxy: proxy('backwardFilter'),
  },
  {
    id: 'conv-train-step',
    group: 'conv',
    title: 'conv 3x3 training step',
    spec: spec('trainStep'),
    proxy: proxy('trainStep'),
  },
];

// The runner is loaded only when this file is run, so importing the case list (as tests do) stays light.
if (require.main === module) void import('./run').then((run) => run.runAsScript('conv', cases));
