/**
 * Reading the text files datasets ship with (label lists, CSV splits, JSON annotations) so that every
 * complaint about them names the file and the line, which is what a user needs to go and fix it.
 */
import fs from 'fs';

/** An Error whose message points at one line of a text file. */
export function lineError(caller: string, file: string, line: number, detail: string): Error {
  return new Error(`${caller}: ${file} line ${line}: ${detail}`);
}

/** Reads a whole text file, dropping a UTF-8 byte-order mark; a missing file is an Error naming it. */
export function readText(file: string, caller: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${caller}: cannot read ${file} (${(err as Error).message})`);
  }
  // Files saved by Windows tools often start with a BOM, which would otherwise stick to the first field.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The lines of a text file (line i + 1 of the file is element i), with '\r\n' endings handled. A final
 * newline does not make an extra empty line.
 */
export function readLines(file: string, caller: string): string[] {
  return splitLines(readText(file, caller));
}

export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Splits one CSV row into fields (RFC 4180 on a single line): fields are separated by commas; a field that
 * starts with '"' runs to the matching '"', may contain commas, and writes a quote as '""'. Throws an
 * Error describing the problem; the caller adds the file and line.
 */
export function parseCsvRow(row: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (row[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const close = row.indexOf('"', j);
        if (close < 0) throw new Error(`unterminated quoted field starting at column ${i + 1}`);
        value += row.slice(j, close);
        if (row[close + 1] === '"') {
          value += '"';
          j = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      if (i < row.length && row[i] !== ',') {
        throw new Error(`expected ',' after the quoted field ending at column ${i}, got '${row[i]}'`);
      }
      fields.push(value);
    } else {
      const comma = row.indexOf(',', i);
      const end = comma < 0 ? row.length : comma;
      fields.push(row.slice(i, end));
      i = end;
    }
    if (i >= row.length) return fields;
    i += 1; // past the comma; a row ending in ',' has an empty last field
    if (i === row.length) {
      fields.push('');
      return fields;
    }
  }
}

/** A parsed JSON file that can say on which line an element of its top-level array starts. */
export interface JsonDocument {
  file: string;
  value: unknown;
  /** The 1-based line where element `index` of the top-level array starts (undefined if there is none). */
  elementLine(index: number): number | undefined;
}

/**
 * Parses a JSON file. A syntax error becomes `<caller>: <file> line N: <what the parser said>`, with N
 * computed from the parser's character position or, where V8 gives none (a trailing comma, say), from
 * our own scan of the text.
 */
export function readJsonFile(file: string, caller: string): JsonDocument {
  const text = readText(file, caller);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const reported = /at position (\d+)/.exec(message);
    let offset = reported ? Number(reported[1]) : scanJson(text).errorOffset ?? text.length;
    // Input that just stops is blamed on its last line with text, not on the empty one after it.
    if (offset >= text.length) offset = text.trimEnd().length - 1;
    // V8 quotes the whole input in some messages; keep only the sentence that says what is wrong.
    const reason = message.replace(/, ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');
    throw lineError(caller, file, lineAt(text, offset), `invalid JSON: ${reason}`);
  }
  let starts: number[] | undefined;
  return {
    file,
    value,
    elementLine(index) {
      starts ??= scanJson(text).topLevelElementStarts;
      const offset = starts[index];
      return offset === undefined ? undefined : lineAt(text, offset);
    },
  };
}

/** The 1-based line holding character `offset` of `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.max(0, Math.min(offset, text.length));
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

interface JsonScan {
  /** Where the text stops being JSON, or undefined when it is valid. */
  errorOffset: number | undefined;
  /** Offsets where the elements of a top-level array start. */
  topLevelElementStarts: number[];
}

class JsonStop {
  constructor(readonly offset: number) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/**
 * A JSON syntax walk that records positions instead of building values: it finds the first error when
 * JSON.parse does not report one, and the start of each top-level array element for record-level messages.
 */
function scanJson(text: string): JsonScan {
  const starts: number[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const token = (pattern: RegExp) => {
    pattern.lastIndex = i;
    if (!pattern.test(text)) throw new JsonStop(i);
    i = pattern.lastIndex;
  };
  const literal = (word: string) => {
    if (!text.startsWith(word, i)) throw new JsonStop(i);
    i += word.length;
  };
  // Runs `item` for each element between `open` and `close`, which are separated by commas.
  const sequence = (close: string, item: () => void, onStart?: (at: number) => void) => {
    i++;
    skipSpace();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      skipSpace();
      onStart?.(i);
      item();
      skipSpace();
      if (text[i] === ',') i++;
      else if (text[i] === close) {
        i++;
        return;
      } else throw new JsonStop(i);
    }
  };
  const value = (depth: number): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      sequence('}', () => {
        token(STRING);
        skipSpace();
        if (text[i] !== ':') throw new JsonStop(i);
        i++;
        value(depth + 1);
      });
    } else if (c === '[') {
      sequence(']', () => value(depth + 1), depth === 0 ? (at) => starts.push(at) : undefined);
    } else if (c === '"') token(STRING);
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else token(NUMBER);
  };
  try {
    value(0);
    skipSpace();
    if (i < text.length) throw new JsonStop(i);
    return { errorOffset: undefined, topLevelElementStarts: starts };
  } catch (err) {
    if (!(err instanceof JsonStop)) throw err;
    return { errorOffset: err.offset, topLevelElementStarts: starts };
  }
}
