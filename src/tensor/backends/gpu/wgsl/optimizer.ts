/**
 * The optimizers' updates in WGSL: one launch per parameter, one thread per value, the parameter and
 * its state updated in place on the device (src/tensor/kernels/optimizer.ts has the formulas).
 * The reference computes in float64; these in float32.
 */
import type { AdamUpdateArgs, SgdUpdateArgs } from '../../../kernels/optimizer';
import { adamBiasCorrections } from '../../../kernels/optimizer';
import type { Shader } from '../device';
import { DeviceArrays, Params } from '../device-arrays';
import { FLAT_MAIN, flatGrid } from './grid';
import { bindings } from './source';

// Parameters: n, lr, momentum, dampening, weightDecay, flags (1 maximize, 2 nesterov, 4 first step).
function sgdShader(withMomentum: boolean): Shader {
  const key = withMomentum ? 'sgd-momentum' : 'sgd';
  const writes = withMomentum ? ['param', 'buffer'] : ['param'];
  const momentum = `
  let first = (flags & 4u) != 0u;
  buffer[i] = select(buffer[i] * momentum + (1.0 - dampening) * d, d, first);
  d = select(buffer[i], d + momentum * buffer[i], (flags & 2u) != 0u);`;
  const code = `${bindings(['grad'], writes)}
${FLAT_MAIN}
  if (i >= p[0]) { return; }
  let lr = bitcast<f32>(p[1]);
  let momentum = bitcast<f32>(p[2]);
  let dampening = bitcast<f32>(p[3]);
  let decay = bitcast<f32>(p[4]);
  let flags = p[5];
  var d = select(grad[i], -grad[i], (flags & 1u) != 0u);
  d = d + decay * param[i];${withMomentum ? momentum : ''}
  param[i] = param[i] - lr * d;
}`;
  return { key, code };
}

const SGD = sgdShader(false);
const SGD_MOMENTUM = sgdShader(true);

export function sgdUpdate(arrays: DeviceArrays, args: SgdUpdateArgs): void {
  for (const slot of args.slots) {
    const n = slot.param.length;
    if (n === 0) continue;
    const flags = (args.maximize ? 1 : 0) | (args.nesterov ? 2 : 0) | (slot.firstStep ? 4 : 0);
    const params = new Params().u32(n).f32(args.lr, args.momentum, args.dampening, args.weightDecay).u32(flags).build();
    const grad = arrays.input(slot.grad);
    const writes = [arrays.inout(slot.param)];
    if (slot.momentumBuffer) writes.push(arrays.inout(slot.momentumBuffer));
    arrays.launch(slot.momentumBuffer ? SGD_MOMENTUM : SGD, [grad], writes, params, flatGrid(n));
  }
}

// Parameters: n, stepSize, biasCorrection2Sqrt, beta1, beta2, eps, weightDecay, shrink, flags
// (1 maximize, 2 decoupled).
function adamShader(amsgrad: boolean): Shader {
  const key = amsgrad ? 'adam-amsgrad' : 'adam';
  const writes = amsgrad ? ['param', 'm', 'v', 'vmax'] : ['param', 'm', 'v'];
  const code = `${bindings(['grad'], writes)}
${FLAT_MAIN}
  if (i >= p[0]) { return; }
  let stepSize = bitcast<f32>(p[1]);
  let correction2 = bitcast<f32>(p[2]);
  let beta1 = bitcast<f32>(p[3]);
  let beta2 = bitcast<f32>(p[4]);
  let eps = bitcast<f32>(p[5]);
  let decay = bitcast<f32>(p[6]);
  let shrink = bitcast<f32>(p[7]);
  let flags = p[8];
  var g = select(grad[i], -grad[i], (flags & 1u) != 0u);
  if ((flags & 2u) != 0u) {
    param[i] = param[i] * shrink;
  } else {
    g = g + decay * param[i];
  }
  m[i] = m[i] * beta1 + (1.0 - beta1) * g;
  v[i] = v[i] * beta2 + (1.0 - beta2) * g * g;
  ${amsgrad ? 'vmax[i] = max(vmax[i], v[i]);\n  let second = vmax[i];' : 'let second = v[i];'}
  let denom = sqrt(second) / correction2 + eps;
  param[i] = param[i] - stepSize * m[i] / denom;
}`;
  return { key, code };
}

const ADAM = adamShader(false);
const ADAM_AMSGRAD = adamShader(true);

export function adamUpdate(arrays: DeviceArrays, args: AdamUpdateArgs): void {
  for (const slot of args.slots) {
    const n = slot.param.length;
    if (n === 0) continue;
    const { stepSize, biasCorrection2Sqrt } = adamBiasCorrections(args.lr, args.beta1, args.beta2, slot.step);
    const flags = (args.maximize ? 1 : 0) | (args.decoupled ? 2 : 0);
    const params = new Params().u32(n)
      .f32(stepSize, biasCorrection2Sqrt, args.beta1, args.beta2, args.eps, args.weightDecay, 1 - args.lr * args.weightDecay)
      .u32(flags).build();
    const writes = [arrays.inout(slot.param), arrays.inout(slot.expAvg), arrays.inout(slot.expAvgSq)];
    if (slot.maxExpAvgSq) writes.push(arrays.inout(slot.maxExpAvgSq));
    arrays.launch(slot.maxExpAvgSq ? ADAM_AMSGRAD : ADAM, [arrays.input(slot.grad)], writes, params, flatGrid(n));
  }
}
