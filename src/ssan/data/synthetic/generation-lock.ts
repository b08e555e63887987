/**
 * A lock file that keeps two processes from writing one synthetic set at once. Two copies of the main job
 * started together (two seeds side by side) both find the set missing; without the lock each clears what
 * the other is writing and both fail. With it, the second waits, then finds the set complete.
 *
 * The lock is a file created exclusively, holding the owner's process id. A lock whose owner is gone (a
 * run killed mid-generation) is taken over, so a crash never leaves the folder locked for good.
 */
import fs from 'fs';
import { processIsRunning } from '../../../nn/atomic-files';

/** How often a waiting process looks at the lock again. */
const POLL_MS = 200;
/** A lock file with no readable process id (its owner died between creating and writing it) is stale after this. */
const UNREADABLE_GRACE_MS = 10_000;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The owner's process id while it still runs, undefined when the lock is stale (or already gone). */
function liveOwner(lockFile: string): number | undefined {
  let text: string;
  let ageMs: number;
  try {
    text = fs.readFileSync(lockFile, 'utf8');
    ageMs = Date.now() - fs.statSync(lockFile).mtimeMs;
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0) return ageMs < UNREADABLE_GRACE_MS ? -1 : undefined;
  return processIsRunning(pid) ? pid : undefined;
}

function tryCreate(lockFile: string): boolean {
  try {
    const fd = fs.openSync(lockFile, 'wx');
    fs.writeSync(fd, String(process.pid));
    fs.closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Runs `body` holding `lockFile`, waiting while another live process holds it (`onWait` is told once,
 * with its id, so a user sees why nothing happens). The lock is released however `body` ends.
 */
export function withLockFile<T>(lockFile: string, body: () => T, onWait?: (ownerPid: number) => void): T {
  let told = false;
  while (!tryCreate(lockFile)) {
    const owner = liveOwner(lockFile);
    if (owner === undefined) {
      // Stale: remove it and race for it again (exclusive creation decides between racers).
      fs.rmSync(lockFile, { force: true });
      continue;
    }
    if (!told && owner > 0) {
      onWait?.(owner);
      told = true;
    }
    sleep(POLL_MS);
  }
  try {
    return body();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}
