/**
 * Tensor: an n-dimensional array in contiguous row-major storage, plus the autograd fields, and the ops
 * as methods (t.add(u), t.sum(1), t.backward(), ...).
 *
 * The methods only forward to the op functions of the autograd layer (`src/autograd/ops`), which is
 * the one place an op is defined. That makes this file and the ops import each other; the cycle is
 * harmless because neither side uses the other while its module loads (the ops need Tensor only inside
 * their functions), and it is what lets every tensor have its methods whichever module a program
 * imports first, with no import done for its side effect.
 */
import { DType, TypedArray, dtypeOf, isFloat } from './dtype';
import { takeForHost } from './residency';
import { Shape, formatShape, numel, assertValidShape, normalizeDim } from './shape';
import type { TensorLike } from '../autograd/ops/util';
import type { BackwardOptions } from '../autograd/engine';
import * as engine from '../autograd/engine';
import * as binary from '../autograd/ops/binary';
import * as unary from '../autograd/ops/unary';
import * as reduce from '../autograd/ops/reduce';
import * as shapeOps from '../autograd/ops/shape';
import * as product from '../autograd/ops/matmul';

/** A node of the backward graph; implemented by the autograd layer. */
export interface GradNode {
  readonly name: string;
}

export type NestedArray = number | NestedArray[];

export class Tensor {
  /**
   * Contiguous row-major storage, as kernels receive it. On a device backend its current values may
   * be on the device (src/tensor/residency.ts): host code reads `data`, which brings them back.
   * `reshape` returns a tensor sharing it; every other op copies.
   */
  readonly storage: TypedArray;
  readonly shape: readonly number[];
  /** The gradient accumulated by `backward`, for leaves (and for tensors that called `retainGrad`). */
  grad: Tensor | null = null;
  /** The backward node that produced this tensor; null for leaves. */
  gradFn: GradNode | null = null;
  private requiresGradFlag = false;

  constructor(data: TypedArray, shape: Shape) {
    assertValidShape(shape, 'Tensor');
    if (data.length !== numel(shape)) {
      throw new Error(`Tensor: shape ${formatShape(shape)} needs ${numel(shape)} elements; the data has ${data.length}`);
    }
    this.storage = data;
    this.shape = Object.freeze([...shape]);
  }

  /** The values, for host code to read or write (brought back from the device first, if they are there). */
  get data(): TypedArray {
    return takeForHost(this.storage);
  }

  get dtype(): DType {
    return dtypeOf(this.storage);
  }

  get ndim(): number {
    return this.shape.length;
  }

  dim(): number {
    return this.shape.length;
  }

  numel(): number {
    return this.storage.length;
  }

  /** The size of one dim (negative counts from the end), or the whole shape. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number | number[] {
    if (dim === undefined) return [...this.shape];
    return this.shape[normalizeDim(dim, this.ndim, 'size')];
  }

  get requiresGrad(): boolean {
    return this.requiresGradFlag;
  }

  set requiresGrad(value: boolean) {
    if (value && !isFloat(this.dtype)) {
      throw new Error(`requiresGrad: only floating-point tensors can require gradients; this one is ${this.dtype}`);
    }
    if (!value && this.gradFn !== null) {
      throw new Error('requiresGrad: cannot turn gradients off for a non-leaf tensor; use detach() instead');
    }
    this.requiresGradFlag = value;
  }

  /** Sets requiresGrad and returns this tensor, as PyTorch's requires_grad_(). */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  /** True for tensors made by the user rather than by a recorded op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.storage.length !== 1) {
      throw new Error(`item: only a one-element tensor converts to a number; this one has shape ${formatShape(this.shape)}`);
    }
    return this.data[0];
  }

  /** The values as nested arrays (a number for a 0-d tensor), as PyTorch's tolist(). */
  toArray(): NestedArray {
    const values = this.data;
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.ndim) return values[offset];
      const inner = numel(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, offset + i * inner));
      return out;
    };
    return build(0, 0);
  }

  /** A tensor sharing this one's storage, cut off from the graph. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape);
  }

  /** Drops the accumulated gradient (PyTorch's default set_to_none behaviour). */
  zeroGrad(): void {
    this.grad = null;
  }

  // Ops as methods. Each forwards to the op function of the same name in src/autograd/ops.

  add(other: TensorLike): Tensor { return binary.add(this, other); }
  sub(other: TensorLike): Tensor { return binary.sub(this, other); }
  mul(other: TensorLike): Tensor { return binary.mul(this, other); }
  div(other: TensorLike): Tensor { return binary.div(this, other); }
  pow(exponent: TensorLike): Tensor { return binary.pow(this, exponent); }
  neg(): Tensor { return unary.neg(this); }
  exp(): Tensor { return unary.exp(this); }
  log(): Tensor { return unary.log(this); }
  sqrt(): Tensor { return unary.sqrt(this); }
  abs(): Tensor { return unary.abs(this); }
  relu(): Tensor { return unary.relu(this); }
  sigmoid(): Tensor { return unary.sigmoid(this); }
  tanh(): Tensor { return unary.tanh(this); }
  clamp(min?: number | null, max?: number | null): Tensor { return unary.clamp(this, min, max); }

  sum(dim?: reduce.Dims, keepdim?: boolean): Tensor { return reduce.sum(this, dim, keepdim); }
  mean(dim?: reduce.Dims, keepdim?: boolean): Tensor { return reduce.mean(this, dim, keepdim); }
  /** The largest values over `dim` (all dims when omitted); see argmax for the indices. */
  max(dim?: reduce.Dims, keepdim?: boolean): Tensor { return reduce.max(this, dim, keepdim); }
  min(dim?: reduce.Dims, keepdim?: boolean): Tensor { return reduce.min(this, dim, keepdim); }
  /** Variance, unbiased by default (correction 1). */
  var(dim?: reduce.Dims, keepdim?: boolean, correction?: number): Tensor {
    return reduce.variance(this, dim, keepdim, correction);
  }
  argmax(dim?: number, keepdim?: boolean): Tensor { return reduce.argmax(this, dim, keepdim); }
  argmin(dim?: number, keepdim?: boolean): Tensor { return reduce.argmin(this, dim, keepdim); }

  reshape(shape: readonly number[]): Tensor { return shapeOps.reshape(this, shape); }
  /** Same as reshape: storage is always contiguous here. */
  view(shape: readonly number[]): Tensor { return shapeOps.reshape(this, shape); }
  flatten(startDim?: number, endDim?: number): Tensor { return shapeOps.flatten(this, startDim, endDim); }
  permute(dims: readonly number[]): Tensor { return shapeOps.permute(this, dims); }
  transpose(dim0: number, dim1: number): Tensor { return shapeOps.transpose(this, dim0, dim1); }
  squeeze(dim?: number | readonly number[]): Tensor { return shapeOps.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return shapeOps.unsqueeze(this, dim); }
  expand(shape: readonly number[]): Tensor { return shapeOps.expand(this, shape); }
  slice(dim: number, start?: number, end?: number, step?: number): Tensor {
    return shapeOps.slice(this, dim, start, end, step);
  }
  /** cat([this, ...others], dim) */
  cat(others: readonly Tensor[], dim?: number): Tensor { return shapeOps.cat([this, ...others], dim); }
  /** stack([this, ...others], dim) */
  stack(others: readonly Tensor[], dim?: number): Tensor { return shapeOps.stack([this, ...others], dim); }
  chunk(chunks: number, dim?: number): Tensor[] { return shapeOps.chunk(this, chunks, dim); }
  pad(padding: readonly number[], value?: number): Tensor { return shapeOps.pad(this, padding, value); }
  matmul(other: Tensor): Tensor { return product.matmul(this, other); }

  to(dtype: DType): Tensor { return unary.to(this, dtype); }
  float(): Tensor { return unary.to(this, 'float32'); }
  double(): Tensor { return unary.to(this, 'float64'); }
  clone(): Tensor { return unary.clone(this); }

  /** Accumulates d(this)/d(leaf) into every leaf's .grad; gradOutput is needed unless this has one element. */
  backward(gradOutput?: Tensor, opts?: BackwardOptions): void { engine.backward(this, gradOutput, opts); }
  /** Keeps this non-leaf tensor's gradient in .grad after backward. */
  retainGrad(): void { engine.retainGrad(this); }

  /** What console.log shows in Node: the same text as toString, not the internal fields. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  toString(): string {
    const n = this.storage.length;
    const body = n <= 64 ? JSON.stringify(this.toArray()) : `${n} elements`;
    const grad = this.requiresGrad ? `, requiresGrad${this.gradFn ? `, gradFn=${this.gradFn.name}` : ''}` : '';
    return `Tensor(${body}, shape=${formatShape(this.shape)}, dtype=${this.dtype}${grad})`;
  }
}
