/**
 * The files of a training run in its output folder: `last.safetensors` (written every epoch, and on
 * Ctrl-C mid-epoch), `best.safetensors` (the epoch with the best validation top-1) and `metrics.jsonl`
 * (one JSON object per finished epoch).
 */
import fs from 'fs';
import path from 'path';
import { staleTemporaryFiles, writeFileAtomic, writeProbe } from '../nn/atomic-files';

export interface RunFiles {
  dir: string;
  last: string;
  best: string;
  metrics: string;
}

export function runFiles(dir: string): RunFiles {
  return {
    dir,
    last: path.join(dir, 'last.safetensors'),
    best: path.join(dir, 'best.safetensors'),
    metrics: path.join(dir, 'metrics.jsonl'),
  };
}

/** The run's three files, last first: a run deleted in this order no longer looks resumable halfway. */
export function runFilePaths(files: RunFiles): string[] {
  return [files.last, files.best, files.metrics];
}

/** The run's files that exist: what makes a folder hold a run. */
export function existingRunFiles(files: RunFiles): string[] {
  return runFilePaths(files).filter((f) => fs.existsSync(f));
}

/**
 * Removes the temporary files that a killed run left next to its files (writeFileAtomic's, and the
 * `metrics.jsonl.tmp` of earlier versions); returns their names. Anything else in the folder is left.
 */
export function removeStaleTemporaryFiles(files: RunFiles): string[] {
  const names = runFilePaths(files).map((f) => path.basename(f));
  const stale = staleTemporaryFiles(files.dir, names);
  if (fs.existsSync(`${files.metrics}.tmp`)) stale.push(`${files.metrics}.tmp`);
  for (const file of stale) fs.rmSync(file, { force: true });
  return stale.map((f) => path.basename(f)).sort();
}

/** Appends one object as a line; a line is written whole with one call, so a crash never leaves half of one. */
export function appendJsonLine(file: string, value: object): void {
  fs.appendFileSync(file, `${JSON.stringify(value)}\n`);
  writeProbe.hook?.(file, 'appended');
}

/** The objects of a JSON-lines file; a bad line is an error naming the file and the line. */
export function readJsonLines(file: string): Record<string, unknown>[] {
  if (!fs.existsSync(file)) return [];
  return parseJsonLines(fs.readFileSync(file, 'utf8'), file);
}

function parseJsonLines(text: string, file: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line));
    } catch (err) {
      throw new Error(`readJsonLines: ${file} line ${i + 1} is not JSON (${(err as Error).message})`);
    }
  });
  return out;
}

/**
 * Keeps the metrics of the epochs a checkpoint holds and drops later ones: a run that died after writing
 * an epoch's metrics but before its checkpoint redoes that epoch, and must not list it twice. A last line
 * without its newline is an append the kill cut short; it belongs to such an epoch and goes too.
 */
export function truncateMetrics(file: string, epochsDone: number): void {
  if (!fs.existsSync(file)) return;
  const text = fs.readFileSync(file, 'utf8');
  const whole = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  const kept = parseJsonLines(whole, file).filter((m) => typeof m.epoch === 'number' && m.epoch <= epochsDone);
  writeFileAtomic(file, new TextEncoder().encode(kept.map((m) => `${JSON.stringify(m)}\n`).join('')));
}
