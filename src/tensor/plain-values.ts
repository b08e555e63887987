/**
 * Plain JavaScript values as every layer receives them (options, parsed JSON, state-dict entries): which
 * objects count as records, options without their unset fields, and what a value is in the words of an
 * error message. It lives with the tensor, the lowest layer, so that autograd, nn, optim, train and ssan can all
 * use the one copy (a Tensor is described by its shape).
 */
import { Tensor } from './tensor';
import { formatShape } from './shape';

/**
 * Any object that is not an array: a JSON object, an options bag, also a class instance (a Map, a
 * Tensor). For fields read by name from values that came from a file or a user.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Only an object literal, the result of JSON.parse, or an object without a prototype: not an array and
 * not a class instance. For code that walks objects key by key and must leave other objects alone.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The object without its undefined fields, so that spreading it over defaults keeps the defaults. */
export function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// ------------------------------------------------------------------ values in error messages

/** An object by its class: "a Tensor of shape [2, 3]", "a Map", "a ReLU", "a Object" (an object literal). */
function describeObject(value: object): string {
  if (value instanceof Tensor) return `a Tensor of shape ${formatShape(value.shape)}`;
  const name: string | undefined = value.constructor?.name;
  return name ? `a ${name}` : 'an object';
}

/**
 * A value as an error message shows it: the kind and, when it is short, the value itself. "number 5",
 * "boolean true", 'string "up"', "array of length 3", "null", "undefined", "function", and objects by
 * their class ("a Tensor of shape [2, 3]", "a Map").
 */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (typeof value === 'object') return describeObject(value);
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}

/**
 * Only the kind of a value, with its article, where the message reads "... is a number": "a number",
 * "a string", "an array", "null", "undefined", and objects by their class as describeValue names them.
 */
export function describeKind(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return describeObject(value);
  return `a ${typeof value}`;
}
