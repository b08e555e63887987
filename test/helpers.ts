/** Shared test helpers: seeded random tensors and fast-check arbitraries for shapes. */
import fc from 'fast-check';
import { Tensor, Generator, tensor } from '../src';
import { gradcheck } from '../src/autograd/api';
import type { DType } from '../src';

/** Property tests per op: enough to hit odd shapes and arguments, small enough for 2 cores. */
export const RUNS = 60;

/** A tensor with values from N(0, 1) (or U[low, high) when `range` is given), reproducible from `seed`. */
export function seeded(
  shape: number[],
  seed: number,
  opts: { dtype?: DType; requiresGrad?: boolean; range?: [number, number] } = {},
): Tensor {
  const g = new Generator(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float64Array(size);
  if (opts.range) g.fillUniform(values, opts.range[0], opts.range[1]);
  else g.fillNormal(values);
  return tensor(values, { shape, dtype: opts.dtype ?? 'float64', requiresGrad: opts.requiresGrad ?? true });
}

/** Shapes of rank in [minRank, maxRank] with sizes in [1, maxSize]. */
export function shapeArb(minRank: number, maxRank: number, maxSize = 4): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxSize }), { minLength: minRank, maxLength: maxRank });
}

export const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** Two shapes that broadcast together: some dims of one set to 1, and leading dims dropped. */
export function broadcastPairArb(maxRank = 4): fc.Arbitrary<[number[], number[]]> {
  return fc
    .record({
      full: shapeArb(1, maxRank, 4),
      onesA: fc.array(fc.boolean(), { minLength: maxRank, maxLength: maxRank }),
      onesB: fc.array(fc.boolean(), { minLength: maxRank, maxLength: maxRank }),
      dropA: fc.integer({ min: 0, max: maxRank }),
      dropB: fc.integer({ min: 0, max: maxRank }),
    })
    .map(({ full, onesA, onesB, dropA, dropB }) => {
      const a = full.map((d, i) => (onesA[i] ? 1 : d)).slice(Math.min(dropA, full.length - 1));
      const b = full.map((d, i) => (onesB[i] && !onesA[i] ? 1 : d)).slice(Math.min(dropB, full.length - 1));
      return [a, b] as [number[], number[]];
    });
}

/** gradcheck with the tolerances the project requires (eps 1e-6, atol 1e-5, rtol 1e-3). */
export function checkGrad(fn: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[]): boolean {
  return gradcheck(fn, inputs, { eps: 1e-6, atol: 1e-5, rtol: 1e-3 });
}

/** Max absolute difference between two arrays of numbers. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length} differ`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A float32 array of N(0, 1) values, reproducible from `seed` (kernel tests feed raw arrays). */
export function randomArray(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  new Generator(seed).fillNormal(out);
  return out;
}

/** max |got - want| over the largest |want|: the relative error, immune to entries that cancel to ~0. */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`relativeError: lengths ${got.length} and ${want.length} differ`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return scale === 0 ? diff : diff / scale;
}


/** Runs `read` and returns its Error message (failing the test when it does not throw). */
export function errorOf(read: () => unknown): string {
  try {
    read();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an Error');
}
