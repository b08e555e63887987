import { describe, expect, it } from 'vitest';
import { zeros } from '../../src';
import { describeKind, describeValue, isPlainObject, isRecord, withoutUndefined } from '../../src/tensor/plain-values';

describe('plain values: the helpers every layer uses on options, JSON and state dicts', () => {
  it('describes a value with its value (describeValue) or only its kind with an article (describeKind)', () => {
    const cases: [unknown, string, string][] = [
      [5, 'number 5', 'a number'],
      [true, 'boolean true', 'a boolean'],
      ['up', 'string "up"', 'a string'],
      [[1, 2, 3], 'array of length 3', 'an array'],
      [null, 'null', 'null'],
      [undefined, 'undefined', 'undefined'],
      [() => 1, 'function', 'a function'],
      [{}, 'a Object', 'a Object'],
      [new Map(), 'a Map', 'a Map'],
      [Object.create(null), 'an object', 'an object'],
      [zeros([2, 3]), 'a Tensor of shape [2, 3]', 'a Tensor of shape [2, 3]'],
    ];
    for (const [value, full, kind] of cases) {
      expect(describeValue(value)).toBe(full);
      expect(describeKind(value)).toBe(kind);
    }
  });

  it('isRecord takes any non-array object; isPlainObject only literals, parsed JSON and prototype-less objects', () => {
    for (const value of [{}, JSON.parse('{"a": 1}'), Object.create(null)]) {
      expect(isRecord(value)).toBe(true);
      expect(isPlainObject(value)).toBe(true);
    }
    for (const value of [new Map(), zeros([1])]) {
      expect(isRecord(value)).toBe(true);
      expect(isPlainObject(value)).toBe(false);
    }
    for (const value of [[], null, undefined, 3, 'x']) {
      expect(isRecord(value)).toBe(false);
      expect(isPlainObject(value)).toBe(false);
    }
  });

  it('withoutUndefined drops the unset fields, so spreading keeps the defaults', () => {
    const given = withoutUndefined({ lr: 0.1, momentum: undefined, nesterov: false });
    expect(given).toEqual({ lr: 0.1, nesterov: false });
    expect(Object.keys(given)).toEqual(['lr', 'nesterov']);
    expect({ lr: 1, momentum: 0.9, ...given }).toEqual({ lr: 0.1, momentum: 0.9, nesterov: false });
  });
});
