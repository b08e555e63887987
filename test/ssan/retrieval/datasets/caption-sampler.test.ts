/**
 * One caption per video per epoch: repeatable from the seed, every video once an epoch, every caption of
 * a video once in each cycle of as many epochs as it has captions, uniform within an epoch.
 */
import { describe, expect, it } from 'vitest';
import { CaptionSampler, type CaptionedVideo } from '../../../../src/ssan/retrieval/datasets';

const videos: CaptionedVideo[] = [
  { videoId: 'a', captions: ['a0', 'a1', 'a2'] },
  { videoId: 'b', captions: ['b0'] },
  { videoId: 'c', captions: ['c0', 'c1', 'c2', 'c3', 'c4'] },
  { videoId: 'd', captions: ['d0', 'd1'] },
];

describe('CaptionSampler', () => {
  it('every epoch lists every video once, with one of its own captions', () => {
    const sampler = new CaptionSampler(videos, { seed: 7 });
    expect(sampler.length).toBe(4);
    for (let epoch = 0; epoch < 20; epoch++) {
      const picks = sampler.epoch(epoch);
      expect(picks.map((p) => p.videoId).sort()).toEqual(['a', 'b', 'c', 'd']);
      for (const pick of picks) {
        const video = videos.find((v) => v.videoId === pick.videoId)!;
        expect(video.captions[pick.captionIndex]).toBe(pick.caption);
      }
    }
  });

  it('is deterministic per seed, and an epoch does not depend on which epochs were asked for before', () => {
    const a = new CaptionSampler(videos, { seed: 7 });
    const b = new CaptionSampler(videos, { seed: 7 });
    const epochsA = [0, 1, 2, 3, 4, 5].map((e) => a.epoch(e));
    const epochsB = [5, 3, 1, 0, 2, 4].map((e) => [e, b.epoch(e)] as const).sort(([x], [y]) => x - y).map(([, picks]) => picks);
    expect(epochsB).toEqual(epochsA);
    const other = new CaptionSampler(videos, { seed: 8 });
    expect([0, 1, 2, 3, 4, 5].map((e) => other.epoch(e))).not.toEqual(epochsA);
  });

  it('uses each caption of a video once in every cycle of n epochs (n = its number of captions)', () => {
    const sampler = new CaptionSampler(videos, { seed: 11 });
    const lcm = 30; // of 1, 2, 3, 5
    const used = new Map(videos.map((v) => [v.videoId, [] as number[]]));
    for (let epoch = 0; epoch < 2 * lcm; epoch++) {
      for (const pick of sampler.epoch(epoch)) used.get(pick.videoId)!.push(pick.captionIndex);
    }
    for (const video of videos) {
      const n = video.captions.length;
      const picks = used.get(video.videoId)!;
      for (let cycle = 0; cycle < picks.length / n; cycle++) {
        expect(picks.slice(cycle * n, (cycle + 1) * n).sort(), `${video.videoId} cycle ${cycle}`).toEqual([...Array(n).keys()]);
      }
    }
    // The cycles are not all the same order.
    const c = used.get('c')!;
    expect(new Set(Array.from({ length: 12 }, (_, k) => c.slice(k * 5, k * 5 + 5).join())).size).toBeGreaterThan(1);
  });

  it('picks uniformly within an epoch: over many videos each caption index is about equally common', () => {
    const many = Array.from({ length: 4000 }, (_, i) => ({ videoId: `v${i}`, captions: ['x', 'y', 'z', 'w'] }));
    const counts = [0, 0, 0, 0];
    for (const pick of new CaptionSampler(many, { seed: 2 }).epoch(9)) counts[pick.captionIndex]++;
    for (const count of counts) expect(Math.abs(count - 1000)).toBeLessThan(120); // about 4 standard deviations
  });

  it('shuffles the order of the videos each epoch unless told not to', () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ videoId: `v${i}`, captions: ['x'] }));
    const shuffled = new CaptionSampler(many, { seed: 1 });
    expect(shuffled.epoch(0).map((p) => p.videoId)).not.toEqual(shuffled.epoch(1).map((p) => p.videoId));
    expect(shuffled.epoch(0).map((p) => p.videoId)).not.toEqual(many.map((v) => v.videoId));
    const inOrder = new CaptionSampler(many, { seed: 1, shuffle: false });
    expect(inOrder.epoch(3).map((p) => p.videoId)).toEqual(many.map((v) => v.videoId));
  });

  it('rejects a video without captions, a video listed twice, and a bad epoch', () => {
    expect(() => new CaptionSampler([{ videoId: 'x', captions: [] }])).toThrow(/CaptionSampler: video x has no captions/);
    expect(() => new CaptionSampler([videos[0], videos[0]])).toThrow(/CaptionSampler: video a is listed twice/);
    const sampler = new CaptionSampler(videos);
    expect(() => sampler.epoch(-1)).toThrow(/CaptionSampler\.epoch: epoch must be an integer >= 0, got -1/);
    expect(() => sampler.epoch(1.5)).toThrow(/got 1\.5/);
  });
});
