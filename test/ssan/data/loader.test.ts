/**
 * ClipLoader on a tiny V1-like folder of JPEG frames (6 videos of 5-9 frames, 16x16): epoch coverage and
 * shuffling, batches identical across worker counts, prefetch depths and resumption, validation order
 * and frame choice, skipping of broken videos, error propagation, and worker shutdown.
 *
 * Each frame encodes where it came from: red = 20 + 10·x (so crops show), green = 20·frame, blue = 10 + 30·video.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Worker } from 'worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeJpeg } from '../../../src/ssan/data/jpeg';
import { ClipLoader, type ClipBatch, type ClipLoaderOptions } from '../../../src/ssan/data/loader';
import { centerSegmentIndices } from '../../../src/ssan/data/sampling';
import { IMAGENET_MEAN, IMAGENET_STD, type ClipTransform } from '../../../src/ssan/data/transforms';
import type { VideoRecord, VideoSplit } from '../../../src/ssan/data/types';

const FRAME_COUNTS = [5, 6, 7, 8, 9, 5];
const TEMPLATE = '{:05d}.jpg';
const SEGMENTS = 4;
const CROP = 12;
const TRAIN_TRANSFORM: ClipTransform = { aug: 'paper', resize: 16, crop: CROP, train: true, flip: true };
const EVAL_TRANSFORM: ClipTransform = { ...TRAIN_TRANSFORM, train: false, flip: false };

let root: string;

function writeVideo(id: string, numFrames: number, video: number, label: number): VideoRecord {
  const location = path.join(root, id);
  fs.mkdirSync(location);
  for (let frame = 1; frame <= numFrames; frame++) {
    const data = new Uint8Array(16 * 16 * 3);
    for (let p = 0; p < 16 * 16; p++) data.set([20 + 10 * (p % 16), 20 * frame, 10 + 30 * video], p * 3);
    writeJpeg(path.join(location, `${String(frame).padStart(5, '0')}.jpg`), { width: 16, height: 16, data }, 95);
  }
  return { id, location, numFrames, label };
}

function splitOf(records: VideoRecord[], template = TEMPLATE): VideoSplit {
  return { name: 'tiny v1', classes: ['a', 'b', 'c'], records, layout: { template }, skipped: [] };
}

let split: VideoSplit;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ssan-loader-'));
  split = splitOf(FRAME_COUNTS.map((n, v) => writeVideo(`video${v}`, n, v, v % 3)));
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

async function collect(loader: ClipLoader, epoch: number, startBatch = 0): Promise<ClipBatch[]> {
  const batches: ClipBatch[] = [];
  for await (const batch of loader.epoch(epoch, { startBatch })) batches.push(batch);
  return batches;
}

/** The parts of a batch that must match exactly, in a form toEqual compares quickly. */
function summary(batch: ClipBatch): { index: number; records: number[]; labels: number[]; shape: number[]; bytes: string } {
  return {
    index: batch.batchIndex,
    records: batch.recordIndices,
    labels: Array.from(batch.labels.data),
    shape: [...batch.clips.shape],
    bytes: Buffer.from(batch.clips.data.buffer, batch.clips.data.byteOffset, batch.clips.data.byteLength).toString('base64'),
  };
}

function trainOptions(extra: Partial<ClipLoaderOptions> = {}): ClipLoaderOptions {
  return { numSegments: SEGMENTS, batchSize: 2, train: true, transform: TRAIN_TRANSFORM, seed: 7, workers: 0, ...extra };
}

/** Which frame (green / 20) each of the T frames of clip `clip` shows. */
function framesOf(batch: ClipBatch, clip: number): number[] {
  const frameValues = 3 * CROP * CROP;
  const data = batch.clips.data as Float32Array;
  return Array.from({ length: SEGMENTS }, (_, t) => {
    const normalised = data[(clip * SEGMENTS + t) * frameValues + CROP * CROP + 5 * CROP + 5];
    return Math.round(((normalised * IMAGENET_STD[1] + IMAGENET_MEAN[1]) * 255) / 20);
  });
}

describe('training epochs', () => {
  it('cover the split once per epoch, drop the last partial batch, and shuffle differently each epoch', async () => {
    const loader = new ClipLoader(split, trainOptions());
    expect(loader.batchesPerEpoch).toBe(3);
    const orders: number[][] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      const batches = await collect(loader, epoch);
      expect(batches.map((b) => b.batchIndex)).toEqual([0, 1, 2]);
      for (const batch of batches) {
        expect(batch.clips.shape).toEqual([2, SEGMENTS, 3, CROP, CROP]);
        expect(batch.clips.dtype).toBe('float32');
        expect(batch.labels.dtype).toBe('int32');
        expect(Array.from(batch.labels.data)).toEqual(batch.recordIndices.map((r) => split.records[r].label));
      }
      const order = batches.flatMap((b) => b.recordIndices);
      expect([...order].sort()).toEqual([0, 1, 2, 3, 4, 5]);
      orders.push(order);
    }
    expect(new Set(orders.map((o) => o.join())).size).toBeGreaterThan(1);
    const partial = new ClipLoader(split, trainOptions({ batchSize: 4 }));
    expect(partial.batchesPerEpoch).toBe(1);
    expect((await collect(partial, 0))[0].recordIndices).toHaveLength(4);
  });

  it('pick training frames inside the video and in order', async () => {
    const loader = new ClipLoader(split, trainOptions());
    for (const batch of await collect(loader, 1)) {
      batch.recordIndices.forEach((record, clip) => {
        const frames = framesOf(batch, clip);
        expect(frames.every((f) => f >= 1 && f <= split.records[record].numFrames)).toBe(true);
        expect([...frames].sort((a, b) => a - b)).toEqual(frames);
      });
    }
  });
});

describe('determinism', () => {
  it('gives the same batches with 0 or 2 workers, any prefetch, and when resumed mid-epoch', async () => {
    const reference = new ClipLoader(split, trainOptions());
    const epoch0 = (await collect(reference, 0)).map(summary);
    const epoch1 = (await collect(reference, 1)).map(summary);
    expect(epoch0).not.toEqual(epoch1);

    const threaded = new ClipLoader(split, trainOptions({ workers: 2, prefetch: 1 }));
    try {
      expect((await collect(threaded, 0)).map(summary)).toEqual(epoch0);
      expect((await collect(threaded, 1)).map(summary)).toEqual(epoch1);
      expect((await collect(threaded, 1, 1)).map(summary)).toEqual(epoch1.slice(1));
      expect(await collect(threaded, 1, 3)).toEqual([]);
    } finally {
      await threaded.close();
    }
    expect((await collect(new ClipLoader(split, trainOptions({ prefetch: 5 })), 0, 2)).map(summary)).toEqual(epoch0.slice(2));
  });

  it('gives the same batches from one worker in a process that never closes the loader, which still exits', () => {
    // The loader is left open: its idle workers must not keep the process alive, while the busy one
    // must keep it alive until each awaited batch arrives.
    const script = `
      require('ts-node').register({ transpileOnly: true });
      const { ClipLoader } = require(${JSON.stringify(path.resolve(__dirname, '../../../src/ssan/data/loader.ts'))});
      const split = JSON.parse(process.env.SPLIT);
      const options = JSON.parse(process.env.OPTIONS);
      (async () => {
        const out = [];
        for await (const b of new ClipLoader(split, options).epoch(1)) {
          out.push({ records: b.recordIndices, bytes: Buffer.from(b.clips.data.buffer).toString('base64') });
        }
        console.log(JSON.stringify(out));
      })();
    `;
    const options = trainOptions({ workers: 1, prefetch: 0 });
    const child = spawnSync(process.execPath, ['-e', script], {
      cwd: path.resolve(__dirname, '../../..'),
      env: { ...process.env, SPLIT: JSON.stringify(split), OPTIONS: JSON.stringify(options) },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.error).toBeUndefined();
    expect(child.status, child.stderr).toBe(0);
    return collect(new ClipLoader(split, trainOptions()), 1).then((batches) => {
      expect(JSON.parse(child.stdout)).toEqual(batches.map((b) => ({ records: b.recordIndices, bytes: summary(b).bytes })));
    });
  });
});

describe('validation', () => {
  it('reads every video in order with centre frames and keeps the last partial batch', async () => {
    const loader = new ClipLoader(split, { numSegments: SEGMENTS, batchSize: 4, train: false, transform: EVAL_TRANSFORM, workers: 0 });
    expect(loader.batchesPerEpoch).toBe(2);
    try {
      for (const epoch of [0, 5]) {
        const batches = await collect(loader, epoch);
        expect(batches.map((b) => b.recordIndices)).toEqual([[0, 1, 2, 3], [4, 5]]);
        for (const batch of batches) {
          batch.recordIndices.forEach((record, clip) => {
            expect(framesOf(batch, clip)).toEqual(centerSegmentIndices(FRAME_COUNTS[record], SEGMENTS));
          });
        }
      }
    } finally {
      await loader.close();
    }
  });

  it('puts the clips of one video next to each other with numClips > 1', async () => {
    const loader = new ClipLoader(split, { numSegments: 2, batchSize: 3, train: false, transform: EVAL_TRANSFORM, numClips: 2, workers: 0 });
    const [first] = await collect(loader, 0);
    expect(first.clips.shape).toEqual([6, 2, 3, CROP, CROP]);
    expect(first.labels.shape).toEqual([3]);
  });
});

describe('broken videos', () => {
  it('skips a video with a missing frame and one with a corrupt JPEG, warning once each', async () => {
    const missing = writeVideo('missing', 7, 6, 0);
    const corrupt = writeVideo('corrupt', 6, 7, 1);
    // Validation reads frames 1, 3, 5, 7 of a 7-frame video and always frame 1.
    const missingFile = path.join(missing.location, '00003.jpg');
    const corruptFile = path.join(corrupt.location, '00001.jpg');
    fs.rmSync(missingFile);
    fs.writeFileSync(corruptFile, 'not a jpeg at all');
    const broken = splitOf([missing, corrupt, ...split.records]);
    const warnings: string[] = [];
    const loader = new ClipLoader(broken, {
      numSegments: SEGMENTS, batchSize: 2, train: false, transform: EVAL_TRANSFORM, workers: 1, onWarning: (m) => warnings.push(m),
    });
    try {
      const batches = await collect(loader, 0);
      // Batch 0 held only the two broken videos: it is not yielded, and the rest is intact.
      expect(batches.map((b) => [b.batchIndex, b.recordIndices])).toEqual([[1, [2, 3]], [2, [4, 5]], [3, [6, 7]]]);
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toContain('missing');
      expect(warnings[0]).toContain(missingFile);
      expect(warnings[0]).toContain('file not found');
      expect(warnings[1]).toContain(corruptFile);
      expect(warnings[1]).toContain('not a readable JPEG');
      expect(loader.lastEpochSkipped.map((s) => [s.id, s.file])).toEqual([['missing', missingFile], ['corrupt', corruptFile]]);
      expect(loader.lastEpochSkipped[0].reason).toBe('file not found');
    } finally {
      await loader.close();
    }
  });

  it('rejects the epoch with any other error, from a worker or not', async () => {
    const badTemplate = splitOf(split.records, 'frame.jpg');
    for (const workers of [0, 1]) {
      const loader = new ClipLoader(badTemplate, trainOptions({ workers }));
      try {
        await expect(collect(loader, 0)).rejects.toThrow(/parseFrameTemplate: expected a template/);
        expect(loader.lastEpochSkipped).toEqual([]);
      } finally {
        await loader.close();
      }
    }
  });
});

describe('close', () => {
  it('terminates the workers, fails what was still decoding, and refuses new epochs', async () => {
    const terminate = vi.spyOn(Worker.prototype, 'terminate');
    try {
      const loader = new ClipLoader(split, trainOptions({ workers: 1, prefetch: 2 }));
      const iterator = loader.epoch(0);
      await iterator.next();
      await loader.close();
      expect(terminate).toHaveBeenCalledTimes(1);
      await expect(iterator.next()).rejects.toThrow(/the loader was closed/);
      await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
      await expect(collect(loader, 1)).rejects.toThrow(/the loader is closed/);
    } finally {
      terminate.mockRestore();
    }
  });

  it('checks its options', () => {
    expect(() => new ClipLoader(split, trainOptions({ batchSize: 0 }))).toThrow(/batchSize must be an integer >= 1, got 0/);
    expect(() => new ClipLoader(split, trainOptions({ workers: -1 }))).toThrow(/workers/);
    expect(() => new ClipLoader(splitOf([]), trainOptions())).toThrow(/has no videos/);
    expect(() => new ClipLoader(split, trainOptions({ transform: { ...TRAIN_TRANSFORM, crop: 32 } }))).toThrow(/must not exceed resize/);
  });
});
