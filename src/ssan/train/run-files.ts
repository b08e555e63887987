/**
 * The files of a training run in its output folder: `last.safetensors` (written every epoch, and on
 * Ctrl-C mid-epoch), `best.safetensors` (the epoch with the best validation top-1) and `metrics.jsonl`
 * (one JSON object per finished epoch).
 */
import fs from 'fs';
import path from 'path';

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

/** Appends one object as a line; a line is written whole with one call, so a crash never leaves half of one. */
export function appendJsonLine(file: string, value: object): void {
  fs.appendFileSync(file, `${JSON.stringify(value)}\n`);
}

/** The objects of a JSON-lines file; a bad line is an error naming the file and the line. */
export function readJsonLines(file: string): Record<string, unknown>[] {
  if (!fs.existsSync(file)) return [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const out: Record<string, unknown>[] = [];
  lines.forEach((line, i) => {
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
 * an epoch's metrics but before its checkpoint redoes that epoch, and must not list it twice.
 */
export function truncateMetrics(file: string, epochsDone: number): void {
  const kept = readJsonLines(file).filter((m) => typeof m.epoch === 'number' && m.epoch <= epochsDone);
  const temp = `${file}.tmp`;
  fs.writeFileSync(temp, kept.map((m) => `${JSON.stringify(m)}\n`).join(''));
  fs.renameSync(temp, file);
}
