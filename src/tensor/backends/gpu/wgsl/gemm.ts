/**
 * Matrix products in WGSL: gemm and batchedGemm, and the tiled product shader that the convolution
 * kernels (conv.ts) build on with loads of their own.
 *
 * Each workgroup of 16x16 threads computes a TM x TN tile of C, each thread an R x Q block of it
 * (rows ly + 16i, columns lx + 16j, so neighbouring threads touch neighbouring elements). The tile is
 * 64x64 (R = Q = 4) for large products; along a dimension of C of at most 32 or 16 it is 32 or 16, as
 * for the convolutions of narrow layers and small frames, so that a tile is not mostly past C's edge.
 * K advances in steps of 16: the workgroup stages a TM x 16 slice of op(A) and a 16 x TN slice of
 * op(B) in workgroup memory, in the order that makes neighbouring threads read neighbouring addresses for
 * the operand's layout. Elements past the matrix edges load as zeros.
 *
 * A workgroup may sum several products into its tile before storing it (the "items" loop): that is how
 * batchedGemm adds the products whose cIndex repeat into one C matrix without atomics.
 */
import type { BatchedGemmArgs, GemmArgs } from '../../../kernels/gemm';
import type { TypedArray } from '../../../dtype';
import type { Shader } from '../device';
import { DeviceArrays, Params } from '../device-arrays';
import { FLAT_MAIN, flatGrid } from './grid';
import { bindings, cachedShader } from './source';

/** The tile's edge along a dimension of C of `size`: 64, or 32 or 16 when C is that narrow. */
function tileEdgeFor(size: number): 16 | 32 | 64 {
  return size <= 16 ? 16 : size <= 32 ? 32 : 64;
}
const MAX_GROUPS = 65535;

/**
 * The WGSL pieces of one tiled product. Inside `main` the names available are `wid` (workgroup id),
 * `row0`/`col0` (the tile's corner), and for the snippets:
 * - `setup`: runs first; must define `M`, `N`, `K` and `itemCount` (u32 lets, uniform: from `p` and
 *   `wid` only, since the loops they bound contain barriers) and whatever the loads use;
 * - `beginItem`: runs at the start of each item (`item` counts from 0), before its K loop;
 * - `loadA`: sets `v` to op(A)[gr, gk] (gr < M and gk < K are already checked);
 * - `loadB`: sets `v` to op(B)[gk, gc];
 * - `store`: stores `value` as C[gr, gc] (gr < M, gc < N checked).
 * `aAlongK`: neighbouring threads load neighbouring k of A (A row-major in k); otherwise neighbouring
 * rows. `bAlongN`: neighbouring threads load neighbouring columns of B; otherwise neighbouring k.
 */
export interface TiledProduct {
  key: string;
  declarations: string;
  setup: string;
  beginItem?: string;
  loadA: string;
  loadB: string;
  store: string;
  aAlongK: boolean;
  bAlongN: boolean;
}

function tiledShader(spec: TiledProduct, TM: number, TN: number): Shader {
  return cachedShader(`${spec.key}-${TM}x${TN}`, () => tiledCode(spec, TM, TN));
}

function tiledCode(spec: TiledProduct, TM: number, TN: number): string {
  const R = TM / 16, Q = TN / 16;
  const aIndices = spec.aAlongK
    ? 'let ak = e % 16u;\n        let ar = e / 16u;'
    : `let ar = e % ${TM}u;\n        let ak = e / ${TM}u;`;
  const bIndices = spec.bAlongN
    ? `let bc = e % ${TN}u;\n        let bk = e / ${TN}u;`
    : 'let bk = e % 16u;\n        let bc = e / 16u;';
  const code = `${spec.declarations}
var<workgroup> tileA: array<f32, ${TM * 16}>;
var<workgroup> tileB: array<f32, ${TN * 16}>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) t: u32) {
  let row0 = wid.y * ${TM}u;
  let col0 = wid.x * ${TN}u;
  ${spec.setup}
  var acc: array<f32, ${R * Q}>;
  for (var item = 0u; item < itemCount; item++) {
    ${spec.beginItem ?? ''}
    for (var k0 = 0u; k0 < K; k0 += 16u) {
      for (var r = 0u; r < ${R}u; r++) {
        let e = t + 256u * r;
        ${aIndices}
        let gr = row0 + ar;
        let gk = k0 + ak;
        var v = 0.0;
        if (gr < M && gk < K) {
          ${spec.loadA}
        }
        tileA[ak * ${TM}u + ar] = v;
      }
      for (var r = 0u; r < ${Q}u; r++) {
        let e = t + 256u * r;
        ${bIndices}
        {
          let gk = k0 + bk;
          let gc = col0 + bc;
          var v = 0.0;
          if (gk < K && gc < N) {
            ${spec.loadB}
          }
          tileB[bk * ${TN}u + bc] = v;
        }
      }
      workgroupBarrier();
      for (var kk = 0u; kk < 16u; kk++) {
        var av: array<f32, ${R}>;
        var bv: array<f32, ${Q}>;
        for (var i = 0u; i < ${R}u; i++) {
          av[i] = tileA[kk * ${TM}u + lid.y + 16u * i];
        }
        for (var j = 0u; j < ${Q}u; j++) {
          bv[j] = tileB[kk * ${TN}u + lid.x + 16u * j];
        }
        for (var i = 0u; i < ${R}u; i++) {
          for (var j = 0u; j < ${Q}u; j++) {
            acc[i * ${Q}u + j] = acc[i * ${Q}u + j] + av[i] * bv[j];
          }
        }
      }
      workgroupBarrier();
    }
  }
  for (var i = 0u; i < ${R}u; i++) {
    for (var j = 0u; j < ${Q}u; j++) {
      let gr = row0 + lid.y + 16u * i;
      let gc = col0 + lid.x + 16u * j;
      if (gr < M && gc < N) {
        let value = acc[i * ${Q}u + j];
        ${spec.store}
      }
    }
  }
}`;
  return code;
}

/**
 * Launches the tiled product `spec` over an m x n output for `slices` values of the z index, in chunks
 * of at most 65535 workgroups along z: `params(zBase)` gives each chunk's parameters.
 */
export function launchTiled(
  arrays: DeviceArrays, spec: TiledProduct, reads: number[], writes: number[],
  m: number, n: number, slices: number, params: (zBase: number) => Uint32Array,
): void {
  const tm = tileEdgeFor(m), tn = tileEdgeFor(n);
  const shader = tiledShader(spec, tm, tn);
  const gx = Math.ceil(n / tn), gy = Math.ceil(m / tm);
  if (gx === 0 || gy === 0 || slices === 0) return;
  if (gx > MAX_GROUPS || gy > MAX_GROUPS) throw new Error(`gpu backend: a ${m} x ${n} product exceeds the dispatch limits`);
  for (let zBase = 0; zBase < slices; zBase += MAX_GROUPS) {
    arrays.launch(shader, reads, writes, params(zBase), [gx, gy, Math.min(MAX_GROUPS, slices - zBase)]);
  }
}

/**
 * The product shader of gemm and batchedGemm. Parameters: m, n, k, accumulate, zBase, then at word
 * 8 + 3z for each C slot z: C's offset, the word where its items start, their count; each item is a
 * pair (A's offset, B's offset). Offsets are in elements.
 */
function productSpec(transA: boolean, transB: boolean): TiledProduct {
  return {
    key: `gemm-${transA ? 't' : 'n'}${transB ? 't' : 'n'}`,
    declarations: bindings(['a', 'b'], ['c']),
    setup: `let M = p[0];
  let N = p[1];
  let K = p[2];
  let accumulate = p[3] != 0u;
  let slot = 8u + 3u * (wid.z + p[4]);
  let cBase = p[slot];
  let itemStart = p[slot + 1u];
  let itemCount = p[slot + 2u];`,
    beginItem: `let aBase = p[itemStart + 2u * item];
    let bBase = p[itemStart + 2u * item + 1u];`,
    loadA: transA ? 'v = a[aBase + gk * M + gr];' : 'v = a[aBase + gr * K + gk];',
    loadB: transB ? 'v = b[bBase + gc * K + gk];' : 'v = b[bBase + gk * N + gc];',
    store: `let at = cBase + gr * N + gc;
        if (accumulate) { c[at] = c[at] + value; } else { c[at] = value; }`,
    aAlongK: !transA,
    bAlongN: !transB,
  };
}

/** A C slot: where it starts in C and the (A offset, B offset) pairs summed into it. */
interface Slot {
  c: number;
  items: number[];
}

function runProduct(
  arrays: DeviceArrays, transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: ArrayLike<number>, b: ArrayLike<number>, c: TypedArray, slots: Slot[], accumulate: boolean, cWhole: boolean,
): void {
  if (m === 0 || n === 0 || slots.length === 0) return;
  const header = 8 + 3 * slots.length;
  const words: number[] = new Array(header).fill(0);
  words[0] = m; words[1] = n; words[2] = k; words[3] = accumulate ? 1 : 0;
  slots.forEach((slot, z) => {
    words[8 + 3 * z] = slot.c;
    words[8 + 3 * z + 1] = words.length;
    words[8 + 3 * z + 2] = slot.items.length / 2;
    for (const offset of slot.items) words.push(offset);
  });
  const aId = arrays.input(asTyped(a)), bId = arrays.input(asTyped(b));
  // Overwriting all of C (no accumulation, every element in some slot) needs no upload of its values.
  const cId = !accumulate && cWhole ? arrays.output(c) : arrays.inout(c);
  launchTiled(arrays, productSpec(transA, transB), [aId, bId], [cId], m, n, slots.length, (zBase) => {
    words[4] = zBase;
    return Uint32Array.from(words);
  });
}

function asTyped(array: ArrayLike<number>): TypedArray {
  return ArrayBuffer.isView(array) ? (array as TypedArray) : Float32Array.from(array);
}

export function gemm(arrays: DeviceArrays, args: GemmArgs): void {
  const { transA, transB, m, n, k } = args;
  const co = args.cOffset ?? 0;
  const slots = [{ c: co, items: [args.aOffset ?? 0, args.bOffset ?? 0] }];
  const whole = co === 0 && m * n === args.c.length;
  runProduct(arrays, transA, transB, m, n, k, args.a, args.b, args.c, slots, args.accumulate ?? false, whole);
}

/** Zeroes c[start, end) (the part of C no batchedGemm slot covers when it overwrites C). */
function zeroRange(arrays: DeviceArrays, c: TypedArray, start: number, end: number): void {
  if (end <= start) return;
  const shader = cachedShader('gemm-zero', () => `${bindings([], ['c'])}\n${FLAT_MAIN}\n  if (i >= p[1]) { return; }\n  c[p[0] + i] = 0.0;\n}`);
  arrays.launch(shader, [], [arrays.inout(c)], new Params().u32(start, end - start).build(), flatGrid(end - start));
}

export function batchedGemm(arrays: DeviceArrays, args: BatchedGemmArgs): void {
  const { transA, transB, m, n, k, batch, aIndex, bIndex, cIndex, c } = args;
  const accumulate = args.accumulate ?? false;
  const size = m * n;
  // One slot per C matrix, holding every batch item that adds into it, in batch order.
  const byC = new Map<number, number[]>();
  if (!accumulate && size > 0) {
    // Overwriting: every whole matrix of C gets a slot, so those no item names become zeros.
    for (let j = 0; j < Math.floor(c.length / size); j++) byC.set(j, []);
  }
  for (let i = 0; i < batch; i++) {
    const ci = cIndex ? cIndex[i] : i;
    let items = byC.get(ci);
    if (!items) byC.set(ci, (items = []));
    items.push((aIndex ? aIndex[i] : i) * m * k, (bIndex ? bIndex[i] : i) * k * n);
  }
  const slots = [...byC].map(([ci, items]) => ({ c: ci * size, items }));
  const covered = size > 0 ? Math.floor(c.length / size) * size : 0;
  if (!accumulate && covered < c.length) zeroRange(arrays, c, covered, c.length);
  runProduct(arrays, transA, transB, m, n, k, args.a, args.b, c, slots, accumulate, covered === c.length);
}
