/**
 * Runners for this project's backends: one per backend in the kernel registry that can run here, so a
 * backend that registers itself (src/tensor/backends) shows up in the benchmarks with no edit here.
 *
 * GEMM, the batched product, the conv training step and the bottleneck go through the public ops
 * (matmul, F.conv2d, backward, ...), as a user's code does; the SSA block is the model's own module
 * (ssan.SSA), and a training step builds the whole model (runners/train-step.ts). The three single
 * conv passes call the registry's kernels directly, because no public op runs one backward pass
 * alone; PyTorch's side uses aten.convolution_backward with an output mask for the same reason.
 */
import { F, Tensor, bmm, manualSeed, matmul, nn, ones, randn, registeredBackends, setBackend, ssan, zeros } from '../../src';
import { kernel } from '../../src/tensor/registry';
import type { Backend } from '../../src';
import type { ConvShape } from '../../src/tensor/kernels/conv';
import { BottleneckSpec, ConvSpec, SSASpec, Spec, convOutputSize } from '../spec';
import { prepareTrainStep } from './train-step';
import { Prepared, Runner } from './runner';

/**
 * Backends with a configurable thread pool export `setNumThreads(n)` from their module (the cpu
 * backend does). Returns whether this one did.
 */
function setThreadsIfSupported(backend: string, threads: number): boolean {
  let mod: { setNumThreads?: unknown };
  try {
    mod = require(`../../src/tensor/backends/${backend}`);
  } catch (e) {
    if ((e as { code?: string }).code === 'MODULE_NOT_FOUND') return false;
    throw e;
  }
  if (typeof mod.setNumThreads !== 'function') return false;
  (mod.setNumThreads as (n: number) => void)(threads);
  return true;
}

/** The kernels' description of a 2-D convolution: depth 1, no groups, no dilation. */
function convShape(s: ConvSpec): ConvShape {
  const outH = convOutputSize(s.height, s.kernel, s.stride, s.padding);
  const outW = convOutputSize(s.width, s.kernel, s.stride, s.padding);
  return {
    batch: s.batch,
    groups: 1,
    outChannels: s.outChannels,
    geometry: {
      channels: s.inChannels,
      input: [1, s.height, s.width],
      kernel: [1, s.kernel, s.kernel],
      stride: [1, s.stride, s.stride],
      padding: [0, s.padding, s.padding],
      dilation: [1, 1, 1],
      output: [1, outH, outW],
    },
  };
}

function prepareConv(s: ConvSpec): Prepared {
  const outH = convOutputSize(s.height, s.kernel, s.stride, s.padding);
  const outW = convOutputSize(s.width, s.kernel, s.stride, s.padding);
  const xShape = [s.batch, s.inChannels, s.height, s.width];
  const wShape = [s.outChannels, s.inChannels, s.kernel, s.kernel];
  const yShape = [s.batch, s.outChannels, outH, outW];
  const shape = convShape(s);
  // Kernels overwrite the arrays they are given, so one output array serves every call.
  switch (s.pass) {
    case 'forward': {
      const x = randn(xShape).data, w = randn(wShape).data, y = zeros(yShape).data;
      return { call: () => kernel('convForward', 'float32')({ ...shape, x, w, y }) };
    }
    case 'backwardData': {
      const gy = randn(yShape).data, w = randn(wShape).data, gx = zeros(xShape).data;
      return { call: () => kernel('convBackwardData', 'float32')({ ...shape, gy, w, gx }) };
    }
    case 'backwardFilter': {
      const x = randn(xShape).data, gy = randn(yShape).data, gw = zeros(wShape).data;
      return { call: () => kernel('convBackwardFilter', 'float32')({ ...shape, x, gy, gw }) };
    }
    case 'trainStep': {
      const x = randn(xShape, { requiresGrad: true });
      const w = randn(wShape, { requiresGrad: true });
      const gy = randn(yShape);
      return {
        call: () => {
          x.grad = null; // a fresh gradient each step, not a sum over calls
          w.grad = null;
          F.conv2d(x, w, null, { stride: s.stride, padding: s.padding }).backward(gy);
        },
      };
    }
  }
}

/** One BatchNorm's parameters and running statistics, as nn.BatchNorm2d holds them. */
function batchNormParams(channels: number) {
  return {
    weight: randn([channels], { requiresGrad: true }),
    bias: randn([channels], { requiresGrad: true }),
    runningMean: zeros([channels]),
    runningVar: ones([channels]),
  };
}

function prepareBottleneck(s: BottleneckSpec): Prepared {
  if (s.planes * 4 !== s.inPlanes) {
    throw new Error(`bench bottleneck: planes * 4 (${s.planes * 4}) must equal inPlanes (${s.inPlanes}) for the residual add`);
  }
  const x = randn([s.batch, s.inPlanes, s.height, s.width], { requiresGrad: true });
  const gy = randn([s.batch, s.inPlanes, s.height, s.width]);
  const conv1 = randn([s.planes, s.inPlanes, 1, 1], { requiresGrad: true });
  const conv2 = randn([s.planes, s.planes, 3, 3], { requiresGrad: true });
  const conv3 = randn([s.inPlanes, s.planes, 1, 1], { requiresGrad: true });
  const bn1 = batchNormParams(s.planes), bn2 = batchNormParams(s.planes), bn3 = batchNormParams(s.inPlanes);
  const leaves = [x, conv1, conv2, conv3, bn1.weight, bn1.bias, bn2.weight, bn2.bias, bn3.weight, bn3.bias];
  const bn = (h: Tensor, p: ReturnType<typeof batchNormParams>) =>
    F.batchNorm(h, p.runningMean, p.runningVar, p.weight, p.bias, { training: true });
  return {
    call: () => {
      for (const t of leaves) t.grad = null;
      const h1 = F.relu(bn(F.conv2d(x, conv1), bn1));
      const h2 = F.relu(bn(F.conv2d(h1, conv2, null, { padding: 1 }), bn2));
      const out = F.relu(bn(F.conv2d(h2, conv3), bn3).add(x));
      out.backward(gy);
    },
  };
}

function prepareSSA(s: SSASpec): Prepared {
  // The default flags, which flops.ts counts; a module is in training mode (batch-statistics BN) as built.
  const block = new ssan.SSA(s.channels, { numSegments: s.segments });
  // γ starts at 0, which would send only zeros back into the attention.
  if (block.bn.weight === null) throw new Error('bench ssa: the SSA block\'s output BatchNorm has no weight (affine off)');
  nn.init.normal_(block.bn.weight);
  const shape = [s.clips * s.segments, s.channels, s.height, s.width];
  const x = randn(shape, { requiresGrad: true });
  const gy = randn(shape);
  return {
    call: () => {
      x.grad = null; // fresh gradients each call, not a sum over calls
      block.zeroGrad();
      block.forward(x).backward(gy);
    },
  };
}

function prepare(spec: Spec): Prepared {
  manualSeed(0);
  switch (spec.kind) {
    case 'gemm': {
      const a = randn([spec.m, spec.k]), b = randn([spec.k, spec.n]);
      return { call: () => matmul(a, b) };
    }
    case 'bmm': {
      const a = randn([spec.batch, spec.m, spec.k]), b = randn([spec.batch, spec.k, spec.n]);
      return { call: () => bmm(a, b) };
    }
    case 'conv':
      return prepareConv(spec);
    case 'bottleneck':
      return prepareBottleneck(spec);
    case 'ssa':
      return prepareSSA(spec);
    case 'trainStep':
      return prepareTrainStep(spec);
  }
}

function runnerFor(backend: Backend, threads: number): Runner {
  // The reference is single-threaded by design; any other backend either takes the count or keeps its own.
  const threadsSet = backend.name === 'ts' || setThreadsIfSupported(backend.name, threads);
  return {
    name: backend.name,
    describe: () => backend.describe() + (threadsSet ? '' : ' (thread count not settable; its default)'),
    // Selected once for the whole suite, not per call, so the timing holds no registry work.
    start: async () => setBackend(backend.name),
    // A device backend queues work and returns: each timed call waits for its device to finish.
    prepare: (spec) => {
      const prepared = prepare(spec);
      if (!('call' in prepared) || !backend.synchronize) return prepared;
      const call = prepared.call;
      return { ...prepared, call: () => { call(); backend.synchronize!(); } };
    },
    finish: () => setBackend('auto'),
  };
}

/** Every registered backend, with whether it can run here (the output lists the unavailable ones too). */
export function ourBackends(): { backend: Backend; available: boolean }[] {
  return registeredBackends().map((backend) => ({ backend, available: backend.isAvailable() }));
}

/** A runner per available backend; those with a thread pool are set to `threads` now. */
export function ourRunners(threads: number): Runner[] {
  return ourBackends()
    .filter((b) => b.available)
    .map((b) => runnerFor(b.backend, threads));
}
