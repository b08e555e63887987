/** JSON paths as messages write them, and the line each value starts on. */
import { describe, expect, it } from 'vitest';
import { formatJsonPath, jsonPathLine } from '../../../../src/ssan/retrieval/datasets/json-path';

describe('formatJsonPath', () => {
  it('dots for plain keys (YouTube ids with - and _ included), brackets for indices and other keys', () => {
    expect(formatJsonPath(['database', '-x_9Ab', 'annotations', 3, 'segment'])).toBe('database.-x_9Ab.annotations[3].segment');
    expect(formatJsonPath(['sentences', 0])).toBe('sentences[0]');
    expect(formatJsonPath(['a.b', 'c d'])).toBe('["a.b"]["c d"]');
    expect(formatJsonPath([])).toBe('(the whole document)');
  });
});

describe('jsonPathLine', () => {
  const text = [
    '{',
    '  "skip": {"a": [1, {"]": "}"}], "b": "quote \\" and ] inside"},',
    '  "list": [',
    '    10,',
    '    {"x": [true, null,',
    '      -1.5e3]},',
    '    "last"',
    '  ],',
    '  "k\\u0065y": 1',
    '}',
  ].join('\n');

  it('finds values past strings and containers holding brackets and escaped quotes', () => {
    expect(JSON.parse(text)).toBeTruthy();
    expect(jsonPathLine(text, [])).toBe(1);
    expect(jsonPathLine(text, ['skip', 'b'])).toBe(2);
    expect(jsonPathLine(text, ['list'])).toBe(3);
    expect(jsonPathLine(text, ['list', 0])).toBe(4);
    expect(jsonPathLine(text, ['list', 1, 'x', 1])).toBe(5);
    expect(jsonPathLine(text, ['list', 1, 'x', 2])).toBe(6);
    expect(jsonPathLine(text, ['list', 2])).toBe(7);
    expect(jsonPathLine(text, ['key'])).toBe(9);
  });

  it('is undefined for a path the document does not have', () => {
    expect(jsonPathLine(text, ['list', 3])).toBeUndefined();
    expect(jsonPathLine(text, ['missing'])).toBeUndefined();
    expect(jsonPathLine(text, ['list', 'x'])).toBeUndefined();
    expect(jsonPathLine(text, ['skip', 'a', 0, 'deeper'])).toBeUndefined();
  });
});
