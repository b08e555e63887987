/**
 * extractFrames: frames come out 1-based, in order, at the asked height, through a temporary folder that
 * never stays behind; a video ffmpeg cannot read is an Error with ffmpeg's own complaint.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJpeg, writeJpeg } from '../../../src/ssan/data/jpeg';
import { extractFrames, ffmpegFramePattern, hasFfmpeg } from '../../../src/ssan/data/video-frames';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ssan-video-frames-'));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const grey = (i: number) => 40 * i;

/** An MPEG-4 clip of `count` flat 16x16 frames, frame i of grey level grey(i). */
function makeClip(count: number): string {
  const source = path.join(root, 'source');
  fs.mkdirSync(source);
  for (let i = 1; i <= count; i++) {
    const data = new Uint8Array(16 * 16 * 3).fill(grey(i));
    writeJpeg(path.join(source, `${String(i).padStart(5, '0')}.jpg`), { width: 16, height: 16, data });
  }
  const video = path.join(root, 'clip.mp4');
  const result = spawnSync('ffmpeg', ['-loglevel', 'error', '-y', '-framerate', '12', '-i',
    path.join(source, '%05d.jpg'), '-c:v', 'mpeg4', '-q:v', '2', video], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`test setup: ffmpeg failed: ${result.stderr}`);
  return video;
}

const mean = (data: Uint8Array) => data.reduce((s, v) => s + v, 0) / data.length;

describe('ffmpegFramePattern', () => {
  it('turns Python templates into image2 patterns', () => {
    expect(ffmpegFramePattern('{:06d}.jpg')).toBe('%06d.jpg');
    expect(ffmpegFramePattern('img_{:05d}.jpg')).toBe('img_%05d.jpg');
    expect(ffmpegFramePattern('100%_{:03d}.jpg')).toBe('100%%_%03d.jpg');
    expect(() => ffmpegFramePattern('%05d.jpg')).toThrow(/zero-padded integer field/);
  });
});

describe('extractFrames', () => {
  it.skipIf(!hasFfmpeg())('writes frames 1..n in order at the asked height, and nothing else', () => {
    const video = makeClip(5);
    const outDir = path.join(root, 'frames', 'deeper', 'clip');
    expect(extractFrames(video, outDir, { template: 'img_{:05d}.jpg', height: 32 })).toBe(5);
    const names = fs.readdirSync(outDir).sort();
    expect(names).toEqual(['img_00001.jpg', 'img_00002.jpg', 'img_00003.jpg', 'img_00004.jpg', 'img_00005.jpg']);
    names.forEach((name, k) => {
      const image = readJpeg(path.join(outDir, name));
      expect([image.width, image.height]).toEqual([32, 32]);
      expect(Math.abs(mean(image.data) - grey(k + 1))).toBeLessThan(12);
    });
    expect(fs.readdirSync(path.dirname(outDir))).toEqual(['clip']);
  });

  it.skipIf(!hasFfmpeg())('keeps a folder another process completed first', () => {
    const video = makeClip(4);
    const outDir = path.join(root, 'done');
    fs.mkdirSync(outDir);
    for (const name of ['000001.jpg', '000002.jpg', '000003.jpg']) fs.copyFileSync(video, path.join(outDir, name));
    expect(extractFrames(video, outDir, { template: '{:06d}.jpg', height: 16 })).toBe(3);
    expect(fs.readdirSync(root).sort()).toEqual(['clip.mp4', 'done', 'source']);
  });

  it.skipIf(!hasFfmpeg())('fails with ffmpeg\'s message on a file that is not a video, leaving no folder', () => {
    const video = path.join(root, 'garbage.webm');
    fs.writeFileSync(video, 'this is not a video at all'.repeat(40));
    const outDir = path.join(root, 'out', 'garbage');
    expect(() => extractFrames(video, outDir, { template: '{:06d}.jpg', height: 32 }))
      .toThrow(new RegExp(`^extractFrames: ffmpeg failed on ${video} \\(exit \\d+\\): .*Invalid data`));
    expect(fs.readdirSync(path.join(root, 'out'))).toEqual([]);
  });

  it('rejects a missing video and a bad height before running anything', () => {
    const outDir = path.join(root, 'out');
    if (hasFfmpeg()) {
      expect(() => extractFrames(path.join(root, 'none.mp4'), outDir, { template: '{:06d}.jpg', height: 32 }))
        .toThrow(`extractFrames: video ${path.join(root, 'none.mp4')} does not exist`);
    }
    expect(() => extractFrames('x.mp4', outDir, { template: '{:06d}.jpg', height: 0 }))
      .toThrow('extractFrames: height must be a positive integer, got 0');
    expect(fs.existsSync(outDir)).toBe(false);
  });
});
