/**
 * Attaches the ops to Tensor as methods (t.add(u), t.sum(1), t.backward(), ...). The tensor layer
 * cannot import the ops, which live above it, so they are added to its prototype here and declared
 * to TypeScript by interface merging. Importing `src/index.ts` (or this file) installs them.
 */
import { Tensor } from '../tensor/tensor';
import { DType } from '../tensor/dtype';
import { BackwardOptions, backward, retainGrad } from './engine';
import { TensorLike } from './ops/util';
import * as binary from './ops/binary';
import * as unary from './ops/unary';
import * as reduce from './ops/reduce';
import * as shape from './ops/shape';
import { matmul } from './ops/matmul';

declare module '../tensor/tensor' {
  interface Tensor {
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(exponent: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    clamp(min?: number | null, max?: number | null): Tensor;

    sum(dim?: reduce.Dims, keepdim?: boolean): Tensor;
    mean(dim?: reduce.Dims, keepdim?: boolean): Tensor;
    /** The largest values over `dim` (all dims when omitted); see argmax for the indices. */
    max(dim?: reduce.Dims, keepdim?: boolean): Tensor;
    min(dim?: reduce.Dims, keepdim?: boolean): Tensor;
    /** Variance, unbiased by default (correction 1). */
    var(dim?: reduce.Dims, keepdim?: boolean, correction?: number): Tensor;
    argmax(dim?: number, keepdim?: boolean): Tensor;
    argmin(dim?: number, keepdim?: boolean): Tensor;

    reshape(shape: readonly number[]): Tensor;
    /** Same as reshape: storage is always contiguous here. */
    view(shape: readonly number[]): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    permute(dims: readonly number[]): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    squeeze(dim?: number | readonly number[]): Tensor;
    unsqueeze(dim: number): Tensor;
    expand(shape: readonly number[]): Tensor;
    slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    /** cat([this, ...others], dim) */
    cat(others: readonly Tensor[], dim?: number): Tensor;
    /** stack([this, ...others], dim) */
    stack(others: readonly Tensor[], dim?: number): Tensor;
    chunk(chunks: number, dim?: number): Tensor[];
    pad(padding: readonly number[], value?: number): Tensor;
    matmul(other: Tensor): Tensor;

    to(dtype: DType): Tensor;
    float(): Tensor;
    double(): Tensor;
    clone(): Tensor;

    /** Accumulates d(this)/d(leaf) into every leaf's .grad; gradOutput is needed unless this has one element. */
    backward(gradOutput?: Tensor, opts?: BackwardOptions): void;
    /** Keeps this non-leaf tensor's gradient in .grad after backward. */
    retainGrad(): void;
  }
}

const methods: Partial<Record<keyof Tensor, unknown>> = {
  add(this: Tensor, o: TensorLike) { return binary.add(this, o); },
  sub(this: Tensor, o: TensorLike) { return binary.sub(this, o); },
  mul(this: Tensor, o: TensorLike) { return binary.mul(this, o); },
  div(this: Tensor, o: TensorLike) { return binary.div(this, o); },
  pow(this: Tensor, o: TensorLike) { return binary.pow(this, o); },
  neg(this: Tensor) { return unary.neg(this); },
  exp(this: Tensor) { return unary.exp(this); },
  log(this: Tensor) { return unary.log(this); },
  sqrt(this: Tensor) { return unary.sqrt(this); },
  abs(this: Tensor) { return unary.abs(this); },
  relu(this: Tensor) { return unary.relu(this); },
  sigmoid(this: Tensor) { return unary.sigmoid(this); },
  tanh(this: Tensor) { return unary.tanh(this); },
  clamp(this: Tensor, lo?: number | null, hi?: number | null) { return unary.clamp(this, lo, hi); },

  sum(this: Tensor, dim?: reduce.Dims, keepdim?: boolean) { return reduce.sum(this, dim, keepdim); },
  mean(this: Tensor, dim?: reduce.Dims, keepdim?: boolean) { return reduce.mean(this, dim, keepdim); },
  max(this: Tensor, dim?: reduce.Dims, keepdim?: boolean) { return reduce.max(this, dim, keepdim); },
  min(this: Tensor, dim?: reduce.Dims, keepdim?: boolean) { return reduce.min(this, dim, keepdim); },
  var(this: Tensor, dim?: reduce.Dims, keepdim?: boolean, correction?: number) {
    return reduce.variance(this, dim, keepdim, correction);
  },
  argmax(this: Tensor, dim?: number, keepdim?: boolean) { return reduce.argmax(this, dim, keepdim); },
  argmin(this: Tensor, dim?: number, keepdim?: boolean) { return reduce.argmin(this, dim, keepdim); },

  reshape(this: Tensor, s: readonly number[]) { return shape.reshape(this, s); },
  view(this: Tensor, s: readonly number[]) { return shape.reshape(this, s); },
  flatten(this: Tensor, start?: number, end?: number) { return shape.flatten(this, start, end); },
  permute(this: Tensor, dims: readonly number[]) { return shape.permute(this, dims); },
  transpose(this: Tensor, d0: number, d1: number) { return shape.transpose(this, d0, d1); },
  squeeze(this: Tensor, dim?: number | readonly number[]) { return shape.squeeze(this, dim); },
  unsqueeze(this: Tensor, dim: number) { return shape.unsqueeze(this, dim); },
  expand(this: Tensor, s: readonly number[]) { return shape.expand(this, s); },
  slice(this: Tensor, dim: number, start?: number, end?: number, step?: number) {
    return shape.slice(this, dim, start, end, step);
  },
  cat(this: Tensor, others: readonly Tensor[], dim?: number) { return shape.cat([this, ...others], dim); },
  stack(this: Tensor, others: readonly Tensor[], dim?: number) { return shape.stack([this, ...others], dim); },
  chunk(this: Tensor, chunks: number, dim?: number) { return shape.chunk(this, chunks, dim); },
  pad(this: Tensor, padding: readonly number[], value?: number) { return shape.pad(this, padding, value); },
  matmul(this: Tensor, o: Tensor) { return matmul(this, o); },

  to(this: Tensor, dtype: DType) { return unary.to(this, dtype); },
  float(this: Tensor) { return unary.to(this, 'float32'); },
  double(this: Tensor) { return unary.to(this, 'float64'); },
  clone(this: Tensor) { return unary.clone(this); },

  backward(this: Tensor, gradOutput?: Tensor, opts?: BackwardOptions) { backward(this, gradOutput, opts); },
  retainGrad(this: Tensor) { retainGrad(this); },
};

Object.assign(Tensor.prototype, methods);
