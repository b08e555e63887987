/**
 * Retrieval features from a classifier: the windows cover the video, every feature is unit length, a
 * long video's feature is the maximum over its windows' features, files round-trip, and the property the
 * synthetic retrieval task rests on: TSN's feature of a video and of the same frames reversed is the same,
 * SSAN's is not.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed } from '../../../src';
import { generateSyntheticSth, readSthV1 } from '../../../src/ssan/data';
import { centerSegmentIndices } from '../../../src/ssan/data/sampling';
import type { VideoSplit } from '../../../src/ssan/data/types';
import {
  extractVideoFeatures, featureWindows, loadVideoFeatures, saveVideoFeatures,
} from '../../../src/ssan/retrieval/features';
import { buildModel, clipTransform, ExperimentConfig } from '../../../src/ssan/train';

const T = 4;
/** 3T frames: centre sampling then picks frames 2, 5, 8, 11, the same set as in the reversed video. */
const FRAMES = 3 * T;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'features-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function config(arch: 'ssan' | 'tsn'): ExperimentConfig {
  // At the paper's init SSA starts as the identity (output scale 0) with a near-uniform temporal map (its
  // embeddings at std 0.01): as order-blind as TSN. A trained block is neither; these stand in for one.
  return {
    arch, depth: 18, width: 2, numClasses: 12, numSegments: T, placement: { layer2: [0] }, attnOutInit: 1, attnInitStd: 0.5,
    dropout: 0.5, aug: 'paper', resize: 20, crop: 16, flip: false,
  };
}

let split: VideoSplit;
beforeAll(() => {
  const data = path.join(root, 'data');
  generateSyntheticSth({ root: data, trainPerClass: 1, valPerClass: 1, minFrames: FRAMES, maxFrames: FRAMES, width: 20, height: 20 });
  const val = readSthV1(data, 'validation');
  // Each video, and a copy with its frames in reverse order.
  const records = val.records.slice(0, 3).flatMap((record) => {
    const reversed = path.join(root, 'reversed', record.id);
    fs.mkdirSync(reversed, { recursive: true });
    for (let i = 1; i <= record.numFrames; i++) {
      const name = (k: number) => `${String(k).padStart(5, '0')}.jpg`;
      fs.copyFileSync(path.join(record.location, name(i)), path.join(reversed, name(record.numFrames + 1 - i)));
    }
    return [record, { ...record, id: `${record.id}-reversed`, location: reversed }];
  });
  split = { ...val, records };
});

describe('featureWindows', () => {
  it('is one window of centre-sampled frames by default', () => {
    expect(featureWindows(16, 8)).toEqual([centerSegmentIndices(16, 8)]);
  });

  it('cuts a long video into windows, a short remainder joining the last one', () => {
    const w = featureWindows(40, 4, 16);
    // 40 = 16 + 16 + 8: the remainder is half a window, so it makes a third window.
    expect(w).toEqual([centerSegmentIndices(16, 4), centerSegmentIndices(16, 4).map((i) => i + 16), centerSegmentIndices(8, 4).map((i) => i + 32)]);
    // 37 = 16 + 21: a remainder of 5 frames joins the second window.
    expect(featureWindows(37, 4, 16)).toEqual([centerSegmentIndices(16, 4), centerSegmentIndices(21, 4).map((i) => i + 16)]);
    expect(() => featureWindows(10, 4, 0)).toThrow(/windowFrames must be a positive integer/);
  });
});

describe('extractVideoFeatures', () => {
  it('gives unit-length features that TSN cannot tell from the reversed video and SSAN can', () => {
    const distances: Record<string, number> = {};
    for (const arch of ['tsn', 'ssan'] as const) {
      manualSeed(1);
      const model = buildModel(config(arch));
      const features = extractVideoFeatures(model, split, clipTransform(config(arch), false), { batchSize: 4 });
      expect([...features.keys()]).toEqual(split.records.map((r) => r.id));
      let largest = 0;
      for (let v = 0; v < split.records.length; v += 2) {
        const a = features.get(split.records[v].id)!;
        const b = features.get(split.records[v + 1].id)!;
        expect(Math.hypot(...a)).toBeCloseTo(1, 5);
        largest = Math.max(largest, Math.hypot(...a.map((x, k) => x - b[k])));
      }
      distances[arch] = largest;
      expect(model.training).toBe(true);
    }
    expect(distances.tsn).toBeLessThan(1e-5);
    expect(distances.ssan).toBeGreaterThan(1e-3);
  });

  it('takes the maximum over windows (each the mean over its frames), then normalises', () => {
    manualSeed(2);
    const model = buildModel(config('tsn'));
    const transform = clipTransform(config('tsn'), false);
    const video = split.records[0];
    const name = (k: number) => `${String(k).padStart(5, '0')}.jpg`;
    // Each window of 6 frames written out as a video of its own.
    const windows = [0, 6].map((first) => {
      const dir = path.join(root, `window-${first}`);
      fs.mkdirSync(dir, { recursive: true });
      for (let i = 1; i <= 6; i++) fs.copyFileSync(path.join(video.location, name(first + i)), path.join(dir, name(i)));
      return { ...video, id: `window-${first}`, location: dir, numFrames: 6 };
    });
    const apart = extractVideoFeatures(model, { ...split, records: windows }, transform, { normalize: false });
    const whole = extractVideoFeatures(model, { ...split, records: [video] }, transform, { windowFrames: 6, normalize: false });
    const [a, b] = windows.map((w) => apart.get(w.id)!);
    const got = whole.get(video.id)!;
    expect(a.some((x, k) => x !== b[k])).toBe(true);
    for (let k = 0; k < got.length; k++) expect(got[k]).toBeCloseTo(Math.max(a[k], b[k]), 5);
    const normalised = extractVideoFeatures(model, { ...split, records: [video] }, transform, { windowFrames: 6 }).get(video.id)!;
    const norm = Math.hypot(...got);
    for (let k = 0; k < got.length; k++) expect(normalised[k]).toBeCloseTo(got[k] / norm, 5);
  });

  it('refuses the training transform', () => {
    const model = buildModel(config('tsn'));
    expect(() => extractVideoFeatures(model, split, clipTransform(config('tsn'), true))).toThrow(/evaluation transform/);
  });
});

describe('saveVideoFeatures / loadVideoFeatures', () => {
  it('round-trips ids, values and metadata', () => {
    const file = path.join(root, 'f.safetensors');
    const features = new Map([['video 1', new Float32Array([0.6, 0.8])], ['x/2', new Float32Array([1, 0])]]);
    saveVideoFeatures(file, features, { checkpoint: 'runs/a/best.safetensors' });
    const back = loadVideoFeatures(file);
    expect(back.metadata.checkpoint).toBe('runs/a/best.safetensors');
    expect([...back.features.entries()].sort()).toEqual([...features.entries()].sort());
  });
});
