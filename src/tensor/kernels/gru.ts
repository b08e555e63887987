/**
 * One step of a GRU's recurrence (src/nn/layers/gru.ts) for a batch of N states of H features: the
 * gate math after the two products, which the op runs through `gemm` (the input projection hoisted for
 * every step, the hidden one per step). Gates are stacked r, z, n along a row of G = 3H:
 *   r = σ(a_r + gh_r + b_r),  z = σ(a_z + gh_z + b_z),  n = tanh(a_n + r ⊙ (gh_n + b_n)),
 *   h' = (1 − z) ⊙ n + z ⊙ h
 * with a the input projection, gh = h W_hhᵀ and b = b_hh. Every array is addressed from an offset, so
 * one call reads and writes step t of the [L, N, ·] sequences in place.
 */
import type { TypedArray } from '../dtype';

export interface GruCellArgs {
  n: number;
  h: number;
  /** The input projection, [N, 3H] from xOffset (b_ih included). */
  x: ArrayLike<number>;
  xOffset: number;
  /** h W_hhᵀ for this step, [N, 3H] from 0. */
  gh: ArrayLike<number>;
  /** b_hh, [3H], or null. */
  bias: ArrayLike<number> | null;
  /** The state before this step, [N, H] from prevOffset (it may be `out` itself, at another step). */
  prev: ArrayLike<number>;
  prevOffset: number;
  /** Written: the new state, [N, H] from outOffset. */
  out: TypedArray;
  outOffset: number;
  /** Written for backward: r, z, n, [N, 3H] from xOffset. */
  gates: TypedArray;
  /** Written for backward: gh_n + b_n, [N, H] from outOffset (n's derivative in r needs it). */
  hn: TypedArray;
}

export interface GruCellBackwardArgs {
  n: number;
  h: number;
  /** The gradient reaching the new state from later steps, [N, H] from 0. */
  dh: ArrayLike<number>;
  /** The output's gradient at this step, [N, H] from outOffset. */
  g: ArrayLike<number>;
  /** The forward's gates and hn, at xOffset and outOffset as there. */
  gates: ArrayLike<number>;
  hn: ArrayLike<number>;
  xOffset: number;
  outOffset: number;
  prev: ArrayLike<number>;
  prevOffset: number;
  /** Written: the gates' pre-activation gradient from the input side [dr, dz, dn], [N, 3H] from xOffset. */
  da: TypedArray;
  /** Written: the same from the hidden side [dr, dz, r ⊙ dn], [N, 3H] from xOffset. */
  dgh: TypedArray;
  /** Written: the state's gradient through z alone, [N, H] from 0 (the op adds dgh W_hh to it). */
  dPrev: TypedArray;
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

export function gruCell(args: GruCellArgs): void {
  const { n: N, h: H, x, gh, bias: b, prev, out, gates, hn } = args;
  const G = 3 * H;
  for (let i = 0; i < N; i++) {
    const row3 = args.xOffset + i * G, rowH = args.outOffset + i * H, ghRow = i * G, prevRow = args.prevOffset + i * H;
    for (let j = 0; j < H; j++) {
      const r = sigmoid(x[row3 + j] + gh[ghRow + j] + (b ? b[j] : 0));
      const z = sigmoid(x[row3 + H + j] + gh[ghRow + H + j] + (b ? b[H + j] : 0));
      const hnj = gh[ghRow + 2 * H + j] + (b ? b[2 * H + j] : 0);
      const nj = Math.tanh(x[row3 + 2 * H + j] + r * hnj);
      out[rowH + j] = (1 - z) * nj + z * prev[prevRow + j];
      gates[row3 + j] = r;
      gates[row3 + H + j] = z;
      gates[row3 + 2 * H + j] = nj;
      hn[rowH + j] = hnj;
    }
  }
}

/**
 * With d = dh + g the new state's whole gradient: dn = d (1 − z)(1 − n²), dz = d (h − n) z (1 − z),
 * dr = dn · hn · r (1 − r), and the state's direct share d · z.
 */
export function gruCellBackward(args: GruCellBackwardArgs): void {
  const { n: N, h: H, dh, g, gates, hn, prev, da, dgh, dPrev } = args;
  const G = 3 * H;
  for (let i = 0; i < N; i++) {
    const row3 = args.xOffset + i * G, rowH = args.outOffset + i * H;
    for (let j = 0; j < H; j++) {
      const k = i * H + j;
      const d = dh[k] + g[rowH + j];
      const r = gates[row3 + j], z = gates[row3 + H + j], nj = gates[row3 + 2 * H + j];
      const dn = d * (1 - z) * (1 - nj * nj);
      const dz = d * (prev[args.prevOffset + k] - nj) * z * (1 - z);
      const dr = dn * hn[rowH + j] * r * (1 - r);
      da[row3 + j] = dr;
      da[row3 + H + j] = dz;
      da[row3 + 2 * H + j] = dn;
      dgh[row3 + j] = dr;
      dgh[row3 + H + j] = dz;
      dgh[row3 + 2 * H + j] = dn * r;
      dPrev[k] = d * z;
    }
  }
}
