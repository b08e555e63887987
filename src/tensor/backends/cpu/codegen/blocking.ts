/**
 * The GEMM's register tile and cache blocks, shared by the WebAssembly generator and the TypeScript
 * that sizes the packing buffers.
 *
 * The micro-kernel keeps a MR x NR = 4 x 8 tile of C in eight f32x4 registers (4 rows x 2 vectors),
 * which with the two B vectors and one broadcast A value uses 11 of the 16 vector registers of x86-64.
 * Around it, the loops follow the BLIS scheme:
 *
 *   for jc in n by NC        B block (KC x NC, packed) stays in L3
 *     for pc in k by KC
 *       pack B[pc.., jc..]
 *       for ic in m by MC    A block (MC x KC, packed, 128 KiB) stays in L2 (1 MiB per core*)
 *         pack A[ic.., pc..]
 *         for jr in NC by NR   one B micro-panel (KC x 8, 8 KiB) stays in L1 (32 KiB)
 *           for ir in MC by MR   stream A micro-panels (KC x 4) through it
 *             micro-kernel
 *
 * (*) The cache sizes are those of the x86-64 machine the blocks were sized on (the project's 2-core
 * machine, November 2026); other processors have other sizes, and the blocks still work there.
 */
export const MR = 4;
export const NR = 8;
export const KC = 256;
export const MC = 128;
export const NC = 2048;

/** Bytes of one f32. */
export const F32 = 4;

/** Bytes of the packed A block one thread needs. */
export const PACK_A_BYTES = MC * KC * F32;

/** Bytes of the packed B block one thread needs for a product with `n` columns and depth `k`. */
export function packBBytes(n: number, k: number): number {
  const columns = Math.ceil(Math.min(n, NC) / NR) * NR;
  return Math.min(k, KC) * columns * F32;
}

/** Bytes of the scratch tile where the micro-kernel leaves an edge tile (one MR x NR tile). */
export const SCRATCH_BYTES = MR * NR * F32;
