/**
 * The flop counts behind every GFLOP/s the benchmarks print (bench/flops.ts): the project's shapes
 * against hand-computed values, the convolution count against an independent enumeration of the
 * kernel windows, the SSA block's count against docs/model.md's figures and against nn.summary, and the
 * throughput arithmetic. Benchmarks measure; nothing here times anything.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bottleneckForwardMultiplyAdds, convMultiplyAdds, flopsOf, gflopsPerSecond, ssaForwardMultiplyAdds,
} from '../../bench/flops';
import { BenchCase } from '../../bench/case';
import { ConvSpec, SSASpec } from '../../bench/spec';
import { cases as gemmCases } from '../../bench/gemm';
import { cases as convCases } from '../../bench/conv';
import { cases as attentionCases } from '../../bench/attention';
import { cases as bottleneckCases } from '../../bench/bottleneck';
import { cases as ssaCases } from '../../bench/ssa';
import { cases as trainStepCases } from '../../bench/train-step';
import { nn, ssan } from '../../src';
import { RUNS } from '../helpers';

const allCases: BenchCase[] = [...gemmCases, ...convCases, ...attentionCases, ...bottleneckCases, ...ssaCases, ...trainStepCases];
const byId = (id: string) => {
  const c = allCases.find((x) => x.id === id);
  if (!c) throw new Error(`no bench case '${id}'`);
  return c;
};

/**
 * Multiply-adds of a direct convolution, counted the slow way: walk every window position whose
 * kernel fits in the padded input (not the output-size formula), and count one multiply-add per
 * (sample, output channel, position, input channel, tap).
 */
function countedMultiplyAdds(s: Omit<ConvSpec, 'kind' | 'pass'>): number {
  const positions = (size: number) => {
    let n = 0;
    for (let start = 0; start + s.kernel <= size + 2 * s.padding; start += s.stride) n++;
    return n;
  };
  let count = 0;
  const perWindow = s.inChannels * s.kernel * s.kernel;
  for (let n = 0; n < s.batch; n++) {
    for (let o = 0; o < s.outChannels; o++) count += positions(s.height) * positions(s.width) * perWindow;
  }
  return count;
}

describe('bench/flops: the project shapes, by hand', () => {
  it('GEMM 6272x128x1152: 2 * 6272 * 128 * 1152', () => {
    // 6272 * 128 = 802,816; * 1152 = 924,844,032 multiply-adds.
    expect(flopsOf(byId('gemm').spec)).toBe(1_849_688_064);
  });

  it('conv 3x3 [8,128,28,28] 128->128 pad 1: each pass is the GEMM above, the training step three of them', () => {
    // Output 28x28; 8 * 128 * 784 outputs * 128 * 9 taps = 924,844,032 multiply-adds, the im2col GEMM.
    expect(flopsOf(byId('conv-forward').spec)).toBe(1_849_688_064);
    expect(flopsOf(byId('conv-backward-data').spec)).toBe(1_849_688_064);
    expect(flopsOf(byId('conv-backward-filter').spec)).toBe(1_849_688_064);
    expect(flopsOf(byId('conv-train-step').spec)).toBe(5_549_064_192);
  });

  it('attention [64,784,64]x[64,64,784]: 2 * 64 * 784 * 784 * 64', () => {
    // 784² = 614,656; * 64 * 64 = 2,517,630,976 multiply-adds.
    expect(flopsOf(byId('attention').spec)).toBe(5_035_261_952);
  });

  it('bottleneck [8,256,28,28], planes 64: three convolutions, forward and both backwards', () => {
    const spec = byId('bottleneck').spec;
    if (spec.kind !== 'bottleneck') throw new Error('the bottleneck case has the wrong kind');
    // Per position: 256*64 (1x1) + 64*64*9 (3x3) + 64*256 (1x1) = 16,384 + 36,864 + 16,384 = 69,632;
    // 8 * 28 * 28 = 6,272 positions -> 436,731,904 multiply-adds forward.
    expect(bottleneckForwardMultiplyAdds(spec)).toBe(436_731_904);
    expect(flopsOf(spec)).toBe(2 * 436_731_904 * 3);
  });

  it('small convolutions worked by hand: stride 2 with padding, and no padding', () => {
    // [1,3,5,5] 3x3 stride 2 pad 1, 3->2: output floor((5 + 2 - 3) / 2) + 1 = 3, so 3x3 positions;
    // 2 channels * 9 positions * 3 * 9 taps = 486 multiply-adds.
    const strided = { batch: 1, inChannels: 3, outChannels: 2, height: 5, width: 5, kernel: 3, stride: 2, padding: 1 };
    expect(flopsOf({ kind: 'conv', pass: 'forward', ...strided })).toBe(972);
    // [2,4,6,6] 3x3 4->5, no padding: output 4x4; 2 * 5 * 16 * 4 * 9 = 5,760 multiply-adds.
    const valid = { batch: 2, inChannels: 4, outChannels: 5, height: 6, width: 6, kernel: 3, stride: 1, padding: 0 };
    expect(flopsOf({ kind: 'conv', pass: 'backwardFilter', ...valid })).toBe(11_520);
    expect(flopsOf({ kind: 'conv', pass: 'trainStep', ...valid })).toBe(34_560);
  });

  it('every proxy shape is smaller than the shape it stands for', () => {
    for (const c of allCases) {
      if (!c.proxy) continue;
      expect(c.proxy.spec.kind, c.id).toBe(c.spec.kind);
      expect(flopsOf(c.proxy.spec), c.id).toBeLessThan(flopsOf(c.spec));
    }
  });

  it('case ids are unique (they select cases and key the results)', () => {
    expect(new Set(allCases.map((c) => c.id)).size).toBe(allCases.length);
  });
});

describe('bench/flops: convolution count against an enumeration of the windows', () => {
  it('matches on random shapes, strides and paddings', () => {
    const shape = fc
      .record({
        batch: fc.integer({ min: 1, max: 3 }),
        inChannels: fc.integer({ min: 1, max: 5 }),
        outChannels: fc.integer({ min: 1, max: 5 }),
        height: fc.integer({ min: 1, max: 12 }),
        width: fc.integer({ min: 1, max: 12 }),
        kernel: fc.integer({ min: 1, max: 5 }),
        stride: fc.integer({ min: 1, max: 3 }),
        padding: fc.integer({ min: 0, max: 2 }),
      })
      // The kernel must fit in the padded input at least once, as PyTorch requires.
      .filter((s) => s.kernel <= Math.min(s.height, s.width) + 2 * s.padding);
    fc.assert(
      fc.property(shape, (s) => {
        expect(convMultiplyAdds(s)).toBe(countedMultiplyAdds(s));
        expect(flopsOf({ kind: 'conv', pass: 'forward', ...s })).toBe(2 * countedMultiplyAdds(s));
      }),
      { numRuns: RUNS },
    );
  });
});

/** The multiply-adds nn.summary counts for one forward of the SSA block the benchmark builds. */
function summaryMacs(s: SSASpec): number {
  const block = new ssan.SSA(s.channels, { numSegments: s.segments });
  return nn.summary(block, [s.clips * s.segments, s.channels, s.height, s.width]).totalMacs;
}

describe('bench/flops: the SSA block', () => {
  /** Millions of multiply-adds per frame, rounded to one decimal as docs/model.md prints them. */
  const perFrameMillions = (channels: number, size: number) => {
    const spec: SSASpec = { kind: 'ssa', clips: 1, segments: 8, channels, height: size, width: size };
    return Math.round(ssaForwardMultiplyAdds(spec) / spec.segments / 1e5) / 10;
  };

  it("matches docs/model.md's per-module costs at T = 8", () => {
    // 128 at 28²: 19,267,584 qkv + 78,675,968 position + 6,422,528 channel + 19,267,584 temporal conv
    // + 802,816 temporal attention + 6,422,528 W_z = 130,859,008 per frame.
    expect(perFrameMillions(128, 28)).toBe(130.9);
    expect(perFrameMillions(256, 14)).toBe(61.6);
    expect(perFrameMillions(256, 28)).toBe(364.5);
    // The formulas give 1,467,547,648 here; docs/model.md prints 1,467.6, a rounding of 1,467.55.
    expect(Math.abs(perFrameMillions(128, 56) - 1467.6)).toBeLessThanOrEqual(0.1 + 1e-9);
  });

  it('counts a call as the forward and a backward twice as costly, as the bottleneck does', () => {
    const spec: SSASpec = { kind: 'ssa', clips: 2, segments: 8, channels: 128, height: 28, width: 28 };
    expect(ssaForwardMultiplyAdds(spec)).toBe(16 * 130_859_008);
    expect(flopsOf(spec)).toBe(2 * 16 * 130_859_008 * 3);
  });

  it("equals nn.summary's total for the benchmark's own cases", () => {
    for (const c of ssaCases) {
      if (c.spec.kind !== 'ssa') throw new Error(`bench case ${c.id} has the wrong kind`);
      expect(ssaForwardMultiplyAdds(c.spec), c.id).toBe(summaryMacs(c.spec));
    }
  });

  it("equals nn.summary's total on random small shapes", () => {
    const spec = fc.record({
      kind: fc.constant('ssa' as const),
      clips: fc.integer({ min: 1, max: 2 }),
      segments: fc.integer({ min: 1, max: 4 }),
      channels: fc.integer({ min: 1, max: 6 }).map((half) => 2 * half),
      height: fc.integer({ min: 1, max: 5 }),
      width: fc.integer({ min: 1, max: 5 }),
    });
    fc.assert(
      fc.property(spec, (s) => {
        expect(ssaForwardMultiplyAdds(s)).toBe(summaryMacs(s));
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects channels the reduction does not divide', () => {
    const odd: SSASpec = { kind: 'ssa', clips: 1, segments: 8, channels: 127, height: 28, width: 28 };
    expect(() => ssaForwardMultiplyAdds(odd)).toThrow(/bench ssa: channels \(127\) must be divisible by the reduction 2/);
  });
});

describe('bench/flops: throughput', () => {
  it('divides flops by seconds per call, in units of 1e9', () => {
    // The GEMM above in 50 ms: 1,849,688,064 / 0.05 / 1e9 = 36.99376128 GFLOP/s.
    expect(gflopsPerSecond(1_849_688_064, 0.05)).toBeCloseTo(36.99376128, 10);
    expect(gflopsPerSecond(2e9, 2)).toBe(1);
  });

  it('rejects a time that is not a positive number', () => {
    for (const bad of [0, -1, Number.NaN]) {
      expect(() => gflopsPerSecond(1e9, bad)).toThrow(/gflopsPerSecond: the time per call must be a positive/);
    }
  });
});
