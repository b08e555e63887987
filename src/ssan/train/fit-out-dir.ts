/**
 * fit()'s output folder: checked against the options and made ready before anything is trained.
 */
import fs from 'fs';
import path from 'path';
import type { FitOptions } from './fit';
import { existingRunFiles, removeStaleTemporaryFiles, runFilePaths, runFiles, RunFiles } from '../../train/run-files';

/**
 * Checks the output folder against the options and gets it ready: refuses a file, an earlier run without
 * resume or overwrite, and resume without a checkpoint, each with what to do instead; deletes the earlier
 * run on overwrite; removes temporary files that a killed run left.
 */
export function prepareOutDir(opts: FitOptions, log: (line: string) => void): RunFiles {
  const files = runFiles(opts.outDir);
  const dir = files.dir;
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new Error(`fit: cannot create the output folder ${dir}: a part of its path is a file`);
    if (code !== 'ENOENT') throw new Error(`fit: cannot use the output folder ${dir}: ${(e as Error).message}`);
  }
  if (stat && !stat.isDirectory()) throw new Error(`fit: the output folder ${dir} is a file; name a folder (outDir, --out)`);
  const existing = stat ? existingRunFiles(files) : [];
  const names = existing.map((f) => path.basename(f)).join(', ');
  if (opts.resume) {
    if (!stat) throw new Error(`fit: cannot resume: the output folder ${dir} does not exist; check the folder (--out), or start a new run without resume`);
    if (!existing.includes(files.last)) {
      throw new Error(`fit: cannot resume: ${dir} holds no checkpoint (last.safetensors)` +
        (existing.length > 0
          ? `, only ${names}: the run stopped before saving one; start it again with overwrite (--overwrite)`
          : '; check the folder (--out), or start a new run without resume'));
    }
  } else if (existing.length > 0) {
    if (!opts.overwrite) {
      throw new Error(`fit: ${dir} already holds a training run (${names}); continue it with resume (--resume), ` +
        'replace it with overwrite (--overwrite), or choose another output folder (--out)');
    }
    for (const file of runFilePaths(files)) fs.rmSync(file, { force: true });
    log(`overwrite: deleted the earlier run in ${dir} (${names})`);
  }
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`fit: cannot create the output folder ${dir}` +
      (code === 'ENOTDIR' || code === 'EEXIST' ? ': a part of its path is a file' : `: ${(e as Error).message}`));
  }
  const removed = removeStaleTemporaryFiles(files);
  if (removed.length > 0) log(`removed temporary files that a killed run left in ${dir}: ${removed.join(', ')}`);
  return files;
}
