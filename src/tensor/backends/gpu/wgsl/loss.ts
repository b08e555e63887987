/**
 * Cross-entropy over class indices in WGSL (src/tensor/kernels/loss.ts has the semantics: weights,
 * ignoreIndex, label smoothing, reductions), log-probabilities seen as [outer, classes, inner], the
 * targets int32. Forward: one thread per element writes its loss and weight, then a single workgroup
 * sums them (tree in workgroup memory) into the total weight and, for 'sum' / 'mean', the loss.
 * Backward: one thread per element writes its classes' gradients. Float32 throughout, where the
 * reference's losses and sums are float64.
 */
import type { CrossEntropyArgs, CrossEntropyBackwardArgs } from '../../../kernels/loss';
import type { Shader } from '../device';
import { DeviceArrays, Params } from '../device-arrays';
import { FLAT_MAIN, GROUP, GROUP_MAIN, flatGrid } from './grid';
import { Binding, FLOAT_BITS, cachedShader, declare, treeReduce } from './source';

/** WGSL: the element's slice, after p = outer, classes, inner, ignoreIndex, smoothing, ... */
const ELEMENT = `  let classes = p[1];
  let inner = p[2];
  if (i >= p[0] * inner) { return; }
  let ignoreIndex = bitcast<i32>(p[3]);
  let smoothing = bitcast<f32>(p[4]);
  let base = (i / inner) * classes * inner + i % inner;
  let t = labels[i];`;

const classWeight = (weighted: boolean, c: string) => (weighted ? `weight[${c}]` : '1.0');

function readsOf(weighted: boolean, ...more: Binding[]): Binding[] {
  return [['logp', 'f32'], ['labels', 'i32'], ...more, ...(weighted ? [['weight', 'f32'] as const] : [])];
}

// Per element: its loss and its weight (both 0 when ignored).
function lossShader(weighted: boolean): Shader {
  return cachedShader(`crossEntropy-elements-${+weighted}`, () => `${declare(readsOf(weighted), [['losses', 'f32'], ['weights', 'f32']])}
${FLAT_MAIN}
${ELEMENT}
  if (t == ignoreIndex) {
    losses[i] = 0.0;
    weights[i] = 0.0;
    return;
  }
  let wt = ${classWeight(weighted, 'u32(t)')};
  var loss = -wt * logp[base + u32(t) * inner];
  if (smoothing > 0.0) {
    var spread = 0.0;
    for (var c = 0u; c < classes; c++) { spread -= ${classWeight(weighted, 'c')} * logp[base + c * inner]; }
    loss = (1.0 - smoothing) * loss + smoothing * spread / f32(classes);
  }
  losses[i] = loss;
  weights[i] = wt;
}`);
}

// One workgroup: totalWeight[0] = Σ weights; out[0] = Σ losses (divided by it for 'mean'). p: n.
function totalShader(reduction: 'none' | 'sum' | 'mean'): Shader {
  return cachedShader(`crossEntropy-total-${reduction}`, () => {
    const writes: Binding[] = reduction === 'none' ? [['totalWeight', 'f32']] : [['out', 'f32'], ['totalWeight', 'f32']];
    const lossSum = reduction === 'none' ? '' : `
  let sum = sumGroup(t, l);
  if (t == 0u) { out[0] = ${reduction === 'sum' ? 'sum' : 'select(sum / tw, nan(), tw == 0.0 && sum == 0.0)'}; }`;
    return `${declare([['losses', 'f32'], ['weights', 'f32']], writes)}
${FLOAT_BITS}
fn add(a: f32, b: f32) -> f32 { return a + b; }
${treeReduce('sumGroup', 'add')}
${GROUP_MAIN}
  _ = item;
  var w = 0.0;
  var l = 0.0;
  for (var j = t; j < p[0]; j += ${GROUP}u) {
    w += weights[j];
    l += losses[j];
  }
  let tw = sumGroup(t, w);
  if (t == 0u) { totalWeight[0] = tw; }${lossSum}
}`;
  });
}

export function crossEntropy(arrays: DeviceArrays, args: CrossEntropyArgs): void {
  const { logp, target, outer, classes, inner, smoothing, ignoreIndex, weight, reduction, out } = args;
  const n = outer * inner;
  const perElement = reduction === 'none';
  const losses = perElement ? arrays.output(out) : arrays.scratch(n);
  const weights = arrays.scratch(n);
  if (n > 0) {
    const reads = [arrays.input(logp as Float32Array), arrays.input(target as Int32Array)];
    if (weight) reads.push(arrays.input(weight as Float32Array));
    const params = new Params().u32(outer, classes, inner, ignoreIndex | 0).f32(smoothing).build();
    arrays.launch(lossShader(weight !== null), reads, [losses, weights], params, flatGrid(n));
  }
  const writes = perElement ? [arrays.output(args.totalWeight)] : [arrays.output(out), arrays.output(args.totalWeight)];
  arrays.launch(totalShader(reduction), [losses, weights], writes, new Params().u32(n).build(), [1, 1, 1]);
  arrays.freeScratch(...(perElement ? [weights] : [losses, weights]));
}

// p: outer, classes, inner, ignoreIndex, smoothing, perElement, mean (flags), totalWeight.
function gradientShader(weighted: boolean): Shader {
  return cachedShader(`crossEntropyBackward-${+weighted}`, () => `${declare(readsOf(weighted, ['g', 'f32']), [['gz', 'f32']])}
${FLAT_MAIN}
${ELEMENT}
  if (t == ignoreIndex) {
    for (var c = 0u; c < classes; c++) { gz[base + c * inner] = 0.0; }
    return;
  }
  var weightSum = f32(classes);${weighted ? `
  weightSum = 0.0;
  for (var c = 0u; c < classes; c++) { weightSum += weight[c]; }` : ''}
  let perElement = p[5] != 0u;
  let reducedScale = select(g[0], g[0] / bitcast<f32>(p[7]), p[6] != 0u);
  let scale = select(reducedScale, g[i], perElement);
  let wt = ${classWeight(weighted, 'u32(t)')};
  let mass = (1.0 - smoothing) * wt + smoothing * weightSum / f32(classes);
  for (var c = 0u; c < classes; c++) {
    let q = smoothing * ${classWeight(weighted, 'c')} / f32(classes);
    var v = scale * (mass * exp(logp[base + c * inner]) - q);
    if (c == u32(t)) { v -= scale * (1.0 - smoothing) * wt; }
    gz[base + c * inner] = v;
  }
}`);
}

/**
 * Writes every element of gz: the ignored targets' slices get 0, which the reference leaves as the
 * caller's zeros.
 */
export function crossEntropyBackward(arrays: DeviceArrays, args: CrossEntropyBackwardArgs): void {
  const { logp, target, outer, classes, inner, smoothing, ignoreIndex, weight, reduction, g, gz } = args;
  const n = outer * inner;
  if (n === 0 || classes === 0) return;
  const reads = [arrays.input(logp as Float32Array), arrays.input(target as Int32Array), arrays.input(g as Float32Array)];
  if (weight) reads.push(arrays.input(weight as Float32Array));
  const params = new Params()
    .u32(outer, classes, inner, ignoreIndex | 0).f32(smoothing)
    .u32(reduction === 'none' ? 1 : 0, reduction === 'mean' ? 1 : 0).f32(args.totalWeight)
    .build();
  arrays.launch(gradientShader(weight !== null), reads, [arrays.output(gz)], params, flatGrid(n));
}
