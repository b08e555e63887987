/**
 * The reference matrix product C (m x n) = op(A) · op(B), op = transpose or not, plain TypeScript.
 * Operands are addressed by offset into larger arrays so batched products and im2col need no copies.
 * Loop orders keep the innermost loop on contiguous memory for each transpose case.
 */
import { TypedArray } from '../dtype';

export interface GemmArgs {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  a: ArrayLike<number>;
  aOffset?: number;
  b: ArrayLike<number>;
  bOffset?: number;
  c: TypedArray;
  cOffset?: number;
  /** Add into C instead of overwriting it. */
  accumulate?: boolean;
}

export function gemm(args: GemmArgs): void {
  const { transA, transB, m, n, k, a, b, c } = args;
  const ao = args.aOffset ?? 0;
  const bo = args.bOffset ?? 0;
  const co = args.cOffset ?? 0;
  if (!args.accumulate) c.fill(0, co, co + m * n);
  if (!transA && !transB) {
    // A: m x k, B: k x n. Row of C += A[i,p] * row p of B.
    for (let i = 0; i < m; i++) {
      const ci = co + i * n;
      for (let p = 0; p < k; p++) {
        const aip = a[ao + i * k + p];
        const bp = bo + p * n;
        for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
      }
    }
  } else if (!transA && transB) {
    // A: m x k, B: n x k. Each C[i,j] is a dot product of two contiguous rows.
    for (let i = 0; i < m; i++) {
      const ai = ao + i * k;
      for (let j = 0; j < n; j++) {
        const bj = bo + j * k;
        let acc = 0;
        for (let p = 0; p < k; p++) acc += a[ai + p] * b[bj + p];
        c[co + i * n + j] += acc;
      }
    }
  } else if (transA && !transB) {
    // A: k x m, B: k x n. Rank-1 updates: C += column p of A times row p of B.
    for (let p = 0; p < k; p++) {
      const ap = ao + p * m;
      const bp = bo + p * n;
      for (let i = 0; i < m; i++) {
        const api = a[ap + i];
        const ci = co + i * n;
        for (let j = 0; j < n; j++) c[ci + j] += api * b[bp + j];
      }
    }
  } else {
    // A: k x m, B: n x k.
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += a[ao + p * m + i] * b[bo + j * k + p];
        c[co + i * n + j] += acc;
      }
    }
  }
}

/**
 * `batch` products C_i = op(A_{aIndex[i]}) · op(B_{bIndex[i]}) into C_{cIndex[i]}, indices counted in
 * whole matrices (an index array may repeat an entry: that is how matmul broadcasts). Without an index
 * array, matrix i is used. When cIndex repeats an entry, `accumulate` must be set so the products add up;
 * fast backends may split the batch across threads only where cIndex is absent or has no repeats.
 */
export interface BatchedGemmArgs {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  batch: number;
  a: ArrayLike<number>;
  b: ArrayLike<number>;
  c: TypedArray;
  aIndex?: Int32Array;
  bIndex?: Int32Array;
  cIndex?: Int32Array;
  accumulate?: boolean;
}

export function batchedGemm(args: BatchedGemmArgs): void {
  const { m, n, k, aIndex, bIndex, cIndex } = args;
  if (!args.accumulate) args.c.fill(0);
  for (let i = 0; i < args.batch; i++) {
    gemm({
      transA: args.transA, transB: args.transB, m, n, k, accumulate: true,
      a: args.a, aOffset: (aIndex ? aIndex[i] : i) * m * k,
      b: args.b, bOffset: (bIndex ? bIndex[i] : i) * k * n,
      c: args.c, cOffset: (cIndex ? cIndex[i] : i) * m * n,
    });
  }
}
