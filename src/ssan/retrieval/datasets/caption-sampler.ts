/**
 * One caption per video per epoch (HowTo100M's MSR-VTT training: every video is seen once an epoch, with
 * one of its captions at random).
 *
 * Each epoch's pick is uniform over the video's captions, as in HowTo100M, but drawn without replacement
 * over cycles of n epochs for a video with n captions: every caption is used once in epochs 0..n-1, once
 * in n..2n-1, and so on. Over a 50-epoch fine-tuning this shows each of MSR-VTT's 20 captions two or
 * three times, where independent draws would leave some out and repeat others.
 *
 * Every pick comes from a Generator named by the seed, the video and the cycle, so an epoch's pairs are a
 * function of (seed, epoch) alone: a resumed run sees the epochs it would have seen.
 */
import { Generator } from '../../../tensor/random';

export interface CaptionedVideo {
  videoId: string;
  captions: readonly string[];
}

/** One training pair: a video and the caption it is shown with this epoch. */
export interface CaptionPick {
  videoId: string;
  caption: string;
  /** Index into the video's captions. */
  captionIndex: number;
}

export interface CaptionSamplerOptions {
  seed?: number | string;
  /** Whether each epoch lists the videos in a fresh random order (default true, as HowTo100M's loader). */
  shuffle?: boolean;
}

export class CaptionSampler {
  readonly videos: readonly CaptionedVideo[];
  readonly seed: string;
  readonly shuffle: boolean;

  constructor(videos: readonly CaptionedVideo[], options: CaptionSamplerOptions = {}) {
    const seen = new Set<string>();
    for (const video of videos) {
      if (video.captions.length === 0) throw new Error(`CaptionSampler: video ${video.videoId} has no captions`);
      // Two entries for one video would share their generators, so their picks would always agree.
      if (seen.has(video.videoId)) throw new Error(`CaptionSampler: video ${video.videoId} is listed twice`);
      seen.add(video.videoId);
    }
    this.videos = videos;
    this.seed = String(options.seed ?? 0);
    this.shuffle = options.shuffle ?? true;
  }

  get length(): number {
    return this.videos.length;
  }

  /** Epoch `epoch` (0, 1, ...): every video once, each with one caption. */
  epoch(epoch: number): CaptionPick[] {
    if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`CaptionSampler.epoch: epoch must be an integer >= 0, got ${epoch}`);
    const picks = this.videos.map((video) => {
      const count = video.captions.length;
      const cycle = Math.floor(epoch / count);
      const order = new Generator(`caption-sampler ${this.seed} ${video.videoId} ${cycle}`).permutation(count);
      const captionIndex = order[epoch % count];
      return { videoId: video.videoId, caption: video.captions[captionIndex], captionIndex };
    });
    if (!this.shuffle) return picks;
    const order = new Generator(`caption-sampler ${this.seed} order ${epoch}`).permutation(picks.length);
    return order.map((i) => picks[i]);
  }
}
