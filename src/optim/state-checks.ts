/**
 * Small checks shared by the optimizers' and schedulers' loadStateDict: a state dict comes from a file,
 * so every field is checked for the kind of value it must hold before anything is changed. Values are
 * described, and records recognised, by the helpers of tensor/plain-values.
 */
import { describeValue, isRecord } from '../tensor/plain-values';

/** What JSON can carry: the non-tensor part of every state dict in this folder is made of these. */
export type JsonValue = number | boolean | string | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The kind of a value, for comparing two: 'null', 'array', or what typeof says. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number');
}

/** True when `value` can stand where `reference` stands: same kind, and arrays of numbers of the same length. */
export function sameKind(value: unknown, reference: unknown): boolean {
  if (kindOf(value) !== kindOf(reference)) return false;
  if (Array.isArray(reference)) return isNumberArray(value) && value.length === reference.length;
  return true;
}

/** A non-negative integer, or an error naming `what`. */
export function checkCount(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`${what} must be a non-negative integer; got ${describeValue(value)}`);
  }
  return value;
}

/** An array of `length` numbers (copied), or an error naming `what`. */
export function checkNumberArray(value: unknown, length: number, what: string): number[] {
  if (!isNumberArray(value) || value.length !== length) {
    throw new Error(`${what} must be an array of ${length} numbers; got ${describeValue(value)}`);
  }
  return [...value];
}

/** Copies the option values of a state dict after checking that they match the current ones in keys and kinds. */
export function checkOptionsLike<O extends Record<string, unknown>>(value: unknown, current: O, what: string): O {
  if (!isRecord(value)) throw new Error(`${what} must be an object; got ${describeValue(value)}`);
  const expected = Object.keys(current).sort();
  const given = Object.keys(value).sort();
  if (expected.join() !== given.join()) {
    throw new Error(`${what} has keys [${given.join(', ')}]; expected [${expected.join(', ')}]`);
  }
  const out: Record<string, unknown> = {};
  for (const key of expected) {
    if (!sameKind(value[key], current[key])) {
      throw new Error(`${what}.${key} is ${describeValue(value[key])}; expected ${describeValue(current[key])} or the like`);
    }
    out[key] = Array.isArray(value[key]) ? [...(value[key] as number[])] : value[key];
  }
  return out as O;
}
