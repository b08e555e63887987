/**
 * English captions for the synthetic Something-Something set, so that retrieval can be trained and tested
 * on it: "a red square slides rightwards along a wire", "someone takes an orange ring out of a box".
 *
 * A caption names the moving object (its colour and shape) and what it does. Each pair of classes has a
 * few phrasings, written as (forward, reversed) twins that differ only in their direction words; every
 * other word, the pair's prop included ("wire", "turntable", "box"), is shared. Since a reversed video is
 * its forward video played backwards, the object, the prop and the rest of the caption say which pair it
 * is, and only the direction words say which member: matching those takes video features that see frame
 * order, the retrieval counterpart of the set's classification test.
 *
 * The direction words differ as a SET, not only in order: HowTo100M's sentence encoder max-pools over
 * words (docs/model.md#retrieval), so "from left to right" and "from right to left" would embed identically. The
 * phrasings avoid such word-order-only contrasts.
 *
 * The captions of a set are computed, not stored: each video's generator is replayed up to its scene
 * (describeSyntheticSth), which is cheap, works for every set already on disk and needs no change to the
 * set's files or format version.
 */
import path from 'path';
import { Generator } from '../../../tensor/random';
import {
  SYNTHETIC_FORMAT_VERSION, describeSyntheticSth, readSyntheticSummary, resolveSyntheticSettings,
  type SyntheticSplit, type SyntheticSthSummary,
} from '../../data/synthetic/generate';
import type { SyntheticAction } from '../../data/synthetic/classes';
import type { SyntheticSceneDescription } from '../../data/synthetic/render';
import type { ShapeKind } from '../../data/synthetic/shapes';

/** What the captions call each silhouette. */
export const SHAPE_NOUNS: Readonly<Record<ShapeKind, string>> = Object.freeze({
  disc: 'circle', square: 'square', triangle: 'triangle', cross: 'cross', ring: 'ring', ellipse: 'oval', bar: 'bar',
  ell: 'L shape', arrow: 'arrow', 'notched-disc': 'notched circle',
});

/** Phrasings of each pair as [forward, reversed]; `{a}` becomes the object with its article. */
const TEMPLATES: Readonly<Record<SyntheticAction, ReadonlyArray<readonly [string, string]>>> = {
  'move-right': [
    ['{a} moves to the right', '{a} moves to the left'],
    ['{a} slides rightwards along a wire', '{a} slides leftwards along a wire'],
    ['someone pushes {a} towards the right side', 'someone pushes {a} towards the left side'],
  ],
  'move-up': [
    ['{a} moves up', '{a} moves down'],
    ['{a} rises along a vertical wire', '{a} sinks along a vertical wire'],
    ['someone lifts {a} upwards', 'someone lowers {a} downwards'],
  ],
  approach: [
    ['{a} moves closer to the camera', '{a} moves away from the camera'],
    ['{a} grows larger as it approaches', '{a} grows smaller as it recedes'],
    ['someone carries {a} towards the camera', 'someone carries {a} away from the camera'],
  ],
  'turn-clockwise': [
    ['{a} turns clockwise', '{a} turns anticlockwise'],
    ['{a} rotates clockwise on a turntable', '{a} rotates counterclockwise on a turntable'],
    ['someone spins {a} clockwise', 'someone spins {a} anticlockwise'],
  ],
  appear: [
    ['{a} appears', '{a} disappears'],
    ['{a} appears on a mat', '{a} vanishes from a mat'],
    ['{a} comes into view', '{a} goes out of view'],
  ],
  'put-into': [
    ['someone puts {a} into a box', 'someone takes {a} out of a box'],
    ['{a} goes down into a box', '{a} comes up out of a box'],
    ['{a} is dropped into a box', '{a} is lifted out of a box'],
  ],
};

/**
 * The words that tell each pair's members apart, [forward, reversed]: every caption of a class holds at
 * least one of its own and none of its twin's. Exported for tests and for analyses of what a model matched.
 */
export const DIRECTION_WORDS: Readonly<Record<SyntheticAction, readonly [readonly string[], readonly string[]]>> = {
  'move-right': [['right', 'rightwards'], ['left', 'leftwards']],
  'move-up': [['up', 'rises', 'lifts', 'upwards'], ['down', 'sinks', 'lowers', 'downwards']],
  approach: [['closer', 'to', 'larger', 'approaches', 'towards'], ['away', 'from', 'smaller', 'recedes']],
  'turn-clockwise': [['clockwise'], ['anticlockwise', 'counterclockwise']],
  appear: [['appears', 'on', 'comes', 'into'], ['disappears', 'vanishes', 'from', 'goes', 'out', 'of']],
  'put-into': [['puts', 'into', 'goes', 'down', 'dropped'], ['takes', 'out', 'of', 'comes', 'up', 'lifted']],
};

/** How many phrasings each class has. */
export const PHRASINGS_PER_CLASS = 3;

/** "a red square", "an orange ring". */
function objectPhrase(scene: SyntheticSceneDescription): string {
  const noun = `${scene.color} ${SHAPE_NOUNS[scene.shape]}`;
  return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
}

/** Every phrasing of the scene's class, about its object, in a fixed order. */
export function captionScene(scene: SyntheticSceneDescription): string[] {
  const object = objectPhrase(scene);
  return TEMPLATES[scene.action].map((twins) => twins[scene.reversed ? 1 : 0].replace('{a}', object));
}

export interface SyntheticCaptionOptions {
  /**
   * Captions per video, 1..PHRASINGS_PER_CLASS (default all). Fewer are chosen at random per video,
   * from a generator named by the set's seed and the video, so different videos of a class use different
   * phrasings; 1 gives the single caption per test video of MSR-VTT's 1k-A protocol.
   */
  captionsPerVideo?: number;
}

/** One video of the set with its captions; usable as it is by CaptionSampler. */
export interface SyntheticVideoCaptions {
  videoId: string;
  split: SyntheticSplit;
  label: number;
  numFrames: number;
  scene: SyntheticSceneDescription;
  captions: string[];
}

export interface SyntheticCaptionSet {
  root: string;
  /** Each split's videos in generation order (by class, then index), not in the split file's order. */
  train: SyntheticVideoCaptions[];
  validation: SyntheticVideoCaptions[];
  byId: ReadonlyMap<string, SyntheticVideoCaptions>;
}

/**
 * The captions of every video of a synthetic set, from its folder (which must hold a complete set) or
 * from the summary ensureSyntheticSth returned.
 */
export function syntheticCaptions(source: string | SyntheticSthSummary, options: SyntheticCaptionOptions = {}): SyntheticCaptionSet {
  const caller = 'syntheticCaptions';
  const summary = typeof source === 'string' ? readSyntheticSummary(source, caller) : source;
  // Replaying the current renderer only describes what it would draw now: a set made by another version
  // may show other objects.
  if (summary.formatVersion !== SYNTHETIC_FORMAT_VERSION) {
    throw new Error(
      `${caller}: the set in ${summary.root} has format version ${summary.formatVersion}, this renderer writes version ` +
      `${SYNTHETIC_FORMAT_VERSION}, so its scenes cannot be replayed; regenerate it with ensureSyntheticSth`,
    );
  }
  const settings = resolveSyntheticSettings({ ...summary.options, root: summary.root }, caller);
  const perVideo = options.captionsPerVideo ?? PHRASINGS_PER_CLASS;
  if (!Number.isInteger(perVideo) || perVideo < 1 || perVideo > PHRASINGS_PER_CLASS) {
    throw new Error(`${caller}: option captionsPerVideo must be an integer from 1 to ${PHRASINGS_PER_CLASS}, got ${perVideo}`);
  }

  const byId = new Map<string, SyntheticVideoCaptions>();
  const set: SyntheticCaptionSet = { root: path.resolve(summary.root), train: [], validation: [], byId };
  for (const video of describeSyntheticSth(settings)) {
    let captions = captionScene(video.scene);
    if (perVideo < captions.length) captions = choose(captions, perVideo, new Generator(`synthetic captions ${settings.seed} ${video.id}`));
    const entry: SyntheticVideoCaptions = {
      videoId: video.id, split: video.split, label: video.scene.classIndex, numFrames: video.numFrames, scene: video.scene, captions,
    };
    set[video.split].push(entry);
    byId.set(video.id, entry);
  }
  if (set.train.length !== summary.trainVideos || set.validation.length !== summary.validationVideos) {
    throw new Error(
      `${caller}: the set in ${summary.root} records ${summary.trainVideos} training and ${summary.validationVideos} validation ` +
      `videos, but its options make ${set.train.length} and ${set.validation.length}`,
    );
  }
  return set;
}

/** `count` of `items`, chosen at random, kept in their original order. */
function choose<T>(items: readonly T[], count: number, rng: Generator): T[] {
  const indices = items.map((_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + rng.randint(indices.length - i);
    [indices[i], indices[j]] = [indices[j], indices[i]];
  }
  return indices.slice(0, count).sort((a, b) => a - b).map((i) => items[i]);
}
