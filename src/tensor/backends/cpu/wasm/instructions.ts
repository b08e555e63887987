/**
 * A tiny structured builder for WebAssembly function bodies. WebAssembly is a stack machine, so an
 * expression's bytes are its operands' bytes followed by its opcode: `i32.add(get(x), i32.const(4))`
 * emits `local.get x; i32.const 4; i32.add`. Nesting the calls reads like the folded text format
 * `(i32.add (local.get $x) (i32.const 4))`, and the builder never has to track the stack.
 *
 * Every helper returns `Code` (plain bytes). An expression leaves one value on the stack, a statement
 * (`set`, stores, loops) leaves none; a function body is a list of statements.
 */
import { float32Bytes, signedLeb128, unsignedLeb128 } from './encoding';
import { ATOMIC_OP, ATOMIC_PREFIX, BULK_OP, BULK_PREFIX, EMPTY_BLOCK, OP, SIMD_OP, SIMD_PREFIX, ValueType } from './opcodes';

export type Code = readonly number[];

/** A local variable or parameter of the function being built. */
export class Local {
  constructor(readonly index: number, readonly type: ValueType, readonly name: string) {}
}

/** A function of the module, as `call` needs it. */
export interface FunctionRef {
  readonly index: number;
  readonly name: string;
  readonly paramCount: number;
}

/** Statements one after another. */
export function seq(...parts: Code[]): Code {
  const out: number[] = [];
  for (const part of parts) for (const byte of part) out.push(byte);
  return out;
}

// ---------------------------------------------------------------- locals

export const get = (local: Local): Code => [OP.LOCAL_GET, ...unsignedLeb128(local.index)];
export const set = (local: Local, value: Code): Code => [...value, OP.LOCAL_SET, ...unsignedLeb128(local.index)];
/** Sets the local and leaves the value on the stack too. */
export const tee = (local: Local, value: Code): Code => [...value, OP.LOCAL_TEE, ...unsignedLeb128(local.index)];

// ---------------------------------------------------------------- memory access

/**
 * A memory operand: log2 of the alignment the access promises (a hint only: a misaligned access
 * still works) and a constant byte offset added to the address.
 */
function memarg(alignLog2: number, offset: number): number[] {
  return [alignLog2, ...unsignedLeb128(offset)];
}

function simd(op: number): number[] {
  return [SIMD_PREFIX, ...unsignedLeb128(op)];
}

// ---------------------------------------------------------------- numbers

const binary = (op: number) => (a: Code, b: Code): Code => [...a, ...b, op];

export const i32 = {
  const: (value: number): Code => [OP.I32_CONST, ...signedLeb128(value)],
  add: binary(OP.I32_ADD),
  sub: binary(OP.I32_SUB),
  mul: binary(OP.I32_MUL),
  divS: binary(OP.I32_DIV_S),
  remS: binary(OP.I32_REM_S),
  and: binary(OP.I32_AND),
  or: binary(OP.I32_OR),
  shl: binary(OP.I32_SHL),
  eqz: (a: Code): Code => [...a, OP.I32_EQZ],
  eq: binary(OP.I32_EQ),
  ne: binary(OP.I32_NE),
  ltS: binary(OP.I32_LT_S),
  gtS: binary(OP.I32_GT_S),
  leS: binary(OP.I32_LE_S),
  geS: binary(OP.I32_GE_S),
  load: (address: Code, offset = 0): Code => [...address, OP.I32_LOAD, ...memarg(2, offset)],
  store: (address: Code, value: Code, offset = 0): Code => [...address, ...value, OP.I32_STORE, ...memarg(2, offset)],
  /**
   * The i32 at `address` before `value` was added to it, the load and the store one indivisible step
   * for every thread of the shared memory (the address must be a multiple of 4).
   */
  atomicAdd: (address: Code, value: Code, offset = 0): Code =>
    [...address, ...value, ATOMIC_PREFIX, ...unsignedLeb128(ATOMIC_OP.I32_RMW_ADD), ...memarg(2, offset)],
};

export const f32 = {
  const: (value: number): Code => [OP.F32_CONST, ...float32Bytes(value)],
  add: binary(OP.F32_ADD),
  sub: binary(OP.F32_SUB),
  mul: binary(OP.F32_MUL),
  div: binary(OP.F32_DIV),
  /** NaN when either operand is NaN; max(-0, +0) is +0 (unlike `a > b ? a : b`). */
  max: binary(OP.F32_MAX),
  sqrt: (a: Code): Code => [...a, OP.F32_SQRT],
  /** An i32: 1 when a > b, 0 otherwise (0 when either is NaN). */
  gt: binary(OP.F32_GT),
  /** An i32: 1 when a != b, and when either is NaN (so `ne(v, v)` asks whether v is NaN). */
  ne: binary(OP.F32_NE),
  load: (address: Code, offset = 0): Code => [...address, OP.F32_LOAD, ...memarg(2, offset)],
  store: (address: Code, value: Code, offset = 0): Code => [...address, ...value, OP.F32_STORE, ...memarg(2, offset)],
};

/** 128-bit vectors, seen as four f32 lanes by the f32x4 operations. */
export const v128 = {
  load: (address: Code, offset = 0): Code => [...address, ...simd(SIMD_OP.V128_LOAD), ...memarg(4, offset)],
  store: (address: Code, value: Code, offset = 0): Code =>
    [...address, ...value, ...simd(SIMD_OP.V128_STORE), ...memarg(4, offset)],
  /** Loads one f32 and copies it into all four lanes (one broadcast instruction on x86 and ARM). */
  load32Splat: (address: Code, offset = 0): Code =>
    [...address, ...simd(SIMD_OP.V128_LOAD32_SPLAT), ...memarg(2, offset)],
  /** Loads one f32 into lane 0 and zeros the other three. */
  load32Zero: (address: Code, offset = 0): Code =>
    [...address, ...simd(SIMD_OP.V128_LOAD32_ZERO), ...memarg(2, offset)],
  /** `vector` with its 32-bit lane `lane` replaced by the f32 (or i32) at `address`. */
  load32Lane: (address: Code, vector: Code, lane: 0 | 1 | 2 | 3, offset = 0): Code =>
    [...address, ...vector, ...simd(SIMD_OP.V128_LOAD32_LANE), ...memarg(2, offset), lane],
  zero: (): Code => [...simd(SIMD_OP.V128_CONST), ...new Array<number>(16).fill(0)],
  /** Bitwise and: with a comparison's all-ones/all-zeros lanes, keeps the lanes where it held. */
  and: (a: Code, b: Code): Code => [...a, ...b, ...simd(SIMD_OP.V128_AND)],
  or: (a: Code, b: Code): Code => [...a, ...b, ...simd(SIMD_OP.V128_OR)],
  /**
   * The bits of `whenSet` where `mask` has ones, of `whenClear` elsewhere: with a comparison's mask,
   * a lane-wise select that works for f32 and i32 lanes alike.
   */
  bitselect: (whenSet: Code, whenClear: Code, mask: Code): Code =>
    [...whenSet, ...whenClear, ...mask, ...simd(SIMD_OP.V128_BITSELECT)],
  /**
   * Picks 16 bytes out of the 32 of `a` then `b`; `lanes` names four f32 lanes (0-3 from a, 4-7
   * from b), which is how the packing code transposes 4x4 blocks.
   */
  shuffleF32: (a: Code, b: Code, lanes: readonly [number, number, number, number]): Code => {
    const bytes = lanes.flatMap((lane) => [lane * 4, lane * 4 + 1, lane * 4 + 2, lane * 4 + 3]);
    return [...a, ...b, ...simd(SIMD_OP.I8X16_SHUFFLE), ...bytes];
  },
};

export const f32x4 = {
  splat: (value: Code): Code => [...value, ...simd(SIMD_OP.F32X4_SPLAT)],
  add: (a: Code, b: Code): Code => [...a, ...b, ...simd(SIMD_OP.F32X4_ADD)],
  sub: (a: Code, b: Code): Code => [...a, ...b, ...simd(SIMD_OP.F32X4_SUB)],
  mul: (a: Code, b: Code): Code => [...a, ...b, ...simd(SIMD_OP.F32X4_MUL)],
  div: (a: Code, b: Code): Code => [...a, ...b, ...simd(SIMD_OP.F32X4_DIV)],
  /** Lane-wise max, as f32.max: NaN propagates, max(-0, +0) is +0. */
  max: (a: Code, b: Code): Code => [...a, ...b, ...simd(SIMD_OP.F32X4_MAX)],
  sqrt: (a: Code): Code => [...a, ...simd(SIMD_OP.F32X4_SQRT)],
  /** Lanes of all ones where a > b, of zeros elsewhere (and where either is NaN). */
  gt: (a: Code, b: Code): Code => [...a, ...b, ...simd(SIMD_OP.F32X4_GT)],
  /** Lanes of all ones where a != b or either is NaN (so `ne(v, v)` marks v's NaN lanes). */
  ne: (a: Code, b: Code): Code => [...a, ...b, ...simd(SIMD_OP.F32X4_NE)],
  /** a * b + c in one instruction (relaxed SIMD); only valid where the engine accepts relaxed SIMD. */
  relaxedMadd: (a: Code, b: Code, c: Code): Code => [...a, ...b, ...c, ...simd(SIMD_OP.F32X4_RELAXED_MADD)],
};

/** 128-bit vectors seen as four i32 lanes. */
export const i32x4 = {
  splat: (value: Code): Code => [...value, ...simd(SIMD_OP.I32X4_SPLAT)],
  add: (a: Code, b: Code): Code => [...a, ...b, ...simd(SIMD_OP.I32X4_ADD)],
};

/**
 * float64 scalars and pairs, for sums that must not lose precision: the BatchNorm statistics add up
 * tens of thousands of float32 values per channel, in float64 as the TypeScript reference does.
 */
export const f64 = {
  add: binary(OP.F64_ADD),
  sub: binary(OP.F64_SUB),
  mul: binary(OP.F64_MUL),
  div: binary(OP.F64_DIV),
  sqrt: (a: Code): Code => [...a, OP.F64_SQRT],
  /** An i32 as f64 (exact); also how the kernels write f64 constants such as 0 and 1. */
  fromI32: (a: Code): Code => [...a, OP.F64_CONVERT_I32_S],
  /** An f32 widened to f64 (exact). */
  fromF32: (a: Code): Code => [...a, OP.F64_PROMOTE_F32],
  /** Rounded to the nearest f32. */
  toF32: (a: Code): Code => [...a, OP.F32_DEMOTE_F64],
  load: (address: Code, offset = 0): Code => [...address, OP.F64_LOAD, ...memarg(3, offset)],
  store: (address: Code, value: Code, offset = 0): Code => [...address, ...value, OP.F64_STORE, ...memarg(3, offset)],
};

export const f64x2 = {
  splat: (value: Code): Code => [...value, ...simd(SIMD_OP.F64X2_SPLAT)],
  add: (a: Code, b: Code): Code => [...a, ...b, ...simd(SIMD_OP.F64X2_ADD)],
  sub: (a: Code, b: Code): Code => [...a, ...b, ...simd(SIMD_OP.F64X2_SUB)],
  mul: (a: Code, b: Code): Code => [...a, ...b, ...simd(SIMD_OP.F64X2_MUL)],
  extractLane: (a: Code, lane: 0 | 1): Code => [...a, ...simd(SIMD_OP.F64X2_EXTRACT_LANE), lane],
  /** The two low f32 lanes of `a`, widened to f64 (exact). */
  promoteLow: (a: Code): Code => [...a, ...simd(SIMD_OP.F64X2_PROMOTE_LOW_F32X4)],
  /** Two f32 at `address`, widened to an f64 pair (a 64-bit splat load, then the low lanes promoted). */
  loadF32Pair: (address: Code, offset = 0): Code =>
    [...address, ...simd(SIMD_OP.V128_LOAD64_SPLAT), ...memarg(3, offset), ...simd(SIMD_OP.F64X2_PROMOTE_LOW_F32X4)],
};

/** Bulk memory: the engine's memset on the (single) memory 0. */
export const memory = {
  fill: (destination: Code, byte: Code, count: Code): Code =>
    [...destination, ...byte, ...count, BULK_PREFIX, ...unsignedLeb128(BULK_OP.MEMORY_FILL), 0x00],
};

/** `whenTrue` if `condition` is non-zero, else `whenFalse`; both are evaluated (no branch). */
export function select(whenTrue: Code, whenFalse: Code, condition: Code): Code {
  return [...whenTrue, ...whenFalse, ...condition, OP.SELECT];
}

/** The smaller of two i32 values (each operand is evaluated twice: pass locals or constants). */
export function minS(a: Code, b: Code): Code {
  return select(a, b, i32.ltS(a, b));
}

// ---------------------------------------------------------------- control flow

/** A block: `br` 0 inside it jumps to its end. */
export function block(...body: Code[]): Code {
  return [OP.BLOCK, EMPTY_BLOCK, ...seq(...body), OP.END];
}

/** A loop: `br` 0 inside it jumps back to its start. */
export function loop(...body: Code[]): Code {
  return [OP.LOOP, EMPTY_BLOCK, ...seq(...body), OP.END];
}

export function br(depth: number): Code {
  return [OP.BR, ...unsignedLeb128(depth)];
}

export function brIf(depth: number, condition: Code): Code {
  return [...condition, OP.BR_IF, ...unsignedLeb128(depth)];
}

export function ifThen(condition: Code, then: Code[], otherwise: Code[] = []): Code {
  const elseBranch = otherwise.length > 0 ? [OP.ELSE, ...seq(...otherwise)] : [];
  return [...condition, OP.IF, EMPTY_BLOCK, ...seq(...then), ...elseBranch, OP.END];
}

export function call(fn: FunctionRef, ...args: Code[]): Code {
  if (args.length !== fn.paramCount) {
    throw new Error(`wasm builder: call to ${fn.name} passes ${args.length} arguments; it takes ${fn.paramCount}`);
  }
  return [...seq(...args), OP.CALL, ...unsignedLeb128(fn.index)];
}

/**
 * `for (i = from; i < to; i += step) body`, the loop every kernel is made of. `to` and `step` are
 * evaluated on every pass, so give them as locals or constants. The test runs before the first pass
 * too, so an empty range runs nothing.
 */
export function forLoop(i: Local, from: Code, to: Code, step: Code, ...body: Code[]): Code {
  return seq(
    set(i, from),
    block(
      brIf(0, i32.geS(get(i), to)),
      loop(...body, set(i, i32.add(get(i), step)), brIf(0, i32.ltS(get(i), to))),
    ),
  );
}

/** `i += amount` for an i32 local. */
export function increment(i: Local, amount: Code): Code {
  return set(i, i32.add(get(i), amount));
}

/** `while (count >= chunk) { body; count -= chunk }` for an i32 local `count`. */
export function whileAtLeast(count: Local, chunk: number, ...body: Code[]): Code {
  return block(loop(
    brIf(1, i32.ltS(get(count), i32.const(chunk))),
    ...body,
    set(count, i32.sub(get(count), i32.const(chunk))),
    br(0)));
}
