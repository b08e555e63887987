/**
 * Reductions: sum, mean, max, min, var over one or several dims; argmax and argmin. The loops are the
 * registry's `reduce`, `reduceBackward` and `argReduce` kernels (src/tensor/kernels/reduce.ts).
 */
import { Tensor } from '../../tensor/tensor';
import { normalizeDim, normalizeDims, numel } from '../../tensor/shape';
import type { ReduceOp } from '../../tensor/kernels/reduce';
import { kernel } from '../../tensor/registry';
import { Function, applyFunction } from '../function';
import { empty } from './util';

export type Dims = number | readonly number[];

function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!dims.includes(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return out;
}

class Reduce extends Function<[Tensor, Tensor]> {
  constructor(
    private readonly op: ReduceOp,
    private readonly dims: number[],
    private readonly keepdim: boolean,
  ) {
    super();
  }

  get name(): string {
    return this.op[0].toUpperCase() + this.op.slice(1);
  }

  forward(x: Tensor): Tensor {
    if (this.op !== 'sum' && x.numel() === 0) {
      throw new Error(`${this.op}: cannot reduce an empty tensor of shape [${x.shape.join(', ')}]`);
    }
    const out = empty(reducedShape(x.shape, this.dims, this.keepdim), x.dtype);
    kernel('reduce', x.dtype)({ op: this.op, x: x.storage, shape: x.shape, dims: this.dims, out: out.storage });
    this.inputShape = x.shape;
    if (this.op !== 'sum') this.saveForBackward(x, out); // sum's backward needs only the shape
    return out;
  }

  private inputShape: readonly number[] = [];

  backward(g: Tensor): Tensor[] {
    const gx = empty(this.inputShape, g.dtype);
    const [x, out] = this.op === 'sum' ? [null, null] : this.saved;
    kernel('reduceBackward', g.dtype)({
      op: this.op, g: g.storage, x: x ? x.storage : null, y: out ? out.storage : null,
      shape: this.inputShape, dims: this.dims, dx: gx.storage,
    });
    return [gx];
  }
}

function reduce(op: ReduceOp, x: Tensor, dim: Dims | undefined, keepdim: boolean): Tensor {
  const dims = normalizeDims(dim, x.ndim, op);
  return applyFunction(new Reduce(op, dims, keepdim), [x]);
}

export const sum = (x: Tensor, dim?: Dims, keepdim = false): Tensor => reduce('sum', x, dim, keepdim);
export const max = (x: Tensor, dim?: Dims, keepdim = false): Tensor => reduce('max', x, dim, keepdim);
export const min = (x: Tensor, dim?: Dims, keepdim = false): Tensor => reduce('min', x, dim, keepdim);

function countOver(x: Tensor, dim: Dims | undefined, op: string): number {
  return numel(normalizeDims(dim, x.ndim, op).map((d) => x.shape[d]));
}

export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const count = countOver(x, dim, 'mean');
  return sum(x, dim, keepdim).div(count);
}

/** Variance with Bessel's correction by default (correction = 1), as torch.var. */
export function variance(x: Tensor, dim?: Dims, keepdim = false, correction = 1): Tensor {
  const count = countOver(x, dim, 'var');
  const centered = x.sub(mean(x, dim, true));
  const dof = Math.max(0, count - correction);
  return sum(centered.mul(centered), dim, keepdim).div(dof);
}

function argReduce(largest: boolean, x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  const op = largest ? 'argmax' : 'argmin';
  if (x.numel() === 0) throw new Error(`${op}: cannot reduce an empty tensor`);
  if (dim === undefined) {
    const out = empty(keepdim ? x.shape.map(() => 1) : [], 'int32');
    kernel('argReduce', x.dtype)({ largest, x: x.storage, outer: 1, size: x.numel(), inner: 1, out: out.storage as Int32Array });
    return out;
  }
  const d = normalizeDim(dim, x.ndim, op);
  const shape = x.ndim === 0 ? [1] : x.shape;
  const outer = numel(shape.slice(0, d));
  const inner = numel(shape.slice(d + 1));
  const out = empty(reducedShape(x.shape, x.ndim === 0 ? [] : [d], keepdim), 'int32');
  kernel('argReduce', x.dtype)({ largest, x: x.storage, outer, size: shape[d], inner, out: out.storage as Int32Array });
  return out;
}

/** Index of the largest value (flattened when dim is omitted), as an int32 tensor. */
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => argReduce(true, x, dim, keepdim);
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => argReduce(false, x, dim, keepdim);
