/** Small helpers shared by the op definitions. */
import { Tensor } from '../../tensor/tensor';
import { DType, allocate, isFloat } from '../../tensor/dtype';
import { numel, shapesEqual } from '../../tensor/shape';
import { kernel } from '../../tensor/registry';

export type TensorLike = Tensor | number;

export function empty(shape: readonly number[], dtype: DType): Tensor {
  return new Tensor(allocate(dtype, numel(shape)), shape);
}

/** A number becomes a 0-d tensor of `like`'s dtype (float32 when `like` is int32 and the number is not). */
export function scalarTensor(value: number, like: DType): Tensor {
  const dtype = like === 'int32' && !Number.isInteger(value) ? 'float32' : like;
  const t = empty([], dtype);
  t.data[0] = value;
  return t;
}

export function asTensor(value: TensorLike, like: Tensor, op: string): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value !== 'number') throw new Error(`${op}: expected a Tensor or a number; got ${typeof value}`);
  return scalarTensor(value, like.dtype);
}

export function assertTensor(value: unknown, op: string, name: string): asserts value is Tensor {
  if (!(value instanceof Tensor)) {
    throw new Error(`${op}: ${name} must be a Tensor; got ${value === null ? 'null' : typeof value}`);
  }
}

export function assertFloat(t: Tensor, op: string, name: string): void {
  if (!isFloat(t.dtype)) throw new Error(`${op}: ${name} must be a floating-point tensor; got ${t.dtype}`);
}

/**
 * Undoes broadcasting in backward: sums `grad` over the dims along which a tensor of `shape` was
 * broadcast. Works on raw data; it runs inside backward, where nothing is recorded.
 */
export function sumToShape(grad: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(grad.shape, shape)) return grad;
  const offset = grad.ndim - shape.length;
  const dims: number[] = [];
  for (let d = 0; d < grad.ndim; d++) {
    if (d < offset || (shape[d - offset] === 1 && grad.shape[d] !== 1)) dims.push(d);
  }
  const out = empty(shape, grad.dtype);
  kernel('reduce', grad.dtype)({ op: 'sum', x: grad.storage, shape: grad.shape, dims, out: out.storage });
  return out;
}
