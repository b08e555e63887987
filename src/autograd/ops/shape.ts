/** Shape ops: reshape (shares storage), permute, expand, slice, cat, pad, and what builds on them. */
import { Tensor } from '../../tensor/tensor';
import { convert, promoteTypes } from '../../tensor/dtype';
import {
  broadcastStrides, formatShape, normalizeDim, normalizeDims, numel, shapesEqual, stridesOf,
} from '../../tensor/shape';
import { kernel } from '../../tensor/registry';
import { Function, applyFunction } from '../function';
import { empty, sumToShape } from './util';

class Reshape extends Function<[]> {
  constructor(private readonly inputShape: readonly number[], private readonly shape: readonly number[]) {
    super();
  }

  forward(x: Tensor): Tensor {
    return new Tensor(x.storage, this.shape);
  }

  backward(g: Tensor): Tensor[] {
    return [new Tensor(g.storage, this.inputShape)];
  }
}

/** A tensor of a new shape over the same storage; one size may be -1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const inferred = shape.filter((d) => d === -1).length;
  const known = numel(shape.filter((d) => d !== -1));
  const bad = shape.some((d) => !Number.isInteger(d) || d < -1);
  if (bad || inferred > 1 || (inferred === 0 && known !== x.numel()) || (inferred === 1 && (known === 0 || x.numel() % known !== 0))) {
    throw new Error(`reshape: shape ${formatShape(shape)} is invalid for a tensor of shape ${formatShape(x.shape)} (${x.numel()} elements)`);
  }
  const target = shape.map((d) => (d === -1 ? x.numel() / known : d));
  if (shapesEqual(target, x.shape)) return x;
  return applyFunction(new Reshape(x.shape, target), [x]);
}

/** Merges dims startDim..endDim into one, as torch.flatten. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, x.ndim, 'flatten');
  const e = normalizeDim(endDim, x.ndim, 'flatten');
  if (s > e) throw new Error(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  return reshape(x, [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/** Removes size-1 dims (all of them, or those listed; a listed dim of another size stays). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? x.shape.map((_, i) => i) : normalizeDims(dim, x.ndim, 'squeeze');
  return reshape(x, x.shape.filter((d, i) => !(d === 1 && dims.includes(i))));
}

/** Inserts a size-1 dim at `dim` (in [-rank-1, rank]). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim + 1, 'unsqueeze');
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

class Permute extends Function<[]> {
  constructor(private readonly order: readonly number[]) {
    super();
  }

  forward(x: Tensor): Tensor {
    const strides = stridesOf(x.shape);
    const shape = this.order.map((d) => x.shape[d]);
    const out = empty(shape, x.dtype);
    kernel('stridedCopy', x.dtype)({ src: x.storage, srcStrides: this.order.map((d) => strides[d]), shape, out: out.storage });
    return out;
  }

  backward(g: Tensor): Tensor[] {
    const inverse = new Array<number>(this.order.length);
    this.order.forEach((d, i) => (inverse[d] = i));
    return [new Permute(inverse).forward(g)];
  }
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const order = dims.map((d) => normalizeDim(d, x.ndim, 'permute'));
  if (order.length !== x.ndim || new Set(order).size !== order.length) {
    throw new Error(`permute: dims ${JSON.stringify(dims)} must list each of the ${x.ndim} dims of ${formatShape(x.shape)} once`);
  }
  if (order.every((d, i) => d === i)) return x;
  return applyFunction(new Permute(order), [x]);
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normalizeDim(dim0, x.ndim, 'transpose');
  const b = normalizeDim(dim1, x.ndim, 'transpose');
  const order = x.shape.map((_, i) => i);
  [order[a], order[b]] = [order[b], order[a]];
  return permute(x, order);
}

class Expand extends Function<[]> {
  constructor(private readonly inputShape: readonly number[], private readonly shape: readonly number[]) {
    super();
  }

  forward(x: Tensor): Tensor {
    const out = empty(this.shape, x.dtype);
    kernel('stridedCopy', x.dtype)({ src: x.storage, srcStrides: broadcastStrides(x.shape, this.shape), shape: this.shape, out: out.storage });
    return out;
  }

  backward(g: Tensor): Tensor[] {
    return [sumToShape(g, this.inputShape)];
  }
}

/** Repeats size-1 dims (and adds leading dims) up to `shape`; -1 keeps a size. Copies, unlike PyTorch. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const offset = shape.length - x.ndim;
  const fail = (): never => {
    throw new Error(`expand: cannot expand shape ${formatShape(x.shape)} to ${formatShape(shape)}`);
  };
  if (offset < 0) fail();
  const target = shape.map((d, i) => {
    const own = i < offset ? undefined : x.shape[i - offset];
    if (d === -1) return own === undefined ? fail() : own;
    if (!Number.isInteger(d) || d < 0 || (own !== undefined && own !== 1 && own !== d)) fail();
    return d;
  });
  if (shapesEqual(target, x.shape)) return x;
  return applyFunction(new Expand(x.shape, target), [x]);
}

class Slice extends Function<[]> {
  constructor(
    private readonly inputShape: readonly number[],
    private readonly dim: number,
    private readonly start: number,
    private readonly step: number,
    private readonly length: number,
  ) {
    super();
  }

  private corner(): { start: number[]; step: number[]; region: number[] } {
    const start = this.inputShape.map((_, d) => (d === this.dim ? this.start : 0));
    const step = this.inputShape.map((_, d) => (d === this.dim ? this.step : 1));
    const region = this.inputShape.map((s, d) => (d === this.dim ? this.length : s));
    return { start, step, region };
  }

  forward(x: Tensor): Tensor {
    const { start, step, region } = this.corner();
    const out = empty(region, x.dtype);
    kernel('copyRegion', x.dtype)({
      src: x.storage, srcShape: x.shape, srcStart: start, srcStep: step,
      dst: out.storage, dstShape: region, dstStart: region.map(() => 0), region,
    });
    return out;
  }

  backward(g: Tensor): Tensor[] {
    // Scatter back: the same copy in reverse, into strided places of a zero tensor.
    const { start, step, region } = this.corner();
    const gx = empty(this.inputShape, g.dtype);
    kernel('copyRegion', g.dtype)({
      src: g.storage, srcShape: region, srcStart: region.map(() => 0),
      dst: gx.storage, dstShape: this.inputShape, dstStart: start, dstStep: step, region,
    });
    return [gx];
  }
}

/** Elements start, start + step, ... before end along `dim`; indices as Python slices (negative, clamped). */
export function slice(x: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
  const d = normalizeDim(dim, x.ndim, 'slice');
  if (!Number.isInteger(step) || step <= 0) throw new Error(`slice: step must be a positive integer; got ${step}`);
  const size = x.shape[d];
  const clampIndex = (i: number): number => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const s = clampIndex(start);
  const e = clampIndex(end ?? size);
  const length = Math.max(0, Math.ceil((e - s) / step));
  if (s === 0 && length === size && step === 1) return x;
  return applyFunction(new Slice(x.shape, d, s, step, length), [x]);
}

/** Splits into `chunks` pieces along `dim` (the last may be smaller, and there may be fewer), as torch.chunk. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new Error(`chunk: chunks must be a positive integer; got ${chunks}`);
  const d = normalizeDim(dim, x.ndim, 'chunk');
  const size = x.shape[d];
  const piece = Math.max(1, Math.ceil(size / chunks));
  const out: Tensor[] = [];
  for (let start = 0; start < size; start += piece) out.push(slice(x, d, start, start + piece));
  return out.length > 0 ? out : [x];
}

class Cat extends Function<[]> {
  constructor(private readonly dim: number, private readonly inputShapes: (readonly number[])[]) {
    super();
  }

  forward(...inputs: Tensor[]): Tensor {
    const d = this.dim;
    const dtype = inputs.map((t) => t.dtype).reduce(promoteTypes);
    const shape = [...inputs[0].shape];
    shape[d] = inputs.reduce((n, t) => n + t.shape[d], 0);
    const out = empty(shape, dtype);
    let at = 0;
    for (const t of inputs) {
      const data = t.dtype === dtype ? t.storage : convert(t.data, dtype);
      kernel('copyRegion', dtype)({
        src: data, srcShape: t.shape, srcStart: t.shape.map(() => 0),
        dst: out.storage, dstShape: shape, dstStart: shape.map((_, i) => (i === d ? at : 0)), region: t.shape,
      });
      at += t.shape[d];
    }
    return out;
  }

  backward(g: Tensor): Tensor[] {
    let at = 0;
    return this.inputShapes.map((shape) => {
      const gi = empty(shape, g.dtype);
      kernel('copyRegion', g.dtype)({
        src: g.storage, srcShape: g.shape, srcStart: g.shape.map((_, i) => (i === this.dim ? at : 0)),
        dst: gi.storage, dstShape: shape, dstStart: shape.map(() => 0), region: shape,
      });
      at += shape[this.dim];
      return gi;
    });
  }
}

/** Joins tensors along an existing dim; all other sizes must agree. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!tensors || tensors.length === 0) throw new Error('cat: expected a non-empty array of tensors');
  const first = tensors[0];
  const d = normalizeDim(dim, first.ndim, 'cat');
  tensors.forEach((t, k) => {
    const ok = t.ndim === first.ndim && t.shape.every((s, i) => i === d || s === first.shape[i]);
    if (!ok) {
      throw new Error(
        `cat: tensor ${k} has shape ${formatShape(t.shape)}, which does not match tensor 0's ${formatShape(first.shape)} ` +
          `outside dim ${d}`,
      );
    }
  });
  if (tensors.length === 1) return first;
  return applyFunction(new Cat(d, tensors.map((t) => t.shape)), [...tensors]);
}

/** Joins tensors of one shape along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!tensors || tensors.length === 0) throw new Error('stack: expected a non-empty array of tensors');
  const shape = tensors[0].shape;
  tensors.forEach((t, k) => {
    if (!shapesEqual(t.shape, shape)) {
      throw new Error(`stack: tensor ${k} has shape ${formatShape(t.shape)}; tensor 0 has ${formatShape(shape)}`);
    }
  });
  const d = normalizeDim(dim, shape.length + 1, 'stack');
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

class Pad extends Function<[]> {
  constructor(
    private readonly before: readonly number[],
    private readonly inputShape: readonly number[],
    private readonly shape: readonly number[],
    private readonly value: number,
  ) {
    super();
  }

  /** The overlap of input and output, in each one's coordinates (negative padding crops). */
  private overlap(): { inStart: number[]; outStart: number[]; region: number[] } {
    const inStart = this.before.map((b) => Math.max(0, -b));
    const outStart = this.before.map((b) => Math.max(0, b));
    const region = this.inputShape.map((s, d) => Math.max(0, Math.min(s - inStart[d], this.shape[d] - outStart[d])));
    return { inStart, outStart, region };
  }

  forward(x: Tensor): Tensor {
    const out = empty(this.shape, x.dtype);
    if (this.value !== 0) out.data.fill(this.value);
    const { inStart, outStart, region } = this.overlap();
    kernel('copyRegion', x.dtype)({ src: x.storage, srcShape: x.shape, srcStart: inStart, dst: out.storage, dstShape: this.shape, dstStart: outStart, region });
    return out;
  }

  backward(g: Tensor): Tensor[] {
    const gx = empty(this.inputShape, g.dtype);
    const { inStart, outStart, region } = this.overlap();
    kernel('copyRegion', g.dtype)({ src: g.storage, srcShape: g.shape, srcStart: outStart, dst: gx.storage, dstShape: this.inputShape, dstStart: inStart, region });
    return [gx];
  }
}

/**
 * Constant padding as torch.nn.functional.pad: `padding` lists (before, after) pairs starting from the
 * last dim; negative amounts crop.
 */
export function pad(x: Tensor, padding: readonly number[], value = 0): Tensor {
  if (padding.length % 2 !== 0 || padding.length / 2 > x.ndim || padding.some((p) => !Number.isInteger(p))) {
    throw new Error(
      `pad: padding must be an even number (at most ${2 * x.ndim}) of integers for a tensor of rank ${x.ndim}; ` +
        `got ${JSON.stringify(padding)}`,
    );
  }
  const before = x.shape.map(() => 0);
  const after = x.shape.map(() => 0);
  for (let k = 0; k < padding.length / 2; k++) {
    before[x.ndim - 1 - k] = padding[2 * k];
    after[x.ndim - 1 - k] = padding[2 * k + 1];
  }
  const shape = x.shape.map((s, d) => s + before[d] + after[d]);
  if (shape.some((s) => s < 0)) {
    throw new Error(`pad: padding ${JSON.stringify(padding)} would give a negative size for shape ${formatShape(x.shape)}`);
  }
  return applyFunction(new Pad(before, x.shape, shape, value), [x]);
}
