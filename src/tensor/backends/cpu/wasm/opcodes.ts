/**
 * The WebAssembly opcodes this backend emits, by their names in the text format (`i32.add` is
 * `I32_ADD`). Only the ones used are listed; the numbers are from the WebAssembly core specification
 * 2.0 and the threads and relaxed-SIMD proposals.
 */

/** Value types, as they appear in signatures and local declarations. */
export const VALUE_TYPE = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
export type ValueType = keyof typeof VALUE_TYPE;

/** The block type of a block, loop or if that leaves nothing on the stack. */
export const EMPTY_BLOCK = 0x40;

/** One-byte opcodes. */
export const OP = {
  BLOCK: 0x02,
  LOOP: 0x03,
  IF: 0x04,
  ELSE: 0x05,
  END: 0x0b,
  BR: 0x0c,
  BR_IF: 0x0d,
  CALL: 0x10,
  SELECT: 0x1b,
  LOCAL_GET: 0x20,
  LOCAL_SET: 0x21,
  LOCAL_TEE: 0x22,
  I32_LOAD: 0x28,
  F32_LOAD: 0x2a,
  I32_STORE: 0x36,
  F32_STORE: 0x38,
  I32_CONST: 0x41,
  F32_CONST: 0x43,
  I32_EQZ: 0x45,
  I32_EQ: 0x46,
  I32_NE: 0x47,
  I32_LT_S: 0x48,
  I32_GT_S: 0x4a,
  I32_LE_S: 0x4c,
  I32_GE_S: 0x4e,
  I32_ADD: 0x6a,
  I32_SUB: 0x6b,
  I32_MUL: 0x6c,
  I32_DIV_S: 0x6d,
  I32_REM_S: 0x6f,
  I32_AND: 0x71,
  I32_OR: 0x72,
  I32_SHL: 0x74,
  F32_NE: 0x5c,
  F32_GT: 0x5e,
  F32_SQRT: 0x91,
  F32_ADD: 0x92,
  F32_SUB: 0x93,
  F32_MUL: 0x94,
  F32_DIV: 0x95,
  F32_MAX: 0x97,
  F64_LOAD: 0x2b,
  F64_STORE: 0x39,
  F64_SQRT: 0x9f,
  F64_ADD: 0xa0,
  F64_SUB: 0xa1,
  F64_MUL: 0xa2,
  F64_DIV: 0xa3,
  F32_DEMOTE_F64: 0xb6,
  F64_CONVERT_I32_S: 0xb7,
  F64_PROMOTE_F32: 0xbb,
} as const;

/** Bulk-memory opcodes follow the 0xfc prefix (their numbers are LEB128 after it). */
export const BULK_PREFIX = 0xfc;
export const BULK_OP = {
  MEMORY_FILL: 0x0b,
} as const;

/** Atomic (threads proposal) opcodes follow the 0xfe prefix. */
export const ATOMIC_PREFIX = 0xfe;
export const ATOMIC_OP = {
  /** Adds to an i32 in memory and returns the old value, as one indivisible step across threads. */
  I32_RMW_ADD: 0x1e,
} as const;

/** SIMD opcodes follow the 0xfd prefix, as LEB128 (so 0xe4 is written e4 01). */
export const SIMD_PREFIX = 0xfd;
export const SIMD_OP = {
  V128_LOAD: 0x00,
  V128_LOAD32_SPLAT: 0x09,
  V128_STORE: 0x0b,
  V128_CONST: 0x0c,
  I8X16_SHUFFLE: 0x0d,
  I32X4_SPLAT: 0x11,
  F32X4_SPLAT: 0x13,
  F32X4_NE: 0x42,
  F32X4_GT: 0x44,
  V128_AND: 0x4e,
  V128_OR: 0x50,
  V128_BITSELECT: 0x52,
  V128_LOAD32_LANE: 0x56,
  V128_LOAD32_ZERO: 0x5c,
  I32X4_ADD: 0xae,
  F32X4_SQRT: 0xe3,
  F32X4_ADD: 0xe4,
  F32X4_SUB: 0xe5,
  F32X4_MUL: 0xe6,
  F32X4_DIV: 0xe7,
  F32X4_MAX: 0xe9,
  V128_LOAD64_SPLAT: 0x0a,
  F64X2_SPLAT: 0x14,
  F64X2_EXTRACT_LANE: 0x21,
  F64X2_PROMOTE_LOW_F32X4: 0x5f,
  F64X2_ADD: 0xf0,
  F64X2_SUB: 0xf1,
  F64X2_MUL: 0xf2,
  /** Relaxed SIMD: a * b + c, fused or not as the hardware prefers (one rounding or two). */
  F32X4_RELAXED_MADD: 0x105,
} as const;
