/**
 * The registry's kernels in WGSL, bound to one device's arrays. A kernel missing here runs on the
 * TypeScript reference, its arguments first brought back to the host (see the backend's index.ts).
 */
import type { KernelTable } from '../../../registry';
import type { DeviceArrays } from '../device-arrays';
import * as batchnorm from './batchnorm';
import * as bias from './bias';
import * as conv from './conv';
import * as copy from './copy';
import * as elementwise from './elementwise';
import * as embedding from './embedding';
import * as gemm from './gemm';
import * as loss from './loss';
import * as optimizer from './optimizer';
import * as pooling from './pooling';
import * as reduce from './reduce';
import * as softmax from './softmax';

export function wgslKernelTable(arrays: DeviceArrays): Partial<KernelTable> {
  const bind = <A>(kernel: (arrays: DeviceArrays, args: A) => void) => (args: A) => kernel(arrays, args);
  return {
    relu: bind(elementwise.relu),
    reluBackward: bind(elementwise.reluBackward),
    addRelu: bind(elementwise.addRelu),
    addInto: bind(elementwise.addInto),
    unary: bind(elementwise.unary),
    unaryBackward: bind(elementwise.unaryBackward),
    clamp: bind(elementwise.clamp),
    clampBackward: bind(elementwise.clampBackward),
    binary: bind(elementwise.binary),
    sgdUpdate: bind(optimizer.sgdUpdate),
    adamUpdate: bind(optimizer.adamUpdate),
    gemm: bind(gemm.gemm),
    batchedGemm: bind(gemm.batchedGemm),
    convForward: bind(conv.convForward),
    convBackwardData: bind(conv.convBackwardData),
    convBackwardFilter: bind(conv.convBackwardFilter),
    maxPool2d: bind(pooling.maxPool2d),
    maxPool2dBackward: bind(pooling.maxPool2dBackward),
    avgPool2d: bind(pooling.avgPool2d),
    avgPool2dBackward: bind(pooling.avgPool2dBackward),
    stridedCopy: bind(copy.stridedCopy),
    copyRegion: bind(copy.copyRegion),
    channelBias: bind(bias.channelBias),
    channelBiasBackward: bind(bias.channelBiasBackward),
    embedding: bind(embedding.embedding),
    embeddingBackward: bind(embedding.embeddingBackward),
    reduce: bind(reduce.reduce),
    reduceBackward: bind(reduce.reduceBackward),
    argReduce: bind(reduce.argReduce),
    softmax: bind(softmax.softmax),
    softmaxBackward: bind(softmax.softmaxBackward),
    batchNormForward: bind(batchnorm.batchNormForward),
    batchNormBackward: bind(batchnorm.batchNormBackward),
    batchNormRunningStats: bind(batchnorm.batchNormRunningStats),
    batchNormParamGrads: bind(batchnorm.batchNormParamGrads),
    crossEntropy: bind(loss.crossEntropy),
    crossEntropyBackward: bind(loss.crossEntropyBackward),
  };
}
