/**
 * softmax / logSoftmax along one dim and their gradient in WGSL (src/tensor/kernels/softmax.ts has
 * the semantics), for x seen as [outer, size, inner]: one thread per (outer, inner) slice, walking the
 * slice with stride inner. The slice's max is subtracted before exp, so large logits cannot overflow;
 * sums accumulate in float32 where the reference uses float64.
 */
import type { SoftmaxArgs, SoftmaxBackwardArgs } from '../../../kernels/softmax';
import type { Shader } from '../device';
import { DeviceArrays, Params } from '../device-arrays';
import { FLAT_MAIN, flatGrid } from './grid';
import { FLOAT_BITS, cachedShader, declare } from './source';

// p: outer, size, inner. Thread i is slice (o, k) = (i / inner, i % inner).
const SLICE = `  let size = p[1];
  let inner = p[2];
  if (i >= p[0] * inner) { return; }
  let base = (i / inner) * size * inner + i % inner;`;

function softmaxShader(log: boolean): Shader {
  return cachedShader(`softmax-${log ? 'log' : 'plain'}`, () => `${declare([['x', 'f32']], [['y', 'f32']])}
${FLOAT_BITS}
${FLAT_MAIN}
${SLICE}
  // A NaN never wins the comparison; it still reaches every output through the sum.
  var m = negInf();
  for (var s = 0u; s < size; s++) { let v = x[base + s * inner]; if (v > m) { m = v; } }
  var total = 0.0;
  for (var s = 0u; s < size; s++) { total += exp(x[base + s * inner] - m); }
${log
    ? `  let logTotal = log(total);
  // (x - max) first: exact for the largest entries.
  for (var s = 0u; s < size; s++) { y[base + s * inner] = (x[base + s * inner] - m) - logTotal; }`
    : `  for (var s = 0u; s < size; s++) { y[base + s * inner] = exp(x[base + s * inner] - m) / total; }`}
}`);
}

function softmaxBackwardShader(log: boolean): Shader {
  return cachedShader(`softmaxBackward-${log ? 'log' : 'plain'}`, () => `${declare([['g', 'f32'], ['y', 'f32']], [['gx', 'f32']])}
${FLAT_MAIN}
${SLICE}
  var sum = 0.0;
${log
    ? `  for (var s = 0u; s < size; s++) { sum += g[base + s * inner]; }
  for (var s = 0u; s < size; s++) { let j = base + s * inner; gx[j] = g[j] - exp(y[j]) * sum; }`
    : `  for (var s = 0u; s < size; s++) { sum += g[base + s * inner] * y[base + s * inner]; }
  for (var s = 0u; s < size; s++) { let j = base + s * inner; gx[j] = y[j] * (g[j] - sum); }`}
}`);
}

export function softmax(arrays: DeviceArrays, { x, y, outer, size, inner, log }: SoftmaxArgs): void {
  const slices = outer * inner;
  if (slices === 0 || size === 0) return;
  arrays.launch(softmaxShader(log), [arrays.input(x as Float32Array)], [arrays.output(y)], new Params().u32(outer, size, inner).build(), flatGrid(slices));
}

export function softmaxBackward(arrays: DeviceArrays, { g, y, gx, outer, size, inner, log }: SoftmaxBackwardArgs): void {
  const slices = outer * inner;
  if (slices === 0 || size === 0) return;
  arrays.launch(softmaxBackwardShader(log), [arrays.input(g), arrays.input(y)], [arrays.output(gx)], new Params().u32(outer, size, inner).build(), flatGrid(slices));
}
