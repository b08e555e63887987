/** Reading test/fixtures/retrieval/*.json (written by scripts/make-retrieval-fixtures.py, PyTorch 1.13, float64). */
import { readFileSync } from 'fs';
import { join } from 'path';
import { expect } from 'vitest';
import { Tensor, tensor } from '../../../src';

export interface Entry {
  shape: number[];
  values: number[];
  dtype?: 'int64';
}

export type FloatDType = 'float32' | 'float64';

export function loadFixture<T>(file: string): T {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'retrieval', file), 'utf8')) as T;
}

export function fromEntry(e: Entry, dtype: FloatDType = 'float64', requiresGrad = false): Tensor {
  if (e.dtype === 'int64') return tensor(Int32Array.from(e.values), { shape: e.shape, dtype: 'int32' });
  return tensor(Float64Array.from(e.values), { shape: e.shape, dtype, requiresGrad });
}

/**
 * Asserts `actual` matches the fixture entry: in float64 to 1e-10 of each value (plus 1e-12), in
 * float32 to 1e-4 of the entry's largest value.
 */
export function expectClose(what: string, actual: Tensor | null, expected: Entry, dtype: FloatDType = 'float64'): void {
  expect(actual, `${what} is missing`).not.toBeNull();
  const a = actual as Tensor;
  expect(a.shape, `${what}: shape`).toEqual(expected.shape);
  const scale = expected.values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let worst = 0;
  let at = -1;
  expected.values.forEach((e, i) => {
    const tol = dtype === 'float64' ? 1e-10 * Math.abs(e) + 1e-12 : 1e-4 * scale + 1e-7;
    const ratio = Math.abs(a.data[i] - e) / tol;
    if (!(ratio <= worst)) {
      worst = Number.isNaN(ratio) ? Infinity : ratio;
      at = i;
    }
  });
  expect(worst, `${what}: element ${at} is ${a.data[at]}, expected ${expected.values[at]}`).toBeLessThanOrEqual(1);
}
