/** The element types a tensor can hold, and the typed arrays that store them. */

export type DType = 'float32' | 'float64' | 'int32';
export type TypedArray = Float32Array | Float64Array | Int32Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

export function isFloat(dtype: DType): boolean {
  return dtype !== 'int32';
}

export function allocate(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
  }
}

export function dtypeOf(array: TypedArray): DType {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  return 'int32';
}

/** Copies `source` into a new array of `dtype` (a no-op conversion still copies). */
export function convert(source: ArrayLike<number>, dtype: DType): TypedArray {
  const out = allocate(dtype, source.length);
  if (dtype === 'int32') {
    // Truncation toward zero, as PyTorch's float-to-int cast.
    for (let i = 0; i < source.length; i++) out[i] = Math.trunc(source[i]);
  } else {
    out.set(source as ArrayLike<number>);
  }
  return out;
}

/** PyTorch's type promotion between two tensors: float64 > float32 > int32. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === 'float64' || b === 'float64') return 'float64';
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'int32';
}

export function assertDType(value: unknown, op: string): DType {
  if (typeof value === 'string' && (DTYPES as readonly string[]).includes(value)) return value as DType;
  throw new Error(`${op}: unknown dtype ${JSON.stringify(value)}; expected one of ${DTYPES.join(', ')}`);
}
