/**
 * Crash-safe file writing, shared by the safetensors writer and the training run's files: a write
 * through a renamed temporary file, the leftovers of a killed writer, and a test seam at each point
 * where a kill would leave a different folder. Internal: not part of the nn.safetensors namespace
 * (writeFileAtomic is public through `train`).
 */
import fs from 'fs';
import path from 'path';
import { randomBytes } from 'crypto';

/** The points of a write where a kill leaves the folder in a different state (see writeProbe). */
export type WriteStage = 'temp-written' | 'renamed' | 'appended';

/**
 * A test seam, null in normal use. When set, writeFileAtomic calls it once the temporary file is whole and
 * again once it is renamed into place, and fit's metrics log calls it after each appended line: every point
 * where a kill would leave a different folder. Tests of crash consistency set it to copy the folder (what
 * a kill at that point would leave) or to throw (a run that dies there).
 */
export const writeProbe: { hook: ((file: string, stage: WriteStage) => void) | null } = { hook: null };

/** The temporary name writeFileAtomic uses for `file` (hidden, next to it, with the writer's pid). */
function temporaryName(file: string): string {
  // Not from the seeded generator: saving must not change the random stream of a run.
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes bytes to `file` through a temporary file in the same folder, flushed to disk and then renamed
 * over `file`: a crash or a failed write leaves either the old file or the new one, never half of one.
 * The folder is flushed too, so that renames done one after the other reach the disk in that order.
 */
export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  const temp = temporaryName(file);
  try {
    const fd = fs.openSync(temp, 'wx');
    try {
      for (let written = 0; written < bytes.length;) {
        written += fs.writeSync(fd, bytes, written, bytes.length - written);
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    writeProbe.hook?.(file, 'temp-written');
    fs.renameSync(temp, file);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw new Error(`writeFileAtomic: could not write ${JSON.stringify(file)} (${(e as Error).message}); ` +
      'any previous file there is unchanged');
  }
  syncFolder(path.dirname(file));
  writeProbe.hook?.(file, 'renamed');
}

function syncFolder(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return; // Windows cannot open a folder; its renames are ordered by the file system itself.
  }
  try {
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse to flush a folder; the rename itself has happened.
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The temporary files that writeFileAtomic left in `dir` for the files named `names` (base names) when
 * its process was killed mid-write: those whose writer process is no longer running. A file of a live
 * process (another program writing there now) is not listed.
 */
export function staleTemporaryFiles(dir: string, names: readonly string[]): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const stale: string[] = [];
  for (const entry of entries) {
    const match = /^\.(.+)\.(\d+)\.[0-9a-f]+\.tmp$/.exec(entry);
    if (match === null || !names.includes(match[1])) continue;
    const pid = Number(match[2]);
    if (pid !== process.pid && processIsRunning(pid)) continue;
    stale.push(path.join(dir, entry));
  }
  return stale;
}

/** Whether process `pid` exists (ours or another user's): how a dead writer's leftovers are recognised. */
export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
