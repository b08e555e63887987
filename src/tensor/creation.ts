/** Factories: tensor(), zeros, ones, full, arange, rand, randn and their *Like forms. */
import { DType, TypedArray, allocate, assertDType, convert, dtypeOf } from './dtype';
import { Shape, assertValidShape, formatShape, numel } from './shape';
import { Tensor, NestedArray } from './tensor';
import { Generator, defaultGenerator } from './random';

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface TensorFromValuesOptions extends TensorOptions {
  /** Reshapes flat values; required to give a typed array a shape other than 1-D. */
  shape?: number[];
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

function finish(t: Tensor, opts: TensorOptions | undefined): Tensor {
  if (opts?.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Shape of a nested array, checking that it is rectangular. */
function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  const check = (v: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') throw new Error(`tensor: element ${path} is ${typeof v}; expected a number`);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new Error(
        `tensor: ragged nested array: element ${path || '(root)'} should be an array of length ${shape[dim]}`,
      );
    }
    v.forEach((x, i) => check(x, dim + 1, `${path}[${i}]`));
  };
  check(values, 0, '');
  return shape;
}

/**
 * Makes a tensor from numbers, nested arrays or a typed array (copied). Numbers default to float32;
 * a typed array keeps its own dtype unless `dtype` is given.
 */
export function tensor(
  values: NestedArray | readonly number[] | TypedArray,
  opts: TensorFromValuesOptions = {},
): Tensor {
  let flat: ArrayLike<number>;
  let shape: number[];
  let dtype: DType;
  if (ArrayBuffer.isView(values)) {
    flat = values as TypedArray;
    shape = [flat.length];
    dtype = opts.dtype ?? dtypeOf(values as TypedArray);
  } else {
    shape = inferShape(values as NestedArray);
    flat = typeof values === 'number' ? [values] : (values as NestedArray[]).flat(Infinity as 1) as number[];
    dtype = opts.dtype ?? 'float32';
  }
  if (opts.dtype !== undefined) assertDType(opts.dtype, 'tensor');
  if (opts.shape !== undefined) {
    assertValidShape(opts.shape, 'tensor');
    if (numel(opts.shape) !== flat.length) {
      throw new Error(`tensor: shape ${formatShape(opts.shape)} needs ${numel(opts.shape)} values; got ${flat.length}`);
    }
    shape = [...opts.shape];
  }
  return finish(new Tensor(convert(flat, dtype), shape), opts);
}

export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  assertValidShape(shape, 'full');
  const data = allocate(opts.dtype ?? 'float32', numel(shape));
  if (value !== 0) data.fill(value);
  return finish(new Tensor(data, shape), opts);
}

export function zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: Shape, opts: TensorOptions = {}): Tensor {
  return full(shape, 1, opts);
}

export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, ...opts });
}

export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, ...opts });
}

/** Values start, start + step, ... below end (arange(n) counts 0 .. n-1), as torch.arange. */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be a non-zero finite number; got ${step}`);
  const count = Math.max(0, Math.ceil((end - start) / step));
  const data = allocate(opts.dtype ?? 'float32', count);
  for (let i = 0; i < count; i++) data[i] = start + i * step;
  return finish(new Tensor(data, [count]), opts);
}

function assertRandomDType(opts: RandomOptions, op: string): void {
  if (opts.dtype === 'int32') throw new Error(`${op}: samples are fractional; ask for float32 or float64, not int32`);
}

/** Uniform samples in [0, 1). */
export function rand(shape: Shape, opts: RandomOptions = {}): Tensor {
  assertRandomDType(opts, 'rand');
  const t = zeros(shape, { dtype: opts.dtype ?? 'float32' });
  (opts.generator ?? defaultGenerator).fillUniform(t.data);
  return finish(t, opts);
}

/** Standard normal samples. */
export function randn(shape: Shape, opts: RandomOptions = {}): Tensor {
  assertRandomDType(opts, 'randn');
  const t = zeros(shape, { dtype: opts.dtype ?? 'float32' });
  (opts.generator ?? defaultGenerator).fillNormal(t.data);
  return finish(t, opts);
}
