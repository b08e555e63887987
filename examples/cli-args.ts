/** Checked command-line values for the examples: a wrong one is an error naming the flag. */

/** A non-negative integer flag (at least `min`), or undefined when it was not given. */
export function intOption(value: string, name: string, min?: number): number;
export function intOption(value: string | undefined, name: string, min?: number): number | undefined;
export function intOption(value: string | undefined, name: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}; got '${value}'`);
  return n;
}

/** A flag with a fixed set of values, or undefined when it was not given. */
export function choiceOption<T extends string>(value: string, name: string, allowed: readonly T[]): T;
export function choiceOption<T extends string>(value: string | undefined, name: string, allowed: readonly T[]): T | undefined;
export function choiceOption<T extends string>(value: string | undefined, name: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new Error(`--${name} must be one of ${allowed.join(', ')}; got '${value}'`);
  return value as T;
}

/** A finite number > 0, or undefined when the flag was not given. */
export function positiveOption(value: string, name: string): number;
export function positiveOption(value: string | undefined, name: string): number | undefined;
export function positiveOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`--${name} must be a number > 0; got '${value}'`);
  return n;
}

/** A finite number >= 0 (a flag whose default 0 is meaningful). */
export function nonNegativeOption(value: string, name: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0) || !Number.isFinite(n)) throw new Error(`--${name} must be a number >= 0; got '${value}'`);
  return n;
}

/** A comma-separated list of integers >= `min` ('10' or '8,10'). */
export function intListOption(value: string, name: string, min = 0): number[] {
  const items = value.split(',');
  const numbers = items.map((t) => Number(t.trim()));
  if (value.trim() === '' || !numbers.every((n, i) => items[i].trim() !== '' && Number.isInteger(n) && n >= min)) {
    throw new Error(`--${name} must be a comma-separated list of integers >= ${min}; got '${value}'`);
  }
  return numbers;
}
