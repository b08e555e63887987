/**
 * Elementwise functions of one tensor: neg, exp, log, sqrt, abs, relu, sigmoid, tanh, clamp; casts.
 * The loops are the registry's kernels: `unary` / `unaryBackward` and `clamp` / `clampBackward`
 * (src/tensor/kernels/unary.ts), `relu` / `reluBackward` (src/tensor/kernels/elementwise.ts).
 */
import { Tensor } from '../../tensor/tensor';
import { DType, assertDType, convert, isFloat } from '../../tensor/dtype';
import type { UnaryOp as UnaryKernelOp } from '../../tensor/kernels/unary';
import { Function, applyFunction } from '../function';
import { empty } from './util';
import { kernel } from '../../tensor/registry';
import { stridesOf } from '../../tensor/shape';

export type UnaryOp = UnaryKernelOp | 'relu';

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
    if (this.op === 'relu') kernel('relu', dtype)({ x: x.storage, y: out.storage });
    else kernel('unary', dtype)({ op: this.op, x: x.storage, y: out.storage });
    this.saveForBackward(x, out);
    return out;
  }

  backward(g: Tensor): Tensor[] {
    const [x, out] = this.saved;
    const dx = empty(x.shape, g.dtype);
    if (this.op === 'relu') kernel('reluBackward', g.dtype)({ x: x.storage, g: g.storage, dx: dx.storage });
    else kernel('unaryBackward', g.dtype)({ op: this.op, x: x.storage, y: out.storage, g: g.storage, dx: dx.storage });
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
    kernel('clamp', x.dtype)({ x: x.storage, y: out.storage, min: this.min, max: this.max });
    this.saveForBackward(x);
    return out;
  }

  backward(g: Tensor): Tensor[] {
    const [x] = this.saved;
    const dx = empty(x.shape, g.dtype);
    kernel('clampBackward', g.dtype)({ x: x.storage, g: g.storage, dx: dx.storage, min: this.min, max: this.max });
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
    if (x.dtype !== this.dtype) return new Tensor(convert(x.data, this.dtype), x.shape);
    // A same-dtype copy (clone) goes through a kernel, so on a device backend it stays on the device.
    const out = empty(x.shape, x.dtype);
    kernel('stridedCopy', x.dtype)({ src: x.storage, srcStrides: stridesOf(x.shape), shape: x.shape, out: out.storage });
    return out;
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
