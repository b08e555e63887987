/** Elementwise functions of one tensor: neg, exp, log, sqrt, abs, relu, sigmoid, tanh, clamp; casts. */
import { Tensor } from '../../tensor/tensor';
import { DType, assertDType, convert, isFloat } from '../../tensor/dtype';
import { Function, applyFunction } from '../function';
import { empty } from './util';
import { kernel } from '../../tensor/registry';

export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'relu' | 'sigmoid' | 'tanh';

// Functions whose result is fractional even for integer input (torch promotes these to float).
const FLOAT_RESULT = new Set<UnaryOp>(['exp', 'log', 'sqrt', 'sigmoid', 'tanh']);

class Unary extends Function<[Tensor, Tensor]> {
  constructor(private readonly op: UnaryOp) {
    super();
  }

  get name(): string {
    return this.op[0].toUpperCase() + this.op.slice(1);
  }

  forward(x: Tensor): Tensor {
    const dtype = FLOAT_RESULT.has(this.op) && !isFloat(x.dtype) ? 'float32' : x.dtype;
    const out = empty(x.shape, dtype);
    const a = x.data, y = out.data, n = a.length;
    switch (this.op) {
      case 'neg': for (let i = 0; i < n; i++) y[i] = -a[i]; break;
      case 'exp': for (let i = 0; i < n; i++) y[i] = Math.exp(a[i]); break;
      case 'log': for (let i = 0; i < n; i++) y[i] = Math.log(a[i]); break;
      case 'sqrt': for (let i = 0; i < n; i++) y[i] = Math.sqrt(a[i]); break;
      case 'abs': for (let i = 0; i < n; i++) y[i] = Math.abs(a[i]); break;
      case 'relu': kernel('relu', dtype)({ x: a, y }); break;
      case 'sigmoid': for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-a[i])); break;
      case 'tanh': for (let i = 0; i < n; i++) y[i] = Math.tanh(a[i]); break;
    }
    this.saveForBackward(x, out);
    return out;
  }

  backward(g: Tensor): Tensor[] {
    const [x, out] = this.saved;
    const dx = empty(x.shape, g.dtype);
    const d = dx.data, gd = g.data, a = x.data, y = out.data, n = d.length;
    switch (this.op) {
      case 'neg': for (let i = 0; i < n; i++) d[i] = -gd[i]; break;
      case 'exp': for (let i = 0; i < n; i++) d[i] = gd[i] * y[i]; break;
      case 'log': for (let i = 0; i < n; i++) d[i] = gd[i] / a[i]; break;
      case 'sqrt': for (let i = 0; i < n; i++) d[i] = gd[i] / (2 * y[i]); break;
      case 'abs': for (let i = 0; i < n; i++) d[i] = gd[i] * Math.sign(a[i]); break;
      case 'relu': kernel('reluBackward', g.dtype)({ x: a, g: gd, dx: d }); break;
      case 'sigmoid': for (let i = 0; i < n; i++) d[i] = gd[i] * y[i] * (1 - y[i]); break;
      case 'tanh': for (let i = 0; i < n; i++) d[i] = gd[i] * (1 - y[i] * y[i]); break;
    }
    return [dx];
  }
}

function unary(op: UnaryOp, x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor; got ${typeof x}`);
  return applyFunction(new Unary(op), [x]);
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);

/** Limits values to [min, max]; the gradient passes where min <= x <= max, as in PyTorch. */
class Clamp extends Function<[Tensor]> {
  constructor(private readonly min: number, private readonly max: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    const out = empty(x.shape, x.dtype);
    const a = x.data, y = out.data, { min, max } = this;
    for (let i = 0; i < a.length; i++) y[i] = a[i] < min ? min : a[i] > max ? max : a[i];
    this.saveForBackward(x);
    return out;
  }

  backward(g: Tensor): Tensor[] {
    const [x] = this.saved;
    const dx = empty(x.shape, g.dtype);
    const a = x.data, { min, max } = this;
    for (let i = 0; i < a.length; i++) dx.data[i] = a[i] >= min && a[i] <= max ? g.data[i] : 0;
    return [dx];
  }
}

export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new Error('clamp: give at least one of min and max');
  }
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  if (Number.isNaN(lo) || Number.isNaN(hi)) throw new Error(`clamp: min and max must be numbers; got ${min}, ${max}`);
  return applyFunction(new Clamp(lo, hi), [x]);
}

/** A copy in another dtype; gradients flow back between float types. */
class Cast extends Function<[]> {
  constructor(private readonly dtype: DType) {
    super();
  }

  forward(x: Tensor): Tensor {
    return new Tensor(convert(x.data, this.dtype), x.shape);
  }

  backward(g: Tensor): Tensor[] {
    return [g]; // the engine converts it to the input's dtype
  }
}

export function to(x: Tensor, dtype: DType): Tensor {
  assertDType(dtype, 'to');
  if (x.dtype === dtype) return x;
  if (x.requiresGrad && !isFloat(dtype)) {
    throw new Error(`to: cannot cast a tensor that requires grad to ${dtype}; detach() it first`);
  }
  return applyFunction(new Cast(dtype), [x]);
}

/** A copy with its own storage, recorded for backward. */
export function clone(x: Tensor): Tensor {
  return applyFunction(new Cast(x.dtype), [x]);
}
