/**
 * Tensor: an n-dimensional array in contiguous row-major storage, plus the autograd fields.
 *
 * This file holds only storage, shape and the gradient bookkeeping. The ops (add, conv, sum, ...) and
 * `backward` are attached to the prototype by `src/autograd/tensor-methods.ts`, one layer up, so that the
 * tensor layer does not import autograd (the same pattern as TensorFlow.js's chained ops).
 */
import { DType, TypedArray, dtypeOf, isFloat } from './dtype';
import { Shape, formatShape, numel, assertValidShape, normalizeDim } from './shape';

/** A node of the backward graph; implemented by the autograd layer. */
export interface GradNode {
  readonly name: string;
}

export type NestedArray = number | NestedArray[];

export class Tensor {
  /** Contiguous row-major storage. `reshape` returns a tensor sharing it; every other op copies. */
  readonly data: TypedArray;
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
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  get ndim(): number {
    return this.shape.length;
  }

  dim(): number {
    return this.shape.length;
  }

  numel(): number {
    return this.data.length;
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
    if (this.data.length !== 1) {
      throw new Error(`item: only a one-element tensor converts to a number; this one has shape ${formatShape(this.shape)}`);
    }
    return this.data[0];
  }

  /** The values as nested arrays (a number for a 0-d tensor), as PyTorch's tolist(). */
  toArray(): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.ndim) return this.data[offset];
      const inner = numel(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, offset + i * inner));
      return out;
    };
    return build(0, 0);
  }

  /** A tensor sharing this one's storage, cut off from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** Drops the accumulated gradient (PyTorch's default set_to_none behaviour). */
  zeroGrad(): void {
    this.grad = null;
  }

  /** What console.log shows in Node: the same text as toString, not the internal fields. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  toString(): string {
    const body = this.data.length <= 64 ? JSON.stringify(this.toArray()) : `${this.data.length} elements`;
    const grad = this.requiresGrad ? `, requiresGrad${this.gradFn ? `, gradFn=${this.gradFn.name}` : ''}` : '';
    return `Tensor(${body}, shape=${formatShape(this.shape)}, dtype=${this.dtype}${grad})`;
  }
}
