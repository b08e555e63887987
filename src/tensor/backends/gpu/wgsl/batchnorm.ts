/**
 * BatchNorm in WGSL (src/tensor/kernels/batchnorm.ts has the semantics), an (N, C, *) tensor seen as
 * [n, c, s]. Per-channel statistics and sums run one workgroup per channel: its threads stride over
 * the channel's n * s values and combine in workgroup memory (a tree); the mean first, then the
 * squared deviations from it (two passes, as the reference). The outputs and the input's gradient are
 * then one thread per element. The per-channel Float64Arrays of the host (mean, invStd, squares,
 * sums) are float32 on the device, widened when read back; everything accumulates in float32.
 */
import type {
  BatchNormBackwardArgs, BatchNormForwardArgs, BatchNormParamGradsArgs, BatchNormRunningStatsArgs,
} from '../../../kernels/batchnorm';
import type { BufferId, Shader } from '../device';
import { DeviceArrays, Params } from '../device-arrays';
import { FLAT_MAIN, GROUP, GROUP_MAIN, flatGrid, groupGrid } from './grid';
import { Binding, FLOAT_BITS, cachedShader, declare, treeReduce } from './source';

const f32s = (...names: string[]): Binding[] => names.map((name) => [name, 'f32'] as const);

/** WGSL: `at(e)`, the index of the channel's e-th value (e < n * s), for channel `item`; p: n, c, s. */
const CHANNEL_AT = `fn at(ch: u32, e: u32) -> u32 {
  let c = p[1];
  let s = p[2];
  return ((e / s) * c + ch) * s + e % s;
}
fn add(a: f32, b: f32) -> f32 { return a + b; }`;

// Batch statistics. p: n, c, s, eps. Writes mean, invStd and, when given, squares.
function statsShader(withSquares: boolean): Shader {
  return cachedShader(`batchNormStats-${withSquares ? 'squares' : 'plain'}`, () => {
    const writes = f32s('mean', 'invStd', ...(withSquares ? ['squares'] : []));
    return `${declare(f32s('x'), writes)}
${FLOAT_BITS}
${CHANNEL_AT}
${treeReduce('sumGroup', 'add')}
${GROUP_MAIN}
  if (item >= p[1]) { return; }
  let count = p[0] * p[2];
  let eps = bitcast<f32>(p[3]);
  var acc = 0.0;
  for (var e = t; e < count; e += ${GROUP}u) { acc += x[at(item, e)]; }
  // An empty batch has NaN statistics, as the reference's 0 / 0.
  let m = select(nan(), sumGroup(t, acc) / f32(count), count > 0u);
  acc = 0.0;
  for (var e = t; e < count; e += ${GROUP}u) { let d = x[at(item, e)] - m; acc += d * d; }
  let sq = sumGroup(t, acc);
  if (t == 0u) {
    mean[item] = m;
    invStd[item] = select(nan(), 1.0 / sqrt(sq / f32(count) + eps), count > 0u);${withSquares ? '\n    squares[item] = sq;' : ''}
  }
}`;
  });
}

// y = (x - mean) * invStd * weight + bias, then ReLU (NaN kept). p: total, c, s.
function affineShader(weight: boolean, bias: boolean, relu: boolean): Shader {
  return cachedShader(`batchNormAffine-${+weight}${+bias}${+relu}`, () => {
    const reads = f32s('x', 'mean', 'invStd', ...(weight ? ['weight'] : []), ...(bias ? ['bias'] : []));
    return `${declare(reads, f32s('out'))}
${FLOAT_BITS}
${FLAT_MAIN}
  if (i >= p[0]) { return; }
  let ch = (i / p[2]) % p[1];
  let v = (x[i] - mean[ch]) * (invStd[ch]${weight ? ' * weight[ch]' : ''})${bias ? ' + bias[ch]' : ''};
  out[i] = ${relu ? 'select(0.0, v, v > 0.0 || isNan(v))' : 'v'};
}`;
  });
}

export function batchNormForward(arrays: DeviceArrays, args: BatchNormForwardArgs): void {
  const { n, c, s, x, out, mean, invStd, squares, weight, bias, eps, training, relu } = args;
  if (c === 0) return;
  const xId = arrays.input(x as Float32Array);
  if (training) {
    const writes = [arrays.output(mean), arrays.output(invStd)];
    if (squares) writes.push(arrays.output(squares));
    arrays.launch(statsShader(squares !== null), [xId], writes, new Params().u32(n, c, s).f32(eps).build(), groupGrid(c));
  }
  const total = n * c * s;
  if (total === 0) return;
  const reads: BufferId[] = [xId, arrays.input(mean), arrays.input(invStd)];
  if (weight) reads.push(arrays.input(weight as Float32Array));
  if (bias) reads.push(arrays.input(bias as Float32Array));
  arrays.launch(affineShader(weight !== null, bias !== null, relu), reads, [arrays.output(out)], new Params().u32(total, c, s).build(), flatGrid(total));
}

/** WGSL: the gradient reaching the BatchNorm at j: g, or with the ReLU's output y, g where y > 0. */
const masked = (withY: boolean) => (withY ? 'select(0.0, g[j], y[j] > 0.0)' : 'g[j]');

// Σg and Σg·(x - mean) per channel. p: n, c, s.
function sumsShader(withY: boolean): Shader {
  return cachedShader(`batchNormSums-${withY ? 'relu' : 'plain'}`, () => {
    const reads = f32s('g', 'x', 'mean', ...(withY ? ['y'] : []));
    return `${declare(reads, f32s('sumG', 'sumGx'))}
${CHANNEL_AT}
${treeReduce('sumGroup', 'add')}
${GROUP_MAIN}
  if (item >= p[1]) { return; }
  let count = p[0] * p[2];
  let m = mean[item];
  var a = 0.0;
  var b = 0.0;
  for (var e = t; e < count; e += ${GROUP}u) {
    let j = at(item, e);
    let gj = ${masked(withY)};
    a += gj;
    b += gj * (x[j] - m);
  }
  let totalG = sumGroup(t, a);
  let totalGx = sumGroup(t, b);
  if (t == 0u) {
    sumG[item] = totalG;
    sumGx[item] = totalGx;
  }
}`;
  });
}

// gx = invStd * weight * (g - Σg / count - (x - mean) * Σg(x - mean) * invStd² / count), the sums'
// terms only when training. p: total, c, s, count (as f32).
function inputGradShader(training: boolean, weight: boolean, withY: boolean): Shader {
  return cachedShader(`batchNormInputGrad-${+training}${+weight}${+withY}`, () => {
    const reads = f32s('g', 'x', 'mean', 'invStd', ...(withY ? ['y'] : []), ...(weight ? ['weight'] : []),
      ...(training ? ['sumG', 'sumGx'] : []));
    const centered = training
      ? `let count = bitcast<f32>(p[3]);
  let r = invStd[ch];
  gx[j] = a * (gj - sumG[ch] / count - (x[j] - mean[ch]) * (sumGx[ch] * r * r / count));`
      : 'gx[j] = a * gj;';
    return `${declare(reads, f32s('gx'))}
${FLAT_MAIN}
  let j = i;
  if (j >= p[0]) { return; }
  let ch = (j / p[2]) % p[1];
  let gj = ${masked(withY)};
  let a = invStd[ch]${weight ? ' * weight[ch]' : ''};
  ${centered}
}`;
  });
}

export function batchNormBackward(arrays: DeviceArrays, args: BatchNormBackwardArgs): void {
  const { n, c, s, g, x, y, mean, invStd, weight, training, sums, gx } = args;
  if (training && gx && !sums) throw new Error('batchNormBackward: the input gradient in training needs the sums');
  if (c === 0) return;
  const gId = arrays.input(g as Float32Array), xId = arrays.input(x as Float32Array), meanId = arrays.input(mean);
  const yId = y ? arrays.input(y as Float32Array) : null;
  if (sums) {
    const reads = [gId, xId, meanId, ...(yId !== null ? [yId] : [])];
    arrays.launch(sumsShader(yId !== null), reads, [arrays.output(sums.g), arrays.output(sums.gx)], new Params().u32(n, c, s).build(), groupGrid(c));
  }
  const total = n * c * s;
  if (!gx || total === 0) return;
  const reads: BufferId[] = [gId, xId, meanId, arrays.input(invStd)];
  if (yId !== null) reads.push(yId);
  if (weight) reads.push(arrays.input(weight as Float32Array));
  if (training && sums) reads.push(arrays.input(sums.g), arrays.input(sums.gx));
  const params = new Params().u32(total, c, s).f32(n * s).build();
  arrays.launch(inputGradShader(training, weight !== null, yId !== null), reads, [arrays.output(gx)], params, flatGrid(total));
}

// running = (1 - m) * running + m * batch, the variance unbiased. p: c, momentum, count - 1.
function runningShader(withMean: boolean, withVar: boolean): Shader {
  return cachedShader(`batchNormRunning-${+withMean}${+withVar}`, () => `${declare(f32s('mean', 'squares'), f32s(...(withMean ? ['rm'] : []), ...(withVar ? ['rv'] : [])))}
${FLAT_MAIN}
  if (i >= p[0]) { return; }
  let m = bitcast<f32>(p[1]);${withMean ? '\n  rm[i] = (1.0 - m) * rm[i] + m * mean[i];' : ''}${withVar ? '\n  rv[i] = (1.0 - m) * rv[i] + m * (squares[i] / bitcast<f32>(p[2]));' : ''}
}`);
}

export function batchNormRunningStats(arrays: DeviceArrays, args: BatchNormRunningStatsArgs): void {
  const { mean, squares, count, momentum, runningMean, runningVar } = args;
  const c = mean.length;
  if (c === 0 || (!runningMean && !runningVar)) return;
  const writes: BufferId[] = [];
  if (runningMean) writes.push(arrays.inout(runningMean));
  if (runningVar) writes.push(arrays.inout(runningVar));
  const params = new Params().u32(c).f32(momentum, count - 1).build();
  arrays.launch(runningShader(runningMean !== null, runningVar !== null), [arrays.input(mean), arrays.input(squares)], writes, params, flatGrid(c));
}

// gw = Σg(x - mean) * invStd, gb = Σg. p: c.
function paramGradsShader(withW: boolean, withB: boolean): Shader {
  return cachedShader(`batchNormParamGrads-${+withW}${+withB}`, () => `${declare(f32s('sumG', 'sumGx', 'invStd'), f32s(...(withW ? ['gw'] : []), ...(withB ? ['gb'] : [])))}
${FLAT_MAIN}
  if (i >= p[0]) { return; }${withW ? '\n  gw[i] = sumGx[i] * invStd[i];' : ''}${withB ? '\n  gb[i] = sumG[i];' : ''}
}`);
}

export function batchNormParamGrads(arrays: DeviceArrays, { sums, invStd, gw, gb }: BatchNormParamGradsArgs): void {
  const c = invStd.length;
  if (c === 0 || (!gw && !gb)) return;
  const writes: BufferId[] = [];
  if (gw) writes.push(arrays.output(gw));
  if (gb) writes.push(arrays.output(gb));
  const reads = [arrays.input(sums.g), arrays.input(sums.gx), arrays.input(invStd)];
  arrays.launch(paramGradsShader(gw !== null, gb !== null), reads, writes, new Params().u32(c).build(), flatGrid(c));
}
