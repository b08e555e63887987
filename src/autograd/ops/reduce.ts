/** Reductions: sum, mean, max, min, var over one or several dims; argmax and argmin. */
import { Tensor } from '../../tensor/tensor';
import { broadcastStrides, normalizeDim, normalizeDims, numel } from '../../tensor/shape';
import { ReduceOp, argReduceKernel, reduceKernel } from '../../tensor/kernels/reduce';
import { stridedCopy } from '../../tensor/kernels/strided';
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

/** `t` (laid out as the reduced shape) repeated along the reduced dims up to `shape`. */
function expandBack(t: Tensor, shape: readonly number[], dims: readonly number[]): Tensor {
  const kept = shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const out = empty(shape, t.dtype);
  stridedCopy(t.data, broadcastStrides(kept, shape), shape, out.data);
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
    reduceKernel(this.op, x.data, x.shape, this.dims, out.data);
    this.inputShape = x.shape;
    if (this.op !== 'sum') this.saveForBackward(x, out); // sum's backward needs only the shape
    return out;
  }

  private inputShape: readonly number[] = [];

  backward(g: Tensor): Tensor[] {
    const gx = expandBack(g, this.inputShape, this.dims);
    if (this.op === 'sum') return [gx];
    const [x, out] = this.saved;
    // max / min: the gradient is shared evenly by every element equal to the extreme (torch.amax).
    const best = expandBack(out, x.shape, this.dims);
    const hit = empty(out.shape, 'float64');
    const isHit = new Uint8Array(x.numel());
    for (let i = 0; i < isHit.length; i++) isHit[i] = x.data[i] === best.data[i] ? 1 : 0;
    reduceKernel('sum', isHit, x.shape, this.dims, hit.data);
    const count = expandBack(hit, x.shape, this.dims);
    for (let i = 0; i < isHit.length; i++) gx.data[i] = isHit[i] ? gx.data[i] / count.data[i] : 0;
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
  const centred = x.sub(mean(x, dim, true));
  const dof = Math.max(0, count - correction);
  return sum(centred.mul(centred), dim, keepdim).div(dof);
}

function argReduce(largest: boolean, x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  const op = largest ? 'argmax' : 'argmin';
  if (x.numel() === 0) throw new Error(`${op}: cannot reduce an empty tensor`);
  if (dim === undefined) {
    const out = empty(keepdim ? x.shape.map(() => 1) : [], 'int32');
    argReduceKernel(largest, x.data, 1, x.numel(), 1, out.data as Int32Array);
    return out;
  }
  const d = normalizeDim(dim, x.ndim, op);
  const shape = x.ndim === 0 ? [1] : x.shape;
  const outer = numel(shape.slice(0, d));
  const inner = numel(shape.slice(d + 1));
  const out = empty(reducedShape(x.shape, x.ndim === 0 ? [] : [d], keepdim), 'int32');
  argReduceKernel(largest, x.data, outer, shape[d], inner, out.data as Int32Array);
  return out;
}

/** Index of the largest value (flattened when dim is omitted), as an int32 tensor. */
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => argReduce(true, x, dim, keepdim);
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => argReduce(false, x, dim, keepdim);
