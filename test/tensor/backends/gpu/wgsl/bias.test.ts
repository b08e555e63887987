import { describe, expect, it } from 'vitest';
import { maxRelativeError, onWebGpu, random, runOnDevice, runOnReference } from './harness';

// [n, c, volume]: conv-like, linear-like (volume 1), one channel, one sample, more values per channel
// than a workgroup's 256 threads, more channels than one workgroup of the flat grid, and no samples.
// The backward sums with a workgroup per channel above 64 values a channel, a thread per channel below.
const SHAPES: [number, number, number][] = [[2, 3, 25], [7, 13, 1], [1, 1, 1], [3, 1, 700], [1, 5, 300], [4, 70, 3], [1, 100, 65], [0, 4, 5]];

describe.skipIf(!onWebGpu())('WGSL channel bias', () => {
  it('channelBias adds each channel its bias in place, exactly', () => {
    SHAPES.forEach(([n, c, volume], k) => {
      const out = random(n * c * volume, 1 + k), bias = random(c, 20 + k);
      const onDevice = { out: out.slice(), bias, n, c, volume }, reference = { out: out.slice(), bias, n, c, volume };
      runOnDevice('channelBias', onDevice);
      runOnReference('channelBias', reference);
      expect(onDevice.out, `${n} ${c} ${volume}`).toEqual(reference.out);
    });
  });

  it('channelBiasBackward sums each channel over samples and volume', () => {
    SHAPES.forEach(([n, c, volume], k) => {
      const g = random(n * c * volume, 40 + k);
      const onDevice = { g, gb: new Float32Array(c).fill(7), n, c, volume }, reference = { g, gb: new Float32Array(c), n, c, volume };
      runOnDevice('channelBiasBackward', onDevice);
      runOnReference('channelBiasBackward', reference);
      expect(maxRelativeError(onDevice.gb, reference.gb), `${n} ${c} ${volume}`).toBeLessThan(1e-5);
    });
  });

});
