/**
 * The work each benchmark does, in floating-point operations, counted in one place so every GFLOP/s
 * the benchmarks print comes from the same formulas (test/bench/flops.test.ts checks them).
 *
 * Convention: a multiply-add is 2 flops, and only the products count (the additions of bias,
 * the BatchNorm, ReLU and residual arithmetic are memory-bound and left out, as the usual GFLOP/s
 * figures for GEMM and convolution do). A convolution counts every kernel tap, those that land in the
 * zero padding included: that is the work of the im2col GEMM every library runs.
 */
import { BottleneckSpec, ConvSpec, SSASpec, Spec, TrainStepSpec, convOutputSize } from './spec';

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
 * Multiply-adds of one SSA block, forward only (docs/model.md#parameters-and-multiply-adds), with C' = C / 2
 * embedding channels, P = height * width positions and T = segments frames per clip. Per frame:
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

/** Blocks per stage of torchvision's ResNets, and whether they are bottlenecks (expansion 4). */
const RESNET_STAGES: Record<TrainStepSpec['depth'], { blocks: readonly number[]; bottleneck: boolean }> = {
  18: { blocks: [2, 2, 2, 2], bottleneck: false },
  34: { blocks: [3, 4, 6, 3], bottleneck: false },
  50: { blocks: [3, 4, 6, 3], bottleneck: true },
  101: { blocks: [3, 4, 23, 3], bottleneck: true },
};

/**
 * Where createModel puts SSA when no placement is given: the A_odd blocks (layer2 {1, 3}, layer3
 * {1, 3, 5}) that the ResNet has, by stage index (0 = layer1).
 */
const A_ODD: readonly (readonly number[])[] = [[], [1, 3], [1, 3, 5], []];

/**
 * The multiply-adds of one forward of a training step's model, and those of its stem convolution
 * (whose input, the images, needs no gradient, so no runner computes its backward-data pass).
 * torchvision's layout: 7x7 stride-2 stem, 3x3 stride-2 max-pool, four stages whose first block
 * strides (in conv2 of a bottleneck, conv1 of a basic block) and downsamples the residual with a 1x1
 * conv when the shape changes; the fc per image ('resnet') or per frame (the TSN's fc, before the
 * average over the frames). SSA blocks ('ssan') sit after conv1 of their block, at its width and its
 * input's resolution, and count as ssaForwardMultiplyAdds does.
 */
export function trainStepForwardMultiplyAdds(spec: TrainStepSpec): { total: number; stem: number } {
  const { blocks, bottleneck } = RESNET_STAGES[spec.depth];
  const images = spec.clips * spec.segments;
  const conv = (inC: number, outC: number, size: number, kernel: number, stride: number, padding: number) => {
    const out = convOutputSize(size, kernel, stride, padding);
    return { macs: images * outC * out * out * inC * kernel * kernel, out };
  };
  const stem = conv(3, spec.width, spec.size, 7, 2, 3);
  let total = stem.macs;
  let size = convOutputSize(stem.out, 3, 2, 1); // the max-pool
  let inPlanes = spec.width;
  const expansion = bottleneck ? 4 : 1;
  blocks.forEach((count, stageIndex) => {
    const planes = spec.width << stageIndex;
    for (let b = 0; b < count; b++) {
      const stride = b === 0 && stageIndex > 0 ? 2 : 1;
      const outPlanes = planes * expansion;
      if (spec.arch === 'ssan' && A_ODD[stageIndex].includes(b)) {
        total += ssaForwardMultiplyAdds({
          kind: 'ssa', clips: spec.clips, segments: spec.segments, channels: planes, height: size, width: size,
        });
      }
      let out: number;
      if (bottleneck) {
        total += conv(inPlanes, planes, size, 1, 1, 0).macs;
        const c2 = conv(planes, planes, size, 3, stride, 1);
        out = c2.out;
        total += c2.macs + conv(planes, outPlanes, out, 1, 1, 0).macs;
      } else {
        const c1 = conv(inPlanes, planes, size, 3, stride, 1);
        out = c1.out;
        total += c1.macs + conv(planes, planes, out, 3, 1, 1).macs;
      }
      if (stride !== 1 || inPlanes !== outPlanes) total += conv(inPlanes, outPlanes, size, 1, stride, 0).macs;
      inPlanes = outPlanes;
      size = out;
    }
  });
  total += images * inPlanes * spec.numClasses; // the fc on the pooled features
  return { total, stem: stem.macs };
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
    case 'trainStep': {
      // The same convention for a whole model, less the one pass nobody computes: the gradient with
      // respect to the images. The SGD update and the memory-bound ops are not counted.
      const { total, stem } = trainStepForwardMultiplyAdds(spec);
      return 2 * (3 * total - stem);
    }
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

