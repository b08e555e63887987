/**
 * The elementwise kernels in WGSL, one thread per element: ReLU, the residual add + ReLU, gradient
 * accumulation, neg/exp/log/sqrt/abs/sigmoid/tanh, clamp, and broadcasting binary arithmetic.
 * Each computes what its TypeScript reference (src/tensor/kernels) does, in float32.
 */
import type { AddIntoArgs, ReluArgs, ReluBackwardArgs } from '../../../kernels/elementwise';
import type { AddReluArgs } from '../../../kernels/residual';
import type { ClampArgs, ClampBackwardArgs, UnaryArgs, UnaryBackwardArgs, UnaryOp } from '../../../kernels/unary';
import type { BinaryArgs, BinaryOp } from '../../../kernels/binary';
import { broadcastStrides } from '../../../shape';
import type { Shader } from '../device';
import { DeviceArrays, Params } from '../device-arrays';
import { FLAT_MAIN, flatGrid } from './grid';
import { FLOAT_BITS, bindings, cachedShader } from './source';

/** A shader computing `out[i]` from inputs read at `i`: `body` is WGSL using p[1].. and the arrays. */
function mapShader(key: string, reads: string[], writes: string[], body: string): Shader {
  return cachedShader(key, () => `${bindings(reads, writes)}\n${FLOAT_BITS}\n${FLAT_MAIN}\n  if (i >= p[0]) { return; }\n  ${body}\n}`);
}

/** Runs a map shader over n elements with extra float parameters after n. */
function map(arrays: DeviceArrays, shader: Shader, reads: ArrayLike<number>[], writes: ArrayLike<number>[], n: number, floats: number[] = [], inout = false): void {
  if (n === 0) return;
  const readIds = reads.map((a) => arrays.input(a as never));
  const writeIds = writes.map((a) => (inout ? arrays.inout(a as never) : arrays.output(a as never)));
  arrays.launch(shader, readIds, writeIds, new Params().u32(n).f32(...floats).build(), flatGrid(n));
}

// select(f, t, cond): WGSL's argument order is (false value, true value, condition). NaN passes
// through ReLU as in torch.relu; it is tested by its bits (see FLOAT_BITS).
export function relu(arrays: DeviceArrays, { x, y }: ReluArgs): void {
  map(arrays, mapShader('relu', ['x'], ['y'], 'y[i] = select(0.0, x[i], x[i] > 0.0 || isNan(x[i]));'), [x], [y], y.length);
}

export function reluBackward(arrays: DeviceArrays, { x, g, dx }: ReluBackwardArgs): void {
  map(arrays, mapShader('reluBackward', ['x', 'g'], ['dx'], 'dx[i] = select(0.0, g[i], x[i] > 0.0);'), [x, g], [dx], dx.length);
}

export function addRelu(arrays: DeviceArrays, { a, b, out }: AddReluArgs): void {
  map(arrays, mapShader('addRelu', ['a', 'b'], ['out'], 'let v = a[i] + b[i];\n  out[i] = select(0.0, v, v > 0.0 || isNan(v));'), [a, b], [out], out.length);
}

export function addInto(arrays: DeviceArrays, { target, source }: AddIntoArgs): void {
  // (\`target\` is a reserved word in WGSL.)
  map(arrays, mapShader('addInto', ['source'], ['total'], 'total[i] = total[i] + source[i];'), [source], [target], target.length, [], true);
}

const UNARY: Record<UnaryOp, string> = {
  neg: '-x[i]',
  exp: 'exp(x[i])',
  log: 'log(x[i])',
  sqrt: 'sqrt(x[i])',
  abs: 'abs(x[i])',
  sigmoid: '1.0 / (1.0 + exp(-x[i]))',
  tanh: 'tanh(x[i])',
};

const UNARY_GRADIENT: Record<UnaryOp, string> = {
  neg: '-g[i]',
  exp: 'g[i] * y[i]',
  log: 'g[i] / x[i]',
  sqrt: 'g[i] / (2.0 * y[i])',
  abs: 'g[i] * sign(x[i])',
  sigmoid: 'g[i] * y[i] * (1.0 - y[i])',
  tanh: 'g[i] * (1.0 - y[i] * y[i])',
};

export function unary(arrays: DeviceArrays, { op, x, y }: UnaryArgs): void {
  map(arrays, mapShader(`unary-${op}`, ['x'], ['y'], `y[i] = ${UNARY[op]};`), [x], [y], y.length);
}

export function unaryBackward(arrays: DeviceArrays, { op, x, y, g, dx }: UnaryBackwardArgs): void {
  map(arrays, mapShader(`unaryBackward-${op}`, ['x', 'y', 'g'], ['dx'], `dx[i] = ${UNARY_GRADIENT[op]};`), [x, y, g], [dx], dx.length);
}

export function clamp(arrays: DeviceArrays, { x, y, min, max }: ClampArgs): void {
  // min and max may be ±Infinity, which float32 parameters carry exactly.
  const body = 'let lo = bitcast<f32>(p[1]);\n  let hi = bitcast<f32>(p[2]);\n  y[i] = select(select(x[i], hi, x[i] > hi), lo, x[i] < lo);';
  map(arrays, mapShader('clamp', ['x'], ['y'], body), [x], [y], y.length, [min, max]);
}

export function clampBackward(arrays: DeviceArrays, { x, g, dx, min, max }: ClampBackwardArgs): void {
  const body = 'let lo = bitcast<f32>(p[1]);\n  let hi = bitcast<f32>(p[2]);\n  dx[i] = select(0.0, g[i], x[i] >= lo && x[i] <= hi);';
  map(arrays, mapShader('clampBackward', ['x', 'g'], ['dx'], body), [x, g], [dx], dx.length, [min, max]);
}

/**
 * pow as Math.pow: WGSL's pow is undefined for a negative base, so the magnitude is raised and the
 * sign restored for odd integer exponents; a negative base with a fractional exponent gives NaN.
 */
const POW = `fn power(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a >= 0.0) { return pow(a, b); }
  // A var, not a constant: WGSL rejects NaN in constant expressions.
  var nan = 0x7fc00000u;
  if (b != trunc(b)) { return bitcast<f32>(nan); }
  let m = pow(-a, b);
  return select(m, -m, (abs(b) % 2.0) == 1.0);
}`;

const BINARY: Record<BinaryOp, string> = { add: 'u + v', sub: 'u - v', mul: 'u * v', div: 'u / v', pow: 'power(u, v)' };
const MAX_RANK = 8;

/**
 * Broadcasting: each output index is split into coordinates by the output's shape and recombined with
 * each operand's strides (0 along broadcast dims). Parameters: n, rank, shape[rank], aStrides[rank],
 * bStrides[rank].
 */
export function binary(arrays: DeviceArrays, { op, a, aShape, b, bShape, outShape, out }: BinaryArgs): void {
  if (outShape.length > MAX_RANK) throw new Error(`gpu backend: binary ${op} supports up to ${MAX_RANK} dims; got ${outShape.length}`);
  const shader = cachedShader(`binary-${op}`, () => `${bindings(['a', 'b'], ['out'])}
${op === 'pow' ? POW : ''}
${FLAT_MAIN}
  if (i >= p[0]) { return; }
  let rank = p[1];
  var rest = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let size = p[2u + u32(d)];
    let c = rest % size;
    rest = rest / size;
    ia += c * p[2u + rank + u32(d)];
    ib += c * p[2u + 2u * rank + u32(d)];
  }
  let u = a[ia];
  let v = b[ib];
  out[i] = ${BINARY[op]};
}`);
  const n = out.length;
  if (n === 0) return;
  const params = new Params().u32(n, outShape.length, ...outShape, ...broadcastStrides(aShape, outShape), ...broadcastStrides(bShape, outShape));
  arrays.launch(shader, [arrays.input(a), arrays.input(b)], [arrays.output(out)], params.build(), flatGrid(n));
}
