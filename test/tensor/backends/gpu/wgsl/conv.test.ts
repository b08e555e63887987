import { describe, expect, it } from 'vitest';
import { maxRelativeError, onWebGpu, random, runOnDevice, runOnReference } from './harness';
import type { ConvShape } from '../../../../../src/tensor/kernels/conv';
import type { Triple } from '../../../../../src/tensor/kernels/im2col';
import { convLaunchLimit } from '../../../../../src/tensor/backends/gpu/wgsl/conv';

const TOLERANCE = 1e-5;

interface Case {
  name: string;
  batch: number;
  inChannels: number;
  outChannels: number;
  groups: number;
  input: Triple;
  kernel: Triple;
  stride?: Triple;
  padding?: Triple;
  dilation?: Triple;
}

function shapeOf(c: Case): ConvShape {
  const stride = c.stride ?? [1, 1, 1], padding = c.padding ?? [0, 0, 0], dilation = c.dilation ?? [1, 1, 1];
  const output = c.input.map((size, i) => Math.floor((size + 2 * padding[i] - dilation[i] * (c.kernel[i] - 1) - 1) / stride[i]) + 1) as unknown as Triple;
  return {
    batch: c.batch, groups: c.groups, outChannels: c.outChannels,
    geometry: { channels: c.inChannels / c.groups, input: c.input, kernel: c.kernel, stride, padding, dilation, output },
  };
}

const volume = (t: Triple) => t[0] * t[1] * t[2];

const CASES: Case[] = [
  { name: '3x3 stride 2 padding 1', batch: 2, inChannels: 3, outChannels: 4, groups: 1, input: [1, 9, 9], kernel: [1, 3, 3], stride: [1, 2, 2], padding: [0, 1, 1] },
  { name: '3x3 dilation 2 padding 2', batch: 2, inChannels: 2, outChannels: 3, groups: 1, input: [1, 8, 7], kernel: [1, 3, 3], padding: [0, 2, 2], dilation: [1, 2, 2] },
  { name: 'groups 2', batch: 2, inChannels: 4, outChannels: 6, groups: 2, input: [1, 6, 5], kernel: [1, 3, 3], padding: [0, 1, 1] },
  { name: '1x1, many channels', batch: 2, inChannels: 70, outChannels: 8, groups: 1, input: [1, 10, 10], kernel: [1, 1, 1] },
  { name: '1x1 stride 2', batch: 2, inChannels: 5, outChannels: 70, groups: 1, input: [1, 9, 9], kernel: [1, 1, 1], stride: [1, 2, 2] },
  { name: 'stem-like 3x3 stride 2', batch: 2, inChannels: 3, outChannels: 16, groups: 1, input: [1, 20, 20], kernel: [1, 3, 3], stride: [1, 2, 2], padding: [0, 1, 1] },
  { name: 'tiles in every dim', batch: 2, inChannels: 8, outChannels: 70, groups: 1, input: [1, 9, 9], kernel: [1, 3, 3], padding: [0, 1, 1] },
  { name: 'many input channels, 3x3', batch: 2, inChannels: 66, outChannels: 5, groups: 1, input: [1, 9, 9], kernel: [1, 3, 3], padding: [0, 1, 1] },
  { name: 'stride 3, kernel 2x4, uneven', batch: 1, inChannels: 2, outChannels: 2, groups: 2, input: [1, 7, 11], kernel: [1, 2, 4], stride: [1, 3, 2], padding: [0, 1, 0] },
  { name: 'conv3d 3x1x1', batch: 2, inChannels: 2, outChannels: 3, groups: 1, input: [5, 4, 4], kernel: [3, 1, 1], padding: [1, 0, 0] },
  { name: 'conv3d 3x3x3 stride 2', batch: 2, inChannels: 3, outChannels: 4, groups: 1, input: [5, 6, 6], kernel: [3, 3, 3], stride: [1, 2, 2], padding: [1, 1, 1] },
];

function checkAllPasses(c: Case): void {

  const shape = shapeOf(c);
  const geo = shape.geometry;
  const xSize = c.batch * c.inChannels * volume(geo.input);
  const wSize = c.outChannels * geo.channels * volume(geo.kernel);
  const ySize = c.batch * c.outChannels * volume(geo.output);
  const x = random(xSize, 1), w = random(wSize, 2), gy = random(ySize, 3);

  const y = random(ySize, 4), yRef = new Float32Array(ySize);
  runOnDevice('convForward', { ...shape, x, w, y });
  runOnReference('convForward', { ...shape, x, w, y: yRef });
  expect(maxRelativeError(y, yRef), 'forward').toBeLessThan(TOLERANCE);

  const gx = random(xSize, 5), gxRef = new Float32Array(xSize);
  runOnDevice('convBackwardData', { ...shape, gy, w, gx });
  runOnReference('convBackwardData', { ...shape, gy, w, gx: gxRef });
  expect(maxRelativeError(gx, gxRef), 'backward data').toBeLessThan(TOLERANCE);

  const gw = random(wSize, 6), gwRef = new Float32Array(wSize);
  runOnDevice('convBackwardFilter', { ...shape, x, gy, gw });
  runOnReference('convBackwardFilter', { ...shape, x, gy, gw: gwRef });
  expect(maxRelativeError(gw, gwRef), 'backward filter').toBeLessThan(TOLERANCE);
}

describe.skipIf(!onWebGpu())('WGSL convolution kernels', () => {
  for (const c of CASES) {
    it(`forward, backward data and backward filter: ${c.name}`, () => checkAllPasses(c));
  }

  it('splits the samples over several launches when their columns exceed one dispatch', () => {
    const limit = convLaunchLimit.columns;
    // 81 output and input positions a sample: at most one sample (and then two) per launch.
    for (const columns of [100, 170]) {
      convLaunchLimit.columns = columns;
      try {
        checkAllPasses({ name: 'split', batch: 3, inChannels: 3, outChannels: 5, groups: 1, input: [1, 9, 9], kernel: [1, 3, 3], padding: [0, 1, 1] });
      } finally {
        convLaunchLimit.columns = limit;
      }
    }
  });
});
