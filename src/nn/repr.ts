/**
 * Python-style formatting for Module.toString, so that a printed model reads exactly like PyTorch's
 * repr (`kernel_size=(7, 7)`, `bias=False`, `eps=1e-05`) and the two can be compared line by line.
 */

/** A value as a Python literal: ints as they are, tuples in parentheses, True / False / None. */
export type PyValue = number | boolean | string | null | readonly number[];

/**
 * A number as Python's repr of a float: always a decimal point or an exponent (1.0, 0.1), and
 * scientific notation below 1e-4 or from 1e16 up, with a signed exponent of at least two digits
 * (1e-05, 1e+16). JavaScript's shortest round-trip digits are the same as Python's.
 */
export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const [mantissa, exponentText] = x.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) {
    const fixed = String(x);
    return fixed.includes('.') ? fixed : `${fixed}.0`;
  }
  const digits = String(Math.abs(exponent)).padStart(2, '0');
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${digits}`;
}

/** An int, bool, None, string (unquoted, as str.format prints it) or tuple of ints. */
export function formatValue(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  return v.length === 1 ? `(${v[0]},)` : `(${v.join(', ')})`;
}

/** Indents every line but the first by `spaces`, as PyTorch's _addindent, to nest a child's repr. */
export function indentTail(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text.split('\n').map((line, i) => (i === 0 ? line : pad + line)).join('\n');
}
