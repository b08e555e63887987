/**
 * Pointing at one value of a JSON annotation file: its path written as in JavaScript
 * (`database.abc.annotations[3].segment`) and the line it starts on, so a complaint about a record in a
 * file of 200,000 says exactly where to look.
 */
import { lineAt, readText } from '../../data/text-file';

export type JsonPath = ReadonlyArray<string | number>;

/** Keys that read unambiguously after a dot: YouTube ids (letters, digits, '_' and '-') included. */
const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

export function formatJsonPath(path: JsonPath): string {
  let text = '';
  for (const step of path) {
    if (typeof step === 'number') text += `[${step}]`;
    else if (PLAIN_KEY.test(step)) text += text === '' ? step : `.${step}`;
    else text += `[${JSON.stringify(step)}]`;
  }
  return text === '' ? '(the whole document)' : text;
}

/**
 * The 1-based line where the value at `path` starts in `text` (which must be valid JSON), or undefined
 * when the document has no such value. Values off the path are skipped without being built.
 */
export function jsonPathLine(text: string, path: JsonPath): number | undefined {
  let i = skipSpace(text, 0);
  for (const step of path) {
    const open = text[i];
    if (typeof step === 'number' ? open !== '[' : open !== '{') return undefined;
    i = skipSpace(text, i + 1);
    let found = false;
    for (let index = 0; text[i] !== ']' && text[i] !== '}'; index++) {
      let matches: boolean;
      if (open === '{') {
        const keyEnd = skipString(text, i);
        matches = JSON.parse(text.slice(i, keyEnd)) === step;
        i = skipSpace(text, skipSpace(text, keyEnd) + 1); // past the ':'
      } else {
        matches = index === step;
      }
      if (matches) {
        found = true;
        break;
      }
      i = skipSpace(text, skipValue(text, i));
      if (text[i] === ',') i = skipSpace(text, i + 1);
    }
    if (!found) return undefined;
  }
  return lineAt(text, i);
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  return i;
}

/** `i` is at the opening quote; returns the index just past the closing one. */
function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j + 1;
  }
  return text.length;
}

/** Returns the index just past the value starting at `i`. */
function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text[j];
      if (d === '"') j = skipString(text, j) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return text.length;
  }
  // A number or a literal: runs to the next delimiter.
  let j = i;
  while (j < text.length && !',]} \n\r\t'.includes(text[j])) j++;
  return j;
}

/**
 * An Error about the value at `path` of the JSON file `file`: `<caller>: <file> line N: <path>: <detail>`.
 * The file is read again to find the line, which costs nothing until something is wrong; if it cannot
 * be read any more, the path alone still says where.
 */
export function jsonValueError(caller: string, file: string, path: JsonPath, detail: string): Error {
  let line: number | undefined;
  try {
    line = jsonPathLine(readText(file, caller), path);
  } catch {
    line = undefined;
  }
  return new Error(`${caller}: ${file}${line === undefined ? '' : ` line ${line}`}: ${formatJsonPath(path)}: ${detail}`);
}
