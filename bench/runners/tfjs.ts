/**
 * TensorFlow.js baselines: its plain-JavaScript `cpu` backend and its `wasm` backend (XNNPACK with
 * SIMD; in Node it runs the single-threaded build, since the threaded one needs browser workers).
 *
 * TensorFlow.js works in NHWC (channels last) with HWIO filters, its native layout: the shapes and
 * the work are those of our NCHW spec, laid out the way it runs fastest. Both backends compute
 * synchronously inside the op call, so a call needs no read-back to be complete; `tidy` frees its
 * outputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu'; // registers the 'cpu' backend
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm'; // importing it registers the 'wasm' backend
import { BottleneckSpec, ConvSpec, SSASpec, Spec, TrainStepSpec, convOutputSize } from '../spec';
import { Prepared, Runner } from './runner';

/**
 * tfjs-core ships its gradients as ES modules that Node's require cannot load, so in Node `tf.grads`
 * knows no gradient unless the @tensorflow/tfjs bundle, which registers them all, is installed. Only
 * the bottleneck needs them (the conv training step calls its three kernels directly).
 */
function gradientsRegistered(): boolean {
  try {
    require('@tensorflow/tfjs');
  } catch (e) {
    if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
  }
  return tf.getGradient(tf.Conv2D) !== undefined;
}

/** The TensorFlow.js kernels a spec runs; a backend without one of them cannot run it. */
function kernelsNeeded(spec: Exclude<Spec, SSASpec | TrainStepSpec>): string[] {
  switch (spec.kind) {
    case 'gemm':
    case 'bmm':
      return [tf.BatchMatMul];
    case 'conv':
      return {
        forward: [tf.Conv2D],
        backwardData: [tf.Conv2DBackpropInput],
        backwardFilter: [tf.Conv2DBackpropFilter],
        trainStep: [tf.Conv2D, tf.Conv2DBackpropInput, tf.Conv2DBackpropFilter],
      }[spec.pass];
    case 'bottleneck':
      return [tf.Conv2D, tf.Conv2DBackpropInput, tf.Conv2DBackpropFilter];
  }
}

/** Random N(0, 1) values, seeded so every run times the same numbers. */
let seed = 0;
const randn = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', seed++);

function prepareConv(s: ConvSpec): Prepared {
  const outH = convOutputSize(s.height, s.kernel, s.stride, s.padding);
  const outW = convOutputSize(s.width, s.kernel, s.stride, s.padding);
  const xShape: [number, number, number, number] = [s.batch, s.height, s.width, s.inChannels];
  const wShape: [number, number, number, number] = [s.kernel, s.kernel, s.inChannels, s.outChannels];
  const x = randn(xShape) as tf.Tensor4D;
  const w = randn(wShape) as tf.Tensor4D;
  const dy = randn([s.batch, outH, outW, s.outChannels]) as tf.Tensor4D;
  const dispose = () => tf.dispose([x, w, dy]);
  const strides = s.stride, pad = s.padding;
  // No public op computes the filter gradient alone; this is the kernel its gradient runs.
  const backwardFilter = () => {
    tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
      strides: [strides, strides], pad, dataFormat: 'NHWC', filterShape: wShape,
    });
  };
  switch (s.pass) {
    case 'forward':
      return { call: () => tf.tidy(() => { tf.conv2d(x, w, strides, pad); }), dispose };
    case 'backwardData':
      return { call: () => tf.tidy(() => { tf.conv2dTranspose(dy, w, xShape, strides, pad); }), dispose };
    case 'backwardFilter':
      return { call: () => tf.tidy(backwardFilter), dispose };
    case 'trainStep':
      // The forward, then the two kernels TensorFlow.js's Conv2D gradient runs.
      return {
        call: () => tf.tidy(() => {
          tf.conv2d(x, w, strides, pad);
          tf.conv2dTranspose(dy, w, xShape, strides, pad);
          backwardFilter();
        }),
        dispose,
      };
  }
}

function prepareBottleneck(s: BottleneckSpec): Prepared {
  const x = randn([s.batch, s.height, s.width, s.inPlanes]);
  const dy = randn([s.batch, s.height, s.width, s.inPlanes]);
  const params = [
    randn([1, 1, s.inPlanes, s.planes]), randn([s.planes]), randn([s.planes]),
    randn([3, 3, s.planes, s.planes]), randn([s.planes]), randn([s.planes]),
    randn([1, 1, s.planes, s.inPlanes]), randn([s.inPlanes]), randn([s.inPlanes]),
  ];
  // Training-mode BatchNorm: batch statistics over N, H, W. The running averages are left out: two
  // per-channel updates outside the gradient, which TensorFlow.js keeps in its layers, not its ops.
  const bn = (h: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor) => {
    const { mean, variance } = tf.moments(h, [0, 1, 2]);
    return tf.batchNorm(h, mean as tf.Tensor1D, variance as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, 1e-5);
  };
  const block = (...t: tf.Tensor[]) => {
    const [input, w1, g1, b1, w2, g2, b2, w3, g3, b3] = t as [tf.Tensor4D, ...tf.Tensor4D[]];
    const h1 = tf.relu(bn(tf.conv2d(input, w1, 1, 0), g1, b1));
    const h2 = tf.relu(bn(tf.conv2d(h1, w2, 1, 1), g2, b2));
    return tf.relu(tf.add(bn(tf.conv2d(h2, w3, 1, 0), g3, b3), input));
  };
  const step = tf.grads(block);
  return {
    call: () => tf.tidy(() => { step([x, ...params], dy); }),
    dispose: () => tf.dispose([x, dy, ...params]),
  };
}

function prepare(backend: string, spec: Spec): Prepared {
  if (spec.kind === 'ssa') {
    return { missing: 'TensorFlow.js has no SSA block, and this project has not rebuilt one from tf ops' };
  }
  if (spec.kind === 'trainStep') {
    return { missing: 'this project has not rebuilt the models (ResNet, TSN, SSAN) from TensorFlow.js layers' };
  }
  const missing = kernelsNeeded(spec).filter((k) => tf.getKernel(k, backend) === undefined);
  if (missing.length > 0) return { missing: `TensorFlow.js ${backend} has no ${missing.join(', ')} kernel` };
  if (spec.kind === 'bottleneck' && !gradientsRegistered()) {
    return { missing: 'tf.grads has no gradients in Node without the @tensorflow/tfjs package (tfjs-core alone)' };
  }
  seed = 0;
  switch (spec.kind) {
    case 'gemm': {
      const a = randn([spec.m, spec.k]), b = randn([spec.k, spec.n]);
      return { call: () => tf.tidy(() => { tf.matMul(a, b); }), dispose: () => tf.dispose([a, b]) };
    }
    case 'bmm': {
      const a = randn([spec.batch, spec.m, spec.k]), b = randn([spec.batch, spec.k, spec.n]);
      return { call: () => tf.tidy(() => { tf.matMul(a, b); }), dispose: () => tf.dispose([a, b]) };
    }
    case 'conv':
      return prepareConv(spec);
    case 'bottleneck':
      return prepareBottleneck(spec);
  }
}

/** What the backend runs on; the wasm flags are known only once the backend has initialised. */
function describe(backend: 'cpu' | 'wasm'): string {
  if (backend === 'cpu') return `TensorFlow.js ${tf.version_core} cpu backend (plain JavaScript, 1 thread)`;
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
  return `TensorFlow.js ${tf.version_core} wasm backend (XNNPACK, ${simd}, ${getThreadsCount()} thread(s))`;
}

export function tfjsRunner(backend: 'cpu' | 'wasm'): Runner {
  let description = `TensorFlow.js ${backend} backend (not started yet)`;
  return {
    name: `tfjs-${backend}`,
    describe: () => description,
    start: async () => {
      tf.enableProdMode(); // no debug checks and no console notes during timing
      if (!(await tf.setBackend(backend))) {
        throw new Error(`bench: TensorFlow.js could not initialise its ${backend} backend`);
      }
      await tf.ready();
      description = describe(backend);
    },
    prepare: (spec) => prepare(backend, spec),
    finish: () => undefined,
  };
}
