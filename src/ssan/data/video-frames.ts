/**
 * Turning a video file into a frame folder with the ffmpeg command line tool, the way TSM's vid2img
 * scripts do, for datasets distributed as videos (Something-Something V2, Kinetics).
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { countFrames, parseFrameTemplate } from './frame-folder';

let ffmpegFound: boolean | undefined;

/** Whether an `ffmpeg` executable runs (checked once per process). */
export function hasFfmpeg(): boolean {
  if (ffmpegFound === undefined) {
    const result = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    ffmpegFound = result.error === undefined && result.status === 0;
  }
  return ffmpegFound;
}

/** What to tell a user who has videos but no ffmpeg. */
export function ffmpegMissingHint(outDir: string): string {
  return `install ffmpeg (apt-get install ffmpeg) or extract the frames yourself into ${outDir}`;
}

export interface ExtractOptions {
  /** Frame file template of the dataset, e.g. '{:06d}.jpg'. */
  template: string;
  /** Height of the extracted frames in pixels; the width keeps the aspect ratio (rounded to even). */
  height: number;
}

/** The image2 pattern for a frame template: '{:06d}.jpg' -> '%06d.jpg' ('%' in the fixed text doubled). */
export function ffmpegFramePattern(template: string): string {
  const { prefix, width, suffix } = parseFrameTemplate(template);
  const escape = (s: string) => s.replace(/%/g, '%%');
  return `${escape(prefix)}%0${width}d${escape(suffix)}`;
}

/**
 * Decodes `video` into JPEG frames 1, 2, ... in `outDir` and returns how many there are. ffmpeg writes
 * into a temporary sibling folder that is renamed to `outDir` only when it has finished, so a crash or
 * Ctrl-C midway never leaves a folder that a reader would take for a complete video.
 */
export function extractFrames(video: string, outDir: string, options: ExtractOptions): number {
  const { template, height } = options;
  if (!Number.isInteger(height) || height <= 0) {
    throw new Error(`extractFrames: height must be a positive integer, got ${height}`);
  }
  const pattern = ffmpegFramePattern(template);
  if (!hasFfmpeg()) throw new Error(`extractFrames: ffmpeg is not installed; ${ffmpegMissingHint(outDir)}`);
  if (!fs.existsSync(video)) throw new Error(`extractFrames: video ${video} does not exist`);

  fs.mkdirSync(path.dirname(outDir), { recursive: true });
  // A sibling of outDir, so that the final rename stays on one file system.
  const partial = fs.mkdtempSync(`${outDir}.partial-`);
  try {
    const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-i', video, '-threads', '1',
      '-vf', `scale=-2:${height}`, '-q:v', '2', path.join(partial, pattern)];
    const result = spawnSync('ffmpeg', args, { encoding: 'utf8', maxBuffer: 16 << 20 });
    if (result.error) throw new Error(`extractFrames: could not run ffmpeg on ${video} (${result.error.message})`);
    if (result.status !== 0) {
      const tail = (result.stderr ?? '').trim().split('\n').slice(-5).join(' | ');
      throw new Error(`extractFrames: ffmpeg failed on ${video} (exit ${result.status}): ${tail || 'no message'}`);
    }
    const frames = countFrames(partial, template) ?? 0;
    if (frames === 0) throw new Error(`extractFrames: ffmpeg wrote no frames for ${video}`);
    try {
      fs.renameSync(partial, outDir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Another process finished the same video first: its folder is complete, keep it.
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err;
    }
    return countFrames(outDir, template) ?? 0;
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
  }
}
