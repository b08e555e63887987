/**
 * The byte encodings a WebAssembly binary is made of: LEB128 integers, little-endian floats, names and
 * vectors (a count, then the items). Everything else in the assembler is built from these.
 */

/** Unsigned LEB128: 7 bits per byte, lowest first, the high bit set on every byte but the last. */
export function unsignedLeb128(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new Error(`wasm encoding: unsignedLeb128 takes an integer in [0, 2^32); got ${value}`);
  }
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest !== 0);
  return bytes;
}

/**
 * Signed LEB128 (two's complement): stop once the remaining bits are all copies of the sign bit and
 * the last byte's bit 6 already says the same sign.
 */
export function signedLeb128(value: number): number[] {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
    throw new Error(`wasm encoding: signedLeb128 takes a 32-bit integer; got ${value}`);
  }
  const bytes: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7; // arithmetic shift keeps the sign
    const signBitClear = (byte & 0x40) === 0;
    if ((rest === 0 && signBitClear) || (rest === -1 && !signBitClear)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

/** An IEEE-754 single, little-endian, as `f32.const` takes it. */
export function float32Bytes(value: number): number[] {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value, true);
  return [view.getUint8(0), view.getUint8(1), view.getUint8(2), view.getUint8(3)];
}

/** A name: its UTF-8 byte length, then the bytes. */
export function nameBytes(name: string): number[] {
  const utf8 = [...Buffer.from(name, 'utf8')];
  return [...unsignedLeb128(utf8.length), ...utf8];
}

/** A vector: the number of items, then each item's bytes. */
export function vector(items: readonly (readonly number[])[]): number[] {
  const out = unsignedLeb128(items.length);
  // A loop, not push(...item): a function body can be larger than the engine's argument limit.
  for (const item of items) for (const byte of item) out.push(byte);
  return out;
}
