/**
 * The kernel registry. An op validates its arguments, then asks `kernel(name, dtype)` for the
 * implementation of the active backend and calls it; every kernel's TypeScript reference lives in
 * ./kernels/ and is listed in KernelTable and KERNEL_GRADIENTS below. Three backends exist:
 *
 * - `ts`: plain TypeScript, the readable reference and the ground truth for every kernel, and the
 *   only one that runs float64 (gradient checks) and int32.
 * - `cpu`: SIMD WebAssembly on a pool of worker threads (src/tensor/backends/cpu).
 * - `gpu`: WGSL compute shaders on a WebGPU device, arrays kept on the device between kernels
 *   (src/tensor/backends/gpu, src/tensor/residency.ts); gpu.js where there is no WebGPU.
 *
 * A backend that lacks a kernel, or does not take the dtype, falls back to `ts` (its arrays brought
 * back from a device first); a missing kernel is noted once on stderr so a slow path is never silent.
 */
import type { DType } from './dtype';
import { GemmArgs, BatchedGemmArgs, gemm, batchedGemm } from './kernels/gemm';
import {
  ConvForwardArgs, ConvBackwardDataArgs, ConvBackwardFilterArgs, convForward, convBackwardData, convBackwardFilter,
} from './kernels/conv';
// The built-in backends are listed here rather than registering themselves as they load, so every op
// sees them whichever module a program imports first. Loading them is cheap: neither compiles a kernel,
// starts a thread or loads gpu.js before its first use.
import { BinaryArgs, binary } from './kernels/binary';
import { AddIntoArgs, ReluArgs, ReluBackwardArgs, addInto, relu, reluBackward } from './kernels/elementwise';
import { AdamUpdateArgs, SgdUpdateArgs, adamUpdate, sgdUpdate } from './kernels/optimizer';
import {
  BatchNormBackwardArgs, BatchNormForwardArgs, BatchNormParamGradsArgs, BatchNormRunningStatsArgs,
  batchNormBackward, batchNormForward, batchNormParamGrads, batchNormRunningStats,
} from './kernels/batchnorm';
import { AddReluArgs, addRelu } from './kernels/residual';
import {
  AvgPool2dArgs, AvgPool2dBackwardArgs, MaxPool2dArgs, MaxPool2dBackwardArgs,
  avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward,
} from './kernels/pooling';
import {
  ClampArgs, ClampBackwardArgs, UnaryArgs, UnaryBackwardArgs, clamp, clampBackward, unary, unaryBackward,
} from './kernels/unary';
import { ArgReduceArgs, ReduceArgs, ReduceBackwardArgs, argReduce, reduce, reduceBackward } from './kernels/reduce';
import { SoftmaxArgs, SoftmaxBackwardArgs, softmax, softmaxBackward } from './kernels/softmax';
import { StridedCopyArgs, stridedCopy } from './kernels/strided';
import { RegionCopy, copyRegion } from './kernels/region';
import { ChannelBiasArgs, ChannelBiasBackwardArgs, channelBias, channelBiasBackward } from './kernels/bias';
import { CrossEntropyArgs, CrossEntropyBackwardArgs, crossEntropy, crossEntropyBackward } from './kernels/loss';
import { EmbeddingArgs, EmbeddingBackwardArgs, embedding, embeddingBackward } from './kernels/embedding';
import { GruCellArgs, GruCellBackwardArgs, gruCell, gruCellBackward } from './kernels/gru';
import { anyDeviceCopies, hostArguments } from './residency';
import { cpuBackend } from './backends/cpu';
import { gpuBackend } from './backends/gpu';

/** Every kernel a backend may provide, with its signature. Kernels write into the arrays they are given. */
export interface KernelTable {
  gemm(args: GemmArgs): void;
  batchedGemm(args: BatchedGemmArgs): void;
  convForward(args: ConvForwardArgs): void;
  convBackwardData(args: ConvBackwardDataArgs): void;
  convBackwardFilter(args: ConvBackwardFilterArgs): void;
  binary(args: BinaryArgs): void;
  relu(args: ReluArgs): void;
  reluBackward(args: ReluBackwardArgs): void;
  addInto(args: AddIntoArgs): void;
  sgdUpdate(args: SgdUpdateArgs): void;
  adamUpdate(args: AdamUpdateArgs): void;
  batchNormForward(args: BatchNormForwardArgs): void;
  batchNormBackward(args: BatchNormBackwardArgs): void;
  batchNormRunningStats(args: BatchNormRunningStatsArgs): void;
  batchNormParamGrads(args: BatchNormParamGradsArgs): void;
  addRelu(args: AddReluArgs): void;
  maxPool2d(args: MaxPool2dArgs): void;
  maxPool2dBackward(args: MaxPool2dBackwardArgs): void;
  avgPool2d(args: AvgPool2dArgs): void;
  avgPool2dBackward(args: AvgPool2dBackwardArgs): void;
  unary(args: UnaryArgs): void;
  unaryBackward(args: UnaryBackwardArgs): void;
  clamp(args: ClampArgs): void;
  clampBackward(args: ClampBackwardArgs): void;
  reduce(args: ReduceArgs): void;
  reduceBackward(args: ReduceBackwardArgs): void;
  argReduce(args: ArgReduceArgs): void;
  softmax(args: SoftmaxArgs): void;
  softmaxBackward(args: SoftmaxBackwardArgs): void;
  stridedCopy(args: StridedCopyArgs): void;
  copyRegion(args: RegionCopy): void;
  channelBias(args: ChannelBiasArgs): void;
  channelBiasBackward(args: ChannelBiasBackwardArgs): void;
  crossEntropy(args: CrossEntropyArgs): void;
  crossEntropyBackward(args: CrossEntropyBackwardArgs): void;
  embedding(args: EmbeddingArgs): void;
  embeddingBackward(args: EmbeddingBackwardArgs): void;
  gruCell(args: GruCellArgs): void;
  gruCellBackward(args: GruCellBackwardArgs): void;
}

export type KernelName = keyof KernelTable;

/**
 * For each kernel, the kernels its op's backward pass runs (empty for a kernel that is itself a
 * gradient). A test checks that every kernel is listed here and that a backend implementing a forward
 * kernel also implements its gradient kernels, so no op is fast forward and slow backward.
 */
export const KERNEL_GRADIENTS: Record<KernelName, { op: string; backward: KernelName[] | 'is-gradient' }> = {
  gemm: { op: 'matmul, linear', backward: ['gemm'] },
  batchedGemm: { op: 'matmul, bmm (batched)', backward: ['batchedGemm'] },
  convForward: { op: 'conv2d, conv3d', backward: ['convBackwardData', 'convBackwardFilter'] },
  convBackwardData: { op: 'conv2d, conv3d (input gradient)', backward: 'is-gradient' },
  convBackwardFilter: { op: 'conv2d, conv3d (weight gradient)', backward: 'is-gradient' },
  binary: { op: 'add, sub, mul, div, pow (broadcasting)', backward: ['binary'] },
  relu: { op: 'relu', backward: ['reluBackward'] },
  reluBackward: { op: 'relu (input gradient)', backward: 'is-gradient' },
  addInto: { op: 'backward (gradient accumulation)', backward: 'is-gradient' },
  // Optimizer steps are not differentiated: no backward pass runs them.
  sgdUpdate: { op: 'optim.SGD step', backward: [] },
  adamUpdate: { op: 'optim.Adam, optim.AdamW step', backward: [] },
  batchNormForward: { op: 'batchNorm (with or without a fused ReLU)', backward: ['batchNormBackward'] },
  batchNormBackward: { op: 'batchNorm (input, weight and bias gradients)', backward: 'is-gradient' },
  // A side effect of the training forward on buffers, which no backward pass differentiates.
  batchNormRunningStats: { op: 'batchNorm (running statistics update, training)', backward: [] },
  batchNormParamGrads: { op: 'batchNorm (weight and bias gradients from the backward sums)', backward: 'is-gradient' },
  // Its gradient is ReLU's, masked by the output, for both operands.
  addRelu: { op: 'addRelu (residual add + ReLU)', backward: ['reluBackward'] },
  maxPool2d: { op: 'maxPool2d', backward: ['maxPool2dBackward'] },
  maxPool2dBackward: { op: 'maxPool2d (input gradient)', backward: 'is-gradient' },
  avgPool2d: { op: 'avgPool2d, adaptiveAvgPool2d', backward: ['avgPool2dBackward'] },
  avgPool2dBackward: { op: 'avgPool2d, adaptiveAvgPool2d (input gradient)', backward: 'is-gradient' },
  unary: { op: 'neg, exp, log, sqrt, abs, sigmoid, tanh', backward: ['unaryBackward'] },
  unaryBackward: { op: 'neg, exp, log, sqrt, abs, sigmoid, tanh (input gradient)', backward: 'is-gradient' },
  clamp: { op: 'clamp', backward: ['clampBackward'] },
  clampBackward: { op: 'clamp (input gradient)', backward: 'is-gradient' },
  reduce: { op: 'sum, max, min (and mean, var); undoing broadcasting in backward', backward: ['reduceBackward'] },
  reduceBackward: { op: 'sum, max, min (input gradient)', backward: 'is-gradient' },
  // Indices are not differentiated.
  argReduce: { op: 'argmax, argmin', backward: [] },
  softmax: { op: 'softmax, logSoftmax, crossEntropy', backward: ['softmaxBackward'] },
  softmaxBackward: { op: 'softmax, logSoftmax (input gradient)', backward: 'is-gradient' },
  // permute's gradient is the inverse permute; expand's is a sum over the expanded dims.
  stridedCopy: { op: 'permute, transpose, expand; matmul batch broadcasting', backward: ['stridedCopy', 'reduce'] },
  copyRegion: { op: 'slice, cat, pad (and their gradients)', backward: ['copyRegion'] },
  // The bias's gradient is the per-channel sum: channelBiasBackward for conv; linear's stays a reduce over
  // rows, which adds in the gradient's dtype (channelBiasBackward's JS-number sum would round differently).
  channelBias: { op: 'conv2d, conv3d, linear (bias)', backward: ['channelBiasBackward', 'reduce'] },
  channelBiasBackward: { op: 'conv2d, conv3d (bias gradient)', backward: 'is-gradient' },
  // The forward reads softmax's log output; the backward gives the logits' gradient directly.
  crossEntropy: { op: 'crossEntropy', backward: ['crossEntropyBackward'] },
  crossEntropyBackward: { op: 'crossEntropy (logits gradient)', backward: 'is-gradient' },
  embedding: { op: 'embedding', backward: ['embeddingBackward'] },
  embeddingBackward: { op: 'embedding (weight gradient)', backward: 'is-gradient' },
  // The step's backward also runs gemm (dgh W_hh), listed under gemm's own op.
  gruCell: { op: 'nn.GRU (one step of the recurrence)', backward: ['gruCellBackward'] },
  gruCellBackward: { op: 'nn.GRU (one step back through time)', backward: 'is-gradient' },
};

/**
 * The kernels the `cpu` backend leaves to the TypeScript reference by design (tight loops already, or
 * cheaper than a copy into WebAssembly): a backend without them runs them on `ts` as a matter of
 * course, so that fallback is not noted. (The `gpu` backend has them all in WGSL.)
 */
const QUIET_FALLBACKS: ReadonlySet<KernelName> = new Set<KernelName>([
  'unary', 'unaryBackward', 'clamp', 'clampBackward', 'reduce', 'reduceBackward', 'argReduce',
  'softmax', 'softmaxBackward', 'stridedCopy', 'copyRegion',
  'batchNormRunningStats', 'batchNormParamGrads', 'avgPool2d', 'avgPool2dBackward',
  'channelBias', 'channelBiasBackward', 'crossEntropy', 'crossEntropyBackward',
  'embedding', 'embeddingBackward', 'gruCell', 'gruCellBackward',
]);

export type BackendName = 'ts' | 'cpu' | 'gpu';

export interface Backend {
  readonly name: BackendName;
  /** One line for logs: what the backend runs on (e.g. 'WebAssembly SIMD, 2 threads'). */
  describe(): string;
  /** Whether it can run here; asked once, when it is first chosen. */
  isAvailable(): boolean;
  /** Whether `setBackend('auto')` should prefer it over the ones after it (a real GPU: yes; gpu.js on the CPU: no). */
  preferredWhenAvailable(): boolean;
  /** The dtypes its kernels take; other dtypes run on `ts`. */
  readonly dtypes: readonly DType[];
  /**
   * Its kernels keep their arrays' values on a device (residency.ts). Every other backend's kernels get
   * host arrays: the registry brings values back before they run.
   */
  readonly keepsDataOnDevice?: boolean;
  /** Waits until the work it has queued on its device is done (torch.cuda.synchronize); for timing. */
  synchronize?(): void;
  readonly kernels: Partial<KernelTable>;
}

/** The reference backend is part of the registry itself, so any op works whatever was imported. */
const reference: Backend = {
  name: 'ts',
  describe: () => 'plain TypeScript, one thread',
  isAvailable: () => true,
  preferredWhenAvailable: () => false,
  dtypes: ['float32', 'float64', 'int32'],
  kernels: {
    gemm, batchedGemm, convForward, convBackwardData, convBackwardFilter,
    binary, relu, reluBackward, addInto, sgdUpdate, adamUpdate,
    batchNormForward, batchNormBackward, addRelu, maxPool2d, maxPool2dBackward,
    unary, unaryBackward, clamp, clampBackward, reduce, reduceBackward, argReduce, softmax, softmaxBackward,
    stridedCopy, copyRegion, batchNormRunningStats, batchNormParamGrads, avgPool2d, avgPool2dBackward,
    channelBias, channelBiasBackward, crossEntropy, crossEntropyBackward, embedding, embeddingBackward,
    gruCell, gruCellBackward,
  },
};

const backends = new Map<BackendName, Backend>([['ts', reference], ['cpu', cpuBackend], ['gpu', gpuBackend]]);
let active: Backend | null = null;
let requested: BackendName | 'auto' = 'auto';
const notedFallbacks = new Set<string>();

/** Adds or replaces a backend (the built-in `cpu` and `gpu` are registered already). The last registration of a name wins. */
export function registerBackend(backend: Backend): void {
  if (backend.name === 'ts') throw new Error("registerBackend: 'ts' is the built-in reference and cannot be replaced");
  backends.set(backend.name, backend);
  if (requested === 'auto') active = null; // re-choose with the newcomer in view
}

export function registeredBackends(): Backend[] {
  return [...backends.values()];
}

/** The order `auto` tries: a preferred backend first (a real GPU), then cpu, then ts. */
const AUTO_ORDER: BackendName[] = ['gpu', 'cpu', 'ts'];

function chooseAuto(): Backend {
  const candidates = AUTO_ORDER.map((n) => backends.get(n)).filter((b): b is Backend => b !== undefined);
  const preferred = candidates.find((b) => b.preferredWhenAvailable() && b.isAvailable());
  if (preferred) return preferred;
  const usable = candidates.find((b) => b.name !== 'gpu' && b.isAvailable());
  return usable ?? reference;
}

/**
 * Chooses the backend that runs kernels from now on. `auto` (the default) takes a GPU when gpu.js finds
 * one, else the SIMD WebAssembly cpu backend, else plain TypeScript.
 */
export function setBackend(name: BackendName | 'auto'): void {
  if (name === 'auto') {
    requested = 'auto';
    active = null;
    return;
  }
  const backend = backends.get(name);
  if (!backend) {
    const known = [...backends.keys()].join(', ');
    throw new Error(`setBackend: unknown backend '${name}'; registered backends: ${known}, or 'auto'`);
  }
  if (!backend.isAvailable()) {
    throw new Error(`setBackend: backend '${name}' is not available on this machine (${backend.describe()})`);
  }
  requested = name;
  active = backend;
}

/** The backend now running kernels (resolving `auto` on first use). */
export function getBackend(): Backend {
  if (!active) active = chooseAuto();
  return active;
}

/** Runs `fn` with `name` as the active backend, then restores the previous choice (for tests and benchmarks). */
export function withBackend<T>(name: BackendName, fn: () => T): T {
  const previousRequest = requested;
  const previousActive = active;
  setBackend(name);
  try {
    return fn();
  } finally {
    requested = previousRequest;
    active = previousActive;
  }
}

/** The implementation of `name` for arrays of `dtype` on the active backend, or the reference one. */
export function kernel<K extends KernelName>(name: K, dtype: DType): KernelTable[K] {
  const backend = getBackend();
  const own = backend.kernels[name];
  if (own && backend.dtypes.includes(dtype)) return backend.keepsDataOnDevice ? (own as KernelTable[K]) : onHost(own as KernelTable[K]);
  if (!own && !QUIET_FALLBACKS.has(name)) noteFallback(backend.name, name);
  return onHost(reference.kernels[name] as KernelTable[K]);
}

/** A host kernel, made to bring its arguments' values back from a device first while any are there. */
function onHost<F>(hostKernel: F): F {
  if (!anyDeviceCopies()) return hostKernel;
  return ((args: object) => {
    hostArguments(args);
    (hostKernel as (args: object) => void)(args);
  }) as F;
}

function noteFallback(backend: BackendName, name: KernelName): void {
  const key = `${backend}/${name}`;
  if (notedFallbacks.has(key)) return;
  notedFallbacks.add(key);
  process.stderr.write(`ssan-ts: backend '${backend}' has no '${name}' kernel; using the TypeScript one\n`);
}
