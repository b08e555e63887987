/**
 * Captions of the synthetic set: they name the object's colour and shape and the class's direction, a
 * reversed class differs from its forward twin only in direction words (as a set of words, so that even
 * an order-blind sentence encoder tells them apart), and a set's captions are replayed deterministically
 * from its files without writing to them.
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { SYNTHETIC_ACTIONS, SYNTHETIC_CLASSES, generateSyntheticSth } from '../../../../src/ssan/data/synthetic';
import { COLOR_NAMES } from '../../../../src/ssan/data/synthetic/colors';
import { SYNTHETIC_FORMAT_VERSION } from '../../../../src/ssan/data/synthetic/generate';
import { describeSyntheticVideo } from '../../../../src/ssan/data/synthetic/render';
import { CaptionSampler, syntheticCaptions } from '../../../../src/ssan/retrieval/datasets';
import { DIRECTION_WORDS, PHRASINGS_PER_CLASS, SHAPE_NOUNS, captionScene } from '../../../../src/ssan/retrieval/datasets/synthetic-captions';
import { Generator } from '../../../../src/tensor/random';
import { useTempDirs } from './temp-dir';

/**
 * The words of a caption as the retrieval text pipeline splits them (docs/model.md#retrieval: Python's regex [\w']+).
 */
const words = (caption: string) => caption.toLowerCase().match(/[\w']+/g) ?? [];

/** Scenes of every class over several seeds: pairs [forward, reversed] rendered from the same draws. */
function scenePairs() {
  const size = { width: 32, height: 32, numFrames: 8 };
  const pairs = [];
  for (let pair = 0; pair < SYNTHETIC_ACTIONS.length; pair++) {
    for (let seed = 0; seed < 10; seed++) {
      pairs.push([
        describeSyntheticVideo(2 * pair, new Generator(`captions ${seed}`), size),
        describeSyntheticVideo(2 * pair + 1, new Generator(`captions ${seed}`), size),
      ] as const);
    }
  }
  return pairs;
}

describe('captionScene', () => {
  it('every class has its phrasings, each with one of its direction words and none of its twin\'s', () => {
    for (const [forward, reversed] of scenePairs()) {
      const [own, twin] = DIRECTION_WORDS[forward.action];
      for (const [scene, mine, theirs] of [[forward, own, twin], [reversed, twin, own]] as const) {
        const captions = captionScene(scene);
        expect(captions).toHaveLength(PHRASINGS_PER_CLASS);
        expect(new Set(captions).size).toBe(PHRASINGS_PER_CLASS);
        for (const caption of captions) {
          const said = words(caption);
          expect(said.some((w) => mine.includes(w)), `${scene.className}: "${caption}"`).toBe(true);
          expect(said.filter((w) => theirs.includes(w)), `${scene.className}: "${caption}"`).toEqual([]);
        }
      }
    }
  });

  it('a forward and its reversed class never share a caption, nor even a caption\'s set of words', () => {
    for (const [forward, reversed] of scenePairs()) {
      const forwardSets = captionScene(forward).map((c) => [...new Set(words(c))].sort().join(' '));
      const reversedSets = captionScene(reversed).map((c) => [...new Set(words(c))].sort().join(' '));
      expect(forwardSets.filter((set) => reversedSets.includes(set)), forward.className).toEqual([]);
    }
  });

  it('twin phrasings differ only in direction words: object, prop and the rest are shared', () => {
    for (const [forward, reversed] of scenePairs()) {
      const direction = new Set(DIRECTION_WORDS[forward.action].flat());
      const f = captionScene(forward), r = captionScene(reversed);
      f.forEach((caption, i) => {
        const rest = (text: string) => words(text).filter((w) => !direction.has(w));
        expect(rest(caption), `"${caption}" / "${r[i]}"`).toEqual(rest(r[i]));
      });
    }
  });

  it('names the scene\'s colour and shape, and no other colour', () => {
    for (const [forward, reversed] of scenePairs()) {
      for (const scene of [forward, reversed]) {
        for (const caption of captionScene(scene)) {
          expect(caption).toContain(` ${scene.color} ${SHAPE_NOUNS[scene.shape]} `);
          expect(words(caption).filter((w) => (COLOR_NAMES as readonly string[]).includes(w))).toEqual([scene.color]);
        }
      }
    }
  });

  it('writes "an" before a vowel', () => {
    const scene = { ...describeSyntheticVideo(0, new Generator(1), { width: 16, height: 16, numFrames: 4 }), color: 'orange' as const, shape: 'ring' as const };
    expect(captionScene(scene)[0]).toBe('an orange ring moves to the right');
    expect(captionScene({ ...scene, color: 'red' })[0]).toBe('a red ring moves to the right');
  });
});

describe('syntheticCaptions', () => {
  const useDir = useTempDirs('ssan-synthetic-captions-');
  const tiny = { seed: 2, trainPerClass: 3, valPerClass: 2, minFrames: 3, maxFrames: 4, width: 16, height: 16 };

  function fingerprint(root: string): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else out.push(`${path.relative(root, full)} ${crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex')}`);
      }
    };
    walk(root);
    return out.sort();
  }

  it('gives every video of both split files its class\'s captions, without touching the set', () => {
    const root = useDir();
    const summary = generateSyntheticSth({ ...tiny, root });
    const before = fingerprint(root);
    const set = syntheticCaptions(root);
    expect(fingerprint(root)).toEqual(before);

    for (const split of ['train', 'validation'] as const) {
      const listed = fs.readFileSync(path.join(root, `something-something-v1-${split}.csv`), 'utf8').trim().split('\n')
        .map((line) => line.split(';'));
      expect(set[split].map((v) => v.videoId).sort()).toEqual(listed.map(([id]) => id).sort());
      for (const [id, className] of listed) {
        const video = set.byId.get(id)!;
        expect(video.split).toBe(split);
        expect(SYNTHETIC_CLASSES[video.label]).toBe(className);
        expect(video.scene.className).toBe(className);
        expect(video.captions).toEqual(captionScene(video.scene));
        expect(fs.readdirSync(path.join(root, '20bn-something-something-v1', id))).toHaveLength(video.numFrames);
      }
    }
    expect(set.byId.size).toBe(summary.trainVideos + summary.validationVideos);
    // From the summary ensureSyntheticSth returns, the same; and again, the same (deterministic).
    expect(syntheticCaptions(summary)).toEqual(set);
    expect(syntheticCaptions(root)).toEqual(set);
    // Usable as it is by the one-caption-per-epoch sampler.
    expect(new CaptionSampler(set.train, { seed: 0 }).epoch(0)).toHaveLength(summary.trainVideos);
  });

  it('captionsPerVideo: fewer phrasings per video, chosen per video, always from its own', () => {
    const root = useDir();
    generateSyntheticSth({ ...tiny, root });
    const all = syntheticCaptions(root);
    const one = syntheticCaptions(root, { captionsPerVideo: 1 });
    expect(syntheticCaptions(root, { captionsPerVideo: 1 })).toEqual(one);
    const phrasingsUsed = new Set<number>();
    for (const video of one.train) {
      expect(video.captions).toHaveLength(1);
      const index = all.byId.get(video.videoId)!.captions.indexOf(video.captions[0]);
      expect(index).toBeGreaterThanOrEqual(0);
      phrasingsUsed.add(index);
    }
    expect(phrasingsUsed.size).toBe(PHRASINGS_PER_CLASS);
    for (const video of syntheticCaptions(root, { captionsPerVideo: 2 }).validation) expect(video.captions).toHaveLength(2);
    expect(() => syntheticCaptions(root, { captionsPerVideo: 0 })).toThrow(/syntheticCaptions: option captionsPerVideo must be an integer from 1 to 3, got 0/);
  });

  it('an Error for a folder without a complete set, a set of another format version, or counts that disagree', () => {
    const root = useDir();
    expect(() => syntheticCaptions(root)).toThrow(/syntheticCaptions: .* holds no synthetic set/);
    const summary = generateSyntheticSth({ ...tiny, root });
    expect(() => syntheticCaptions({ ...summary, formatVersion: SYNTHETIC_FORMAT_VERSION + 1 }))
      .toThrow(/syntheticCaptions: the set in .* has format version 2, this renderer writes version 1, so its scenes cannot be replayed/);
    expect(() => syntheticCaptions({ ...summary, trainVideos: 5 })).toThrow(/records 5 training and 24 validation videos, but its options make 36 and 24/);
    fs.writeFileSync(path.join(root, 'synthetic.in-progress'), '');
    expect(() => syntheticCaptions(root)).toThrow(/syntheticCaptions: the synthetic set in .* is being generated/);
  });
});
