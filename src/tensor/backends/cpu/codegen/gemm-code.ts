/**
 * The GEMM in WebAssembly: packing, the 4x8 micro-kernel, the macro-kernel and the blocked driver
 * (see ./blocking for the loop nest). All addresses and strides are in bytes, so the inner loops
 * never multiply by 4.
 *
 * A matrix operand is described by its first element's address and two strides: `rowStride` between
 * op(X)[i][p] and op(X)[i+1][p], `colStride` between op(X)[i][p] and op(X)[i][p+1]. A transposed
 * operand is the same memory with the strides swapped, so packing absorbs every transpose case and
 * Q·Kᵀ or Aᵀ·B need no copy.
 */
import { ModuleBuilder } from '../wasm/module-builder';
import {
  Code, FunctionRef, Local, brIf, call, f32, f32x4, forLoop, get, i32, ifThen, increment, loop, minS, set, v128,
} from '../wasm/instructions';
import { F32, KC, MC, MR, NC, NR } from './blocking';

export interface GemmFunctions {
  gemm: FunctionRef;
  gemmList: FunctionRef;
}

/** Code options: whether the engine accepts relaxed-SIMD FMA. */
export interface CodeOptions {
  fma: boolean;
}

const c32 = i32.const;

export function addGemmFunctions(module: ModuleBuilder, options: CodeOptions): GemmFunctions {
  const packA = addPackA(module);
  const packB = addPackB(module);
  const micro = addMicroKernel(module, options);
  const macro = addMacroKernel(module, micro);
  const gemm = addGemm(module, packA, packB, macro);
  const gemmList = addGemmList(module, gemm);
  return { gemm, gemmList };
}

/**
 * Transposes four f32x4 values held in `rows` (row n = lanes [x_n0, x_n1, x_n2, x_n3]) into
 * `columns` (column q = [x_0q, x_1q, x_2q, x_3q]) with two rounds of shuffles through `pairs`:
 * first interleave rows 0,1 and 2,3, then take the matching halves of those.
 */
function transpose4x4(rows: Local[], columns: Local[], pairs: Local[]): Code[] {
  const [r0, r1, r2, r3] = rows.map(get);
  const [t0, t1, t2, t3] = pairs;
  return [
    set(t0, v128.shuffleF32(r0, r1, [0, 4, 1, 5])), // x00 x10 x01 x11
    set(t1, v128.shuffleF32(r0, r1, [2, 6, 3, 7])), // x02 x12 x03 x13
    set(t2, v128.shuffleF32(r2, r3, [0, 4, 1, 5])), // x20 x30 x21 x31
    set(t3, v128.shuffleF32(r2, r3, [2, 6, 3, 7])), // x22 x32 x23 x33
    set(columns[0], v128.shuffleF32(get(t0), get(t2), [0, 1, 4, 5])),
    set(columns[1], v128.shuffleF32(get(t0), get(t2), [2, 3, 6, 7])),
    set(columns[2], v128.shuffleF32(get(t1), get(t3), [0, 1, 4, 5])),
    set(columns[3], v128.shuffleF32(get(t1), get(t3), [2, 3, 6, 7])),
  ];
}

/**
 * Packs `rows` x `depth` of op(A) into panels of MR rows: panel q holds, for each p, the MR values
 * op(A)[q*MR .. q*MR+3][p] side by side, so the micro-kernel reads A strictly sequentially. Rows past
 * the end of the last panel are zeros (they multiply into tile rows that are never stored).
 *
 * Three ways to fill a panel: transposed A (rowStride 4) has each p's MR values adjacent, one vector
 * copy; untransposed A (colStride 4) has each row's values adjacent, so 4x4 blocks are loaded by rows
 * and transposed in registers; anything else (the last, partial panel) goes element by element.
 */
function addPackA(module: ModuleBuilder): FunctionRef {
  return module.func(
    'packA',
    { a: 'i32', rowStride: 'i32', colStride: 'i32', rows: 'i32', depth: 'i32', dst: 'i32' },
    ({ params: { a, rowStride, colStride, rows, depth, dst }, local }) => {
      const i = local('i32', 'i'), p = local('i32', 'p'), r = local('i32', 'r');
      const src = local('i32', 'src'), remaining = local('i32', 'remaining');
      const rowPointer = [0, 1, 2, 3].map((n) => local('i32', `row${n}`));
      const loaded = [0, 1, 2, 3].map((n) => local('v128', `loaded${n}`));
      const packed = [0, 1, 2, 3].map((n) => local('v128', `packed${n}`));
      const pairs = [0, 1, 2, 3].map((n) => local('v128', `pair${n}`));
      const full = i32.geS(get(remaining), c32(MR));

      const copyColumns = forLoop(p, c32(0), get(depth), c32(1),
        v128.store(get(dst), v128.load(get(src))),
        increment(src, get(colStride)),
        increment(dst, c32(MR * F32)));
      const transposeRows: Code[] = [
        ...rowPointer.map((row, n) => set(row, i32.add(get(src), i32.mul(c32(n), get(rowStride))))),
        // Four steps of depth at a time: a 4x4 block, then the steps left over one by one.
        forLoop(p, c32(0), i32.sub(get(depth), c32(3)), c32(4),
          ...loaded.map((v, n) => set(v, v128.load(get(rowPointer[n])))),
          ...transpose4x4(loaded, packed, pairs),
          ...packed.map((v, q) => v128.store(get(dst), get(v), q * MR * F32)),
          ...rowPointer.map((row) => increment(row, c32(4 * F32))),
          increment(dst, c32(4 * MR * F32))),
        forLoop(p, get(p), get(depth), c32(1),
          ...rowPointer.map((row, n) => f32.store(get(dst), f32.load(get(row)), n * F32)),
          ...rowPointer.map((row) => increment(row, c32(F32))),
          increment(dst, c32(MR * F32))),
      ];
      const elementwise = forLoop(p, c32(0), get(depth), c32(1),
        forLoop(r, c32(0), c32(MR), c32(1),
          ifThen(i32.ltS(get(r), get(remaining)),
            [f32.store(get(dst), f32.load(i32.add(get(src), i32.mul(get(r), get(rowStride)))))],
            [f32.store(get(dst), f32.const(0))]),
          increment(dst, c32(F32))),
        increment(src, get(colStride)));
      return [
        forLoop(i, c32(0), get(rows), c32(MR),
          set(remaining, i32.sub(get(rows), get(i))),
          set(src, i32.add(get(a), i32.mul(get(i), get(rowStride)))),
          ifThen(i32.and(full, i32.eq(get(rowStride), c32(F32))), [copyColumns], [
            ifThen(i32.and(full, i32.eq(get(colStride), c32(F32))), transposeRows, [elementwise]),
          ])),
      ];
    },
  );
}

/**
 * Packs `depth` x `cols` of op(B) into panels of NR columns: panel q holds, for each p, the NR values
 * op(B)[p][q*NR .. q*NR+7]. Columns past the end are zeros. As for A: untransposed B (colStride 4) is
 * two vector copies per p, transposed B (rowStride 4) is two 4x4 transposes per four steps, and the
 * last, partial panel goes element by element.
 */
function addPackB(module: ModuleBuilder): FunctionRef {
  return module.func(
    'packB',
    { b: 'i32', rowStride: 'i32', colStride: 'i32', depth: 'i32', cols: 'i32', dst: 'i32' },
    ({ params: { b, rowStride, colStride, depth, cols, dst }, local }) => {
      const j = local('i32', 'j'), p = local('i32', 'p'), c = local('i32', 'c');
      const src = local('i32', 'src'), remaining = local('i32', 'remaining');
      const colPointer = Array.from({ length: NR }, (_, n) => local('i32', `col${n}`));
      const loaded = Array.from({ length: NR }, (_, n) => local('v128', `loaded${n}`));
      const packed = Array.from({ length: NR }, (_, n) => local('v128', `packed${n}`));
      const pairs = [0, 1, 2, 3].map((n) => local('v128', `pair${n}`));
      const full = i32.geS(get(remaining), c32(NR));

      const copyRows = forLoop(p, c32(0), get(depth), c32(1),
        v128.store(get(dst), v128.load(get(src))),
        v128.store(get(dst), v128.load(get(src), 16), 16),
        increment(src, get(rowStride)),
        increment(dst, c32(NR * F32)));
      // packed[q] holds columns 0-3 of step q, packed[4 + q] columns 4-7.
      const transposeColumns: Code[] = [
        ...colPointer.map((col, n) => set(col, i32.add(get(src), i32.mul(c32(n), get(colStride))))),
        forLoop(p, c32(0), i32.sub(get(depth), c32(3)), c32(4),
          ...loaded.map((v, n) => set(v, v128.load(get(colPointer[n])))),
          ...transpose4x4(loaded.slice(0, 4), packed.slice(0, 4), pairs),
          ...transpose4x4(loaded.slice(4), packed.slice(4), pairs),
          ...[0, 1, 2, 3].flatMap((q) => [
            v128.store(get(dst), get(packed[q]), q * NR * F32),
            v128.store(get(dst), get(packed[4 + q]), q * NR * F32 + 16),
          ]),
          ...colPointer.map((col) => increment(col, c32(4 * F32))),
          increment(dst, c32(4 * NR * F32))),
        forLoop(p, get(p), get(depth), c32(1),
          ...colPointer.map((col, n) => f32.store(get(dst), f32.load(get(col)), n * F32)),
          ...colPointer.map((col) => increment(col, c32(F32))),
          increment(dst, c32(NR * F32))),
      ];
      const elementwise = forLoop(p, c32(0), get(depth), c32(1),
        forLoop(c, c32(0), c32(NR), c32(1),
          ifThen(i32.ltS(get(c), get(remaining)),
            [f32.store(get(dst), f32.load(i32.add(
              i32.add(get(src), i32.mul(get(p), get(rowStride))), i32.mul(get(c), get(colStride)))))],
            [f32.store(get(dst), f32.const(0))]),
          increment(dst, c32(F32))));
      return [
        forLoop(j, c32(0), get(cols), c32(NR),
          set(remaining, i32.sub(get(cols), get(j))),
          set(src, i32.add(get(b), i32.mul(get(j), get(colStride)))),
          ifThen(i32.and(full, i32.eq(get(colStride), c32(F32))), [copyRows], [
            ifThen(i32.and(full, i32.eq(get(rowStride), c32(F32))), transposeColumns, [elementwise]),
          ])),
      ];
    },
  );
}

/**
 * The micro-kernel: C[0..3][0..7] (+)= Apanel · Bpanel over `depth`. The 4x8 tile lives in eight
 * f32x4 locals acc[r][h] (row r, columns 4h..4h+3); each step loads the 8 values of B as two vectors
 * and broadcasts each of the 4 values of A, 8 multiply-adds per step. `rows` x `cols` of the tile are
 * stored (edge tiles go through `scratch`); `accumulate` adds to C instead of overwriting it.
 */
function addMicroKernel(module: ModuleBuilder, options: CodeOptions): FunctionRef {
  const madd = (a: Code, b: Code, c: Code): Code =>
    options.fma ? f32x4.relaxedMadd(a, b, c) : f32x4.add(f32x4.mul(a, b), c);
  return module.func(
    'microKernel',
    {
      depth: 'i32', a: 'i32', b: 'i32', c: 'i32', ldc: 'i32',
      rows: 'i32', cols: 'i32', accumulate: 'i32', scratch: 'i32',
    },
    ({ params: { depth, a, b, c, ldc, rows, cols, accumulate, scratch }, local }) => {
      const acc: Local[][] = [0, 1, 2, 3].map((r) => [local('v128', `acc${r}0`), local('v128', `acc${r}1`)]);
      const b0 = local('v128', 'b0'), b1 = local('v128', 'b1'), av = local('v128', 'a');
      const left = local('i32', 'left'), r = local('i32', 'r'), j = local('i32', 'j');
      const rowAddress = local('i32', 'rowAddress'), tile = local('i32', 'tile');

      // One step of depth. (Unrolling this loop measured slower on Node 20 in November 2026: V8 then
      // spills accumulators.)
      const step: Code[] = [
        set(b0, v128.load(get(b))),
        set(b1, v128.load(get(b), 16)),
        ...[0, 1, 2, 3].flatMap((row) => [
          set(av, v128.load32Splat(get(a), row * F32)),
          set(acc[row][0], madd(get(av), get(b0), get(acc[row][0]))),
          set(acc[row][1], madd(get(av), get(b1), get(acc[row][1]))),
        ]),
        increment(a, c32(MR * F32)),
        increment(b, c32(NR * F32)),
      ];

      const storeFullTile: Code[] = [0, 1, 2, 3].flatMap((row) => [
        set(rowAddress, i32.add(get(c), i32.mul(c32(row), get(ldc)))),
        ...[0, 1].map((h) => ifThen(get(accumulate),
          [v128.store(get(rowAddress), f32x4.add(v128.load(get(rowAddress), h * 16), get(acc[row][h])), h * 16)],
          [v128.store(get(rowAddress), get(acc[row][h]), h * 16)])),
      ]);
      const storeEdgeTile: Code[] = [
        ...[0, 1, 2, 3].flatMap((row) => [0, 1].map((h) => v128.store(get(scratch), get(acc[row][h]), (row * NR + h * 4) * F32))),
        forLoop(r, c32(0), get(rows), c32(1),
          set(rowAddress, i32.add(get(c), i32.mul(get(r), get(ldc)))),
          set(tile, i32.add(get(scratch), i32.mul(get(r), c32(NR * F32)))),
          forLoop(j, c32(0), get(cols), c32(1),
            ifThen(get(accumulate),
              [f32.store(get(rowAddress), f32.add(f32.load(get(rowAddress)), f32.load(get(tile))))],
              [f32.store(get(rowAddress), f32.load(get(tile)))]),
            increment(rowAddress, c32(F32)),
            increment(tile, c32(F32)))),
      ];

      return [
        // depth >= 1 always (the driver never calls with an empty depth block).
        set(left, get(depth)),
        loop(...step, set(left, i32.sub(get(left), c32(1))), brIf(0, get(left))),
        ifThen(i32.and(i32.eq(get(rows), c32(MR)), i32.eq(get(cols), c32(NR))), storeFullTile, storeEdgeTile),
      ];
    },
  );
}

/** Runs the micro-kernel over every tile of a packed A block times a packed B block. */
function addMacroKernel(module: ModuleBuilder, micro: FunctionRef): FunctionRef {
  return module.func(
    'macroKernel',
    {
      rows: 'i32', cols: 'i32', depth: 'i32', packedA: 'i32', packedB: 'i32',
      c: 'i32', ldc: 'i32', accumulate: 'i32', scratch: 'i32',
    },
    ({ params: { rows, cols, depth, packedA, packedB, c, ldc, accumulate, scratch }, local }) => {
      const i = local('i32', 'i'), j = local('i32', 'j');
      // Panel q of A starts q * MR * depth floats in, that is i * depth * 4 bytes for i = q * MR; same for B.
      const panelOffset = (index: Local): Code => i32.mul(get(index), i32.mul(get(depth), c32(F32)));
      return [
        forLoop(j, c32(0), get(cols), c32(NR),
          forLoop(i, c32(0), get(rows), c32(MR),
            call(micro,
              get(depth),
              i32.add(get(packedA), panelOffset(i)),
              i32.add(get(packedB), panelOffset(j)),
              i32.add(get(c), i32.add(i32.mul(get(i), get(ldc)), i32.mul(get(j), c32(F32)))),
              get(ldc),
              minS(c32(MR), i32.sub(get(rows), get(i))),
              minS(c32(NR), i32.sub(get(cols), get(j))),
              get(accumulate),
              get(scratch)))),
      ];
    },
  );
}

/**
 * C (m x n, row stride `ldc` bytes) (+)= op(A) · op(B), blocked and packed. `packA`, `packB` and
 * `scratch` are this thread's buffers (./blocking sizes them). With k = 0 nothing is written.
 */
function addGemm(module: ModuleBuilder, packA: FunctionRef, packB: FunctionRef, macro: FunctionRef): FunctionRef {
  return module.func(
    'gemm',
    {
      m: 'i32', n: 'i32', k: 'i32',
      a: 'i32', aRowStride: 'i32', aColStride: 'i32',
      b: 'i32', bRowStride: 'i32', bColStride: 'i32',
      c: 'i32', ldc: 'i32', accumulate: 'i32',
      packedA: 'i32', packedB: 'i32', scratch: 'i32',
    },
    ({ params: p, local }) => {
      const jc = local('i32', 'jc'), pc = local('i32', 'pc'), ic = local('i32', 'ic');
      const nc = local('i32', 'nc'), kc = local('i32', 'kc'), mc = local('i32', 'mc');
      return [
        forLoop(jc, c32(0), get(p.n), c32(NC),
          set(nc, minS(c32(NC), i32.sub(get(p.n), get(jc)))),
          forLoop(pc, c32(0), get(p.k), c32(KC),
            set(kc, minS(c32(KC), i32.sub(get(p.k), get(pc)))),
            call(packB,
              i32.add(get(p.b), i32.add(i32.mul(get(pc), get(p.bRowStride)), i32.mul(get(jc), get(p.bColStride)))),
              get(p.bRowStride), get(p.bColStride), get(kc), get(nc), get(p.packedB)),
            forLoop(ic, c32(0), get(p.m), c32(MC),
              set(mc, minS(c32(MC), i32.sub(get(p.m), get(ic)))),
              call(packA,
                i32.add(get(p.a), i32.add(i32.mul(get(ic), get(p.aRowStride)), i32.mul(get(pc), get(p.aColStride)))),
                get(p.aRowStride), get(p.aColStride), get(mc), get(kc), get(p.packedA)),
              call(macro,
                get(mc), get(nc), get(kc), get(p.packedA), get(p.packedB),
                i32.add(get(p.c), i32.add(i32.mul(get(ic), get(p.ldc)), i32.mul(get(jc), c32(F32)))),
                get(p.ldc),
                // Only the first depth block may overwrite C; the later ones add to it.
                i32.or(get(p.accumulate), i32.gtS(get(pc), c32(0))),
                get(p.scratch))))),
      ];
    },
    { exported: true },
  );
}

/** Bytes of one entry of a product list: a, b and c addresses and the accumulate flag, four i32. */
export const PRODUCT_ENTRY_BYTES = 16;

/**
 * Runs `count` products of the same shape and strides, in order, from a list in memory (entries as
 * PRODUCT_ENTRY_BYTES describes): the batched GEMM's share of one thread.
 */
function addGemmList(module: ModuleBuilder, gemm: FunctionRef): FunctionRef {
  return module.func(
    'gemmList',
    {
      list: 'i32', count: 'i32', m: 'i32', n: 'i32', k: 'i32',
      aRowStride: 'i32', aColStride: 'i32', bRowStride: 'i32', bColStride: 'i32', ldc: 'i32',
      packedA: 'i32', packedB: 'i32', scratch: 'i32',
    },
    ({ params: p, local }) => {
      const e = local('i32', 'e'), entry = local('i32', 'entry');
      return [
        forLoop(e, c32(0), get(p.count), c32(1),
          set(entry, i32.add(get(p.list), i32.mul(get(e), c32(PRODUCT_ENTRY_BYTES)))),
          call(gemm,
            get(p.m), get(p.n), get(p.k),
            i32.load(get(entry), 0), get(p.aRowStride), get(p.aColStride),
            i32.load(get(entry), 4), get(p.bRowStride), get(p.bColStride),
            i32.load(get(entry), 8), get(p.ldc), i32.load(get(entry), 12),
            get(p.packedA), get(p.packedB), get(p.scratch))),
      ];
    },
    { exported: true },
  );
}
