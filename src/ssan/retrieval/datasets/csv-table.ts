/**
 * A CSV file with a header line, read into rows whose columns are found by name, so that files which add
 * or reorder columns still read, and every complaint names the file and the line.
 */
import { lineError, parseCsvRow, readLines } from '../../data/text-file';

export interface CsvRow {
  /** 1-based line of the file. */
  line: number;
  /** The named columns' values, trimmed of surrounding spaces. */
  values: Record<string, string>;
}

/**
 * The data rows of `file` (blank lines skipped). The header must name every column of `columns`; a row
 * whose field count differs from the header's is an Error, as is a quoted field left open. Quoted fields
 * follow RFC 4180 within one line (commas and doubled quotes inside quotes); a record spanning lines is
 * not supported, and none of the datasets read here has one.
 */
export function readCsvTable(file: string, caller: string, columns: readonly string[]): CsvRow[] {
  const lines = readLines(file, caller);
  if (lines.length === 0) throw new Error(`${caller}: ${file} is empty; expected a header line naming ${columns.join(', ')}`);
  const header = parseLine(lines[0], file, 1, caller).map((name) => name.trim());
  const at = new Map<string, number>();
  for (const name of columns) {
    const index = header.indexOf(name);
    if (index < 0) throw lineError(caller, file, 1, `header has no "${name}" column; expected ${columns.join(',')}, got "${lines[0]}"`);
    at.set(name, index);
  }
  const rows: CsvRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const fields = parseLine(lines[i], file, i + 1, caller);
    if (fields.length !== header.length) {
      throw lineError(caller, file, i + 1, `expected ${header.length} fields (${header.join(',')}), got ${fields.length}: "${lines[i]}"`);
    }
    const values: Record<string, string> = {};
    for (const [name, index] of at) values[name] = fields[index].trim();
    rows.push({ line: i + 1, values });
  }
  return rows;
}

function parseLine(text: string, file: string, line: number, caller: string): string[] {
  try {
    return parseCsvRow(text);
  } catch (err) {
    throw lineError(caller, file, line, `${(err as Error).message}: "${text}"`);
  }
}
