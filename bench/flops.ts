/**
 * The work each benchmark does, in floating-point operations, counted in one place so every GFLOP/s
 * the benchmarks print comes from the same formulas (test/bench/flops.test.ts checks them).
 *
 * Convention: a multiply-add is 2 flops, and only the products count (the additions of bias,
 * the BatchNorm, ReLU and residual arithmetic are memory-bound and left out, as the usual GFLOP/s
 * figures for GEMM and convolution do). A convolution counts every kernel tap, those that land in the
 * zero padding included: that is the work of the im2col GEMM every library runs.
 */
import { BottleneckSpec, ConvSpec, SSASpec, Spec, convOutputSize } from './spec';

/** Multiply-adds of one pass of a convolution: each output value takes inChannels * kernel² of them. */
export function convMultiplyAdds(spec: Omit<ConvSpec, 'kind' | 'pass'>): number {
  const outH = convOutputSize(spec.height, spec.kernel, spec.stride, spec.padding);
  const outW = convOutputSize(spec.width, spec.kernel, spec.stride, spec.padding);
  const outputs = spec.batch * spec.outChannels * outH * outW;
  return outputs * spec.inChannels * spec.kernel * spec.kernel;
}

/**
 * Each backward pass of a convolution is a GEMM of the forward's size with two operands swapped
 * (backward-data: Wᵀ·dY, backward-filter: dY·Xᵀ), so each costs what the forward does.
 */
const PASSES_PER_CONV = { forward: 1, backwardData: 1, backwardFilter: 1, trainStep: 3 } as const;

/** Multiply-adds of the bottleneck's three convolutions, forward only (all have stride 1). */
export function bottleneckForwardMultiplyAdds(spec: BottleneckSpec): number {
  const positions = spec.batch * spec.height * spec.width;
  const reduce = spec.inPlanes * spec.planes; // 1x1, inPlanes -> planes
  const spatial = spec.planes * spec.planes * 9; // 3x3, planes -> planes
  const expand = spec.planes * spec.inPlanes; // 1x1, planes -> planes * 4 = inPlanes
  return positions * (reduce + spatial + expand);
}

/** The SSA block's embedding width is C' = C / SSA_REDUCTION (its default, which every runner builds). */
export const SSA_REDUCTION = 2;

/**
 * Multiply-adds of one SSA block, forward only (ssan-spec §6.2), with C' = C / 2 embedding channels,
 * P = height * width positions and T = segments frames per clip. Per frame:
 *   query, key, value (1x1 convs C -> C')        3·C·C'·P
 *   position branch (q·kᵀ [P,P], then A_S·v)     2·P²·C'
 *   channel branch (q·kᵀ [C',C'], then A_C·v)    2·C'²·P
 *   temporal query/key conv (3x1x1, C' -> 2C')   6·C'²·P   (every tap, the zero-padded ones included)
 *   temporal attention (per clip 2·T²·C'·P)      2·T·C'·P
 *   W_z (1x1 conv C' -> C)                        C'·C·P
 * The softmaxes, the BatchNorm and the residual add are left out, as everywhere here.
 */
export function ssaForwardMultiplyAdds(spec: SSASpec): number {
  if (spec.channels % SSA_REDUCTION !== 0) {
    throw new Error(`bench ssa: channels (${spec.channels}) must be divisible by the reduction ${SSA_REDUCTION}`);
  }
  const c = spec.channels;
  const inner = c / SSA_REDUCTION;
  const p = spec.height * spec.width;
  const perFrame =
    3 * c * inner * p +
    2 * p * p * inner +
    2 * inner * inner * p +
    6 * inner * inner * p +
    2 * spec.segments * inner * p +
    inner * c * p;
  return spec.clips * spec.segments * perFrame;
}

/** Floating-point operations of one call of the benchmark described by `spec`. */
export function flopsOf(spec: Spec): number {
  switch (spec.kind) {
    case 'gemm':
      return 2 * spec.m * spec.n * spec.k;
    case 'bmm':
      return 2 * spec.batch * spec.m * spec.n * spec.k;
    case 'conv':
      return 2 * convMultiplyAdds(spec) * PASSES_PER_CONV[spec.pass];
    case 'bottleneck':
      // Forward, then for every convolution both backward passes (the block's input needs its
      // gradient too, as it does inside a network), each as costly as the forward.
      return 2 * bottleneckForwardMultiplyAdds(spec) * 3;
    case 'ssa':
      // The bottleneck's convention: forward, then a backward twice as costly, since every product
      // (each conv, and each batched product of the attention) has two operands that need a gradient
      // (the block's input included), each gradient a product of the forward's size.
      return 2 * ssaForwardMultiplyAdds(spec) * 3;
  }
}

/**
 * Throughput from the time of one call. Pass the median seconds per call: benny's ops/s is
 * 1 / mean, which one slow sample (a GC pause, another process) drags down.
 */
export function gflopsPerSecond(flops: number, secondsPerCall: number): number {
  if (!(secondsPerCall > 0)) {
    throw new Error(`gflopsPerSecond: the time per call must be a positive number of seconds; got ${secondsPerCall}`);
  }
  return flops / secondsPerCall / 1e9;
}

