/** Shape arithmetic shared by every op: sizes, strides, broadcasting, dim normalisation. */

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function assertValidShape(shape: Shape, op: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${op}: invalid shape ${formatShape(shape)}; sizes must be non-negative integers`);
    }
  }
}

/** The size of dim i of the broadcast of `a` and `b` (right-aligned, missing dims count as 1). */
function broadcastDim(a: Shape, b: Shape, rank: number, i: number): [number, number] {
  return [i < rank - a.length ? 1 : a[i - (rank - a.length)], i < rank - b.length ? 1 : b[i - (rank - b.length)]];
}

/** The broadcast of two shapes under NumPy / PyTorch rules, or null when they do not broadcast. */
export function tryBroadcastShapes(a: Shape, b: Shape): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const [da, db] = broadcastDim(a, b, rank, i);
    if (da !== db && da !== 1 && db !== 1) return null;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** The broadcast of two shapes, or an error naming the op and the first dim that disagrees. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const out = tryBroadcastShapes(a, b);
  if (out !== null) return out;
  const rank = Math.max(a.length, b.length);
  for (let i = 0; i < rank; i++) {
    const [da, db] = broadcastDim(a, b, rank, i);
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast (dim ${i} of the broadcast: ${da} vs ${db})`,
      );
    }
  }
  throw new Error(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast`);
}

/** Strides for reading a tensor of `shape` as if it had the broadcast shape `target` (0 on broadcast dims). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = stridesOf(shape);
  const offset = target.length - shape.length;
  const out = new Array<number>(target.length).fill(0);
  for (let i = 0; i < shape.length; i++) out[i + offset] = shape[i] === 1 ? 0 : own[i];
  return out;
}

/** Turns a possibly negative dim into an index in [0, rank), or throws naming the op. */
export function normalizeDim(dim: number, rank: number, op: string): number {
  // A 0-d tensor accepts dim 0 and -1, as in PyTorch.
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new Error(`${op}: dim ${dim} is out of range for a tensor of rank ${rank} (expected ${-r} to ${r - 1})`);
  }
  return dim < 0 ? dim + r : dim;
}

/** Normalises a dim list (or all dims when omitted), sorted and without repeats. */
export function normalizeDims(dims: number | readonly number[] | undefined, rank: number, op: string): number[] {
  if (dims === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : dims;
  const out = list.map((d) => normalizeDim(d, rank, op));
  if (new Set(out).size !== out.length) throw new Error(`${op}: dim ${JSON.stringify(list)} repeats a dimension`);
  return out.sort((x, y) => x - y);
}

/** A per-dim argument (stride, padding, kernel size, ...): one integer for every dim, or one each. */
export type IntOrTuple = number | readonly number[];

/** Expands a number or tuple argument to `n` integers, each at least `min` when given. */
export function expandTuple(value: IntOrTuple, n: number, op: string, name: string, min?: number): number[] {
  const out = typeof value === 'number' ? new Array<number>(n).fill(value) : [...value];
  if (out.length !== n || out.some((v) => !Number.isInteger(v))) {
    throw new Error(`${op}: ${name} must be an integer or ${n} integers; got ${JSON.stringify(value)}`);
  }
  if (min !== undefined && out.some((v) => v < min)) {
    const what = min > 0 ? 'positive' : 'non-negative';
    throw new Error(`${op}: ${name} must be ${what}; got ${JSON.stringify(value)}`);
  }
  return out;
}

/**
 * A tensor seen as [outer, size, inner] around one dim: the slice along the dim for (o, k) starts at
 * o * size * inner + k and steps by inner.
 */
export interface DimSplit {
  outer: number;
  size: number;
  inner: number;
}

export function splitAtDim(shape: readonly number[], dim: number): DimSplit {
  // A 0-d tensor is a single slice of one element.
  if (shape.length === 0) return { outer: 1, size: 1, inner: 1 };
  return { outer: numel(shape.slice(0, dim)), size: shape[dim], inner: numel(shape.slice(dim + 1)) };
}
