/**
 * The synthetic Something-Something set: the renderer is repeatable from its seed, a reversed class is its
 * forward class played backwards, each action does what its name says, and the generator writes the V1
 * layout deterministically, caches it behind synthetic.json and never mistakes a half or foreign set for
 * a complete one.
 */
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeJpeg } from '../../../src/ssan/data/jpeg';
import { SYNTHETIC_ACTIONS, SYNTHETIC_CLASSES, describeSyntheticSth, ensureSyntheticSth, generateSyntheticSth, readSyntheticSummary, renderSyntheticVideo } from '../../../src/ssan/data/synthetic';
import { COLOR_NAMES, hueName } from '../../../src/ssan/data/synthetic/colors';
import { SYNTHETIC_MARKER } from '../../../src/ssan/data/synthetic/generate';
import { describeSyntheticVideo } from '../../../src/ssan/data/synthetic/render';
import { planScene } from '../../../src/ssan/data/synthetic/scenes';
import type { RgbImage } from '../../../src/ssan/data/types';
import { Generator } from '../../../src/tensor/random';

const TINY = { width: 16, height: 16, numFrames: 6 };

function render(classIndex: number, seed: number, size = TINY): RgbImage[] {
  return renderSyntheticVideo(classIndex, new Generator(seed), size);
}

function meanAbsoluteDifference(a: Uint8Array, b: Uint8Array): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += Math.abs(a[i] - b[i]);
  return total / a.length;
}

describe('SYNTHETIC_CLASSES', () => {
  it('12 distinct names in (forward, reversed) pairs, one pair per action', () => {
    expect(SYNTHETIC_CLASSES).toHaveLength(12);
    expect(new Set(SYNTHETIC_CLASSES).size).toBe(12);
    expect(SYNTHETIC_ACTIONS).toHaveLength(6);
    expect(SYNTHETIC_CLASSES[0]).toBe('Moving something from left to right');
    expect(SYNTHETIC_CLASSES[1]).toBe('Moving something from right to left');
    expect(SYNTHETIC_CLASSES[10]).toBe('Putting something into something');
    expect(SYNTHETIC_CLASSES[11]).toBe('Taking something out of something');
  });
});

describe('renderSyntheticVideo', () => {
  it('returns numFrames RGB frames of the requested size, for square and non-square frames', () => {
    for (const size of [{ width: 16, height: 16, numFrames: 3 }, { width: 24, height: 12, numFrames: 7 }, { width: 9, height: 20, numFrames: 1 }]) {
      for (let c = 0; c < SYNTHETIC_CLASSES.length; c++) {
        const frames = render(c, c, size);
        expect(frames).toHaveLength(size.numFrames);
        for (const frame of frames) {
          expect([frame.width, frame.height, frame.data.length]).toEqual([size.width, size.height, size.width * size.height * 3]);
        }
      }
    }
  });

  it('is repeatable: the same seed gives identical frames, another seed different ones', () => {
    for (let c = 0; c < SYNTHETIC_CLASSES.length; c++) {
      const a = render(c, 42);
      expect(render(c, 42)).toEqual(a);
      const b = render(c, 43);
      expect(meanAbsoluteDifference(a[0].data, b[0].data)).toBeGreaterThan(5);
    }
  });

  it('a reversed class is exactly its forward class with the frames in reverse order', () => {
    for (let pair = 0; pair < 6; pair++) {
      for (const seed of [1, 2]) {
        const forward = render(2 * pair, seed, { width: 20, height: 16, numFrames: 7 });
        const reversed = render(2 * pair + 1, seed, { width: 20, height: 16, numFrames: 7 });
        expect(reversed).toEqual([...forward].reverse());
      }
    }
  });

  it('frames change over time (the object moves), more than noise and camera shake alone explain', () => {
    // Appearing is the one action whose first and last frames differ only where the object pops in, so it
    // gets a looser bound; every other action moves, grows or turns a large object.
    for (let c = 0; c < SYNTHETIC_CLASSES.length; c += 2) {
      const frames = render(c, 5, { width: 32, height: 32, numFrames: 12 });
      expect(meanAbsoluteDifference(frames[0].data, frames[11].data), SYNTHETIC_CLASSES[c]).toBeGreaterThan(c === 8 ? 4 : 8);
    }
  });

  it('renders every class at tiny sizes without throwing', () => {
    for (let c = 0; c < SYNTHETIC_CLASSES.length; c++) {
      for (const size of [{ width: 16, height: 16, numFrames: 3 }, { width: 1, height: 1, numFrames: 1 }, { width: 5, height: 3, numFrames: 2 }]) {
        expect(() => render(c, 7, size), `${SYNTHETIC_CLASSES[c]} at ${JSON.stringify(size)}`).not.toThrow();
      }
    }
  });

  it('rejects a bad class index or size with an Error naming the function', () => {
    expect(() => render(12, 0)).toThrow(/class index must be an integer from 0 to 11, got 12/);
    expect(() => render(-1, 0)).toThrow(/class index/);
    expect(() => render(0, 0, { width: 16, height: 0, numFrames: 3 })).toThrow(/renderSyntheticVideo: height must be a positive integer, got 0/);
    expect(() => render(0, 0, { width: 16, height: 16, numFrames: 2.5 })).toThrow(/renderSyntheticVideo: numFrames/);
  });
});

describe('frames are pinned: scene descriptions were added without changing a rendered pixel', () => {
  // Hashes recorded from the renderer before describeSyntheticVideo existed. A change here means every
  // synthetic set on disk no longer matches its code: bump SYNTHETIC_FORMAT_VERSION and record new ones.
  const PINNED: Record<number, string> = {
    0: '2fed61879958c72a', 1: 'dde1251d79afe88a', 2: 'fe688170c109049f', 3: '772fa67d24b246bc',
    4: '46547f0e9a7de240', 5: 'd5f049b271755a23', 6: 'bf3cebb1307ba124', 7: '4277a125fbf05234',
    8: '7bc6da2b05e11062', 9: 'e261de138d71c6f5', 10: '037f39418bc6846f', 11: '1c5a66d4152c5cea',
  };

  it('renderSyntheticVideo gives the recorded frames for every class', () => {
    for (let c = 0; c < SYNTHETIC_CLASSES.length; c++) {
      const hash = crypto.createHash('sha256');
      for (const seed of [0, 1]) {
        for (const frame of renderSyntheticVideo(c, new Generator(`frames ${seed}`), { width: 24, height: 20, numFrames: 5 })) hash.update(frame.data);
      }
      expect(hash.digest('hex').slice(0, 16), SYNTHETIC_CLASSES[c]).toBe(PINNED[c]);
    }
  });

  it('generateSyntheticSth writes the recorded files, byte for byte', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ssan-synthetic-pinned-'));
    try {
      generateSyntheticSth({ root, seed: 3, trainPerClass: 1, valPerClass: 1, minFrames: 3, maxFrames: 5, width: 16, height: 16 });
      const files: string[] = [];
      const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
          if (entry.isDirectory()) walk(path.join(dir, entry.name));
          else files.push(path.join(dir, entry.name));
        }
      };
      walk(root);
      const hash = crypto.createHash('sha256');
      for (const file of files.sort()) hash.update(path.relative(root, file)).update(fs.readFileSync(file));
      expect(hash.digest('hex')).toBe('89e4c955d9d2427f2c8d06e0f17f127706e2efc7f3f6d6055a5031b211816730');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('describeSyntheticVideo and describeSyntheticSth', () => {
  function hueOf(r: number, g: number, b: number): number {
    const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
    const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
    return (h * 60 + 360) % 360;
  }

  it('names the colour the renderer paints: the commonest hue among the pixels the object changes', () => {
    const size = { width: 64, height: 64, numFrames: 8 };
    // Pixels that differ a lot between the first and last frames are where the object was or went; of
    // those, the saturated ones (the background is muted) show the object, or, where it passed over the
    // static distractor, that, which is a minority. Putting into ends with the object hidden, so its pair
    // is left out.
    for (let c = 0; c < 10; c++) {
      for (let seed = 0; seed < 5; seed++) {
        const scene = describeSyntheticVideo(c, new Generator(`colour ${seed}`), size);
        const frames = renderSyntheticVideo(c, new Generator(`colour ${seed}`), size);
        const [a, b] = [frames[0].data, frames[frames.length - 1].data];
        const votes = new Array<number>(36).fill(0);
        for (const d of [a, b]) {
          for (let p = 0; p < d.length; p += 3) {
            if (Math.abs(a[p] - b[p]) + Math.abs(a[p + 1] - b[p + 1]) + Math.abs(a[p + 2] - b[p + 2]) < 150) continue;
            if (Math.max(d[p], d[p + 1], d[p + 2]) - Math.min(d[p], d[p + 1], d[p + 2]) < 100) continue;
            votes[Math.floor(hueOf(d[p], d[p + 1], d[p + 2]) / 10) % 36]++;
          }
        }
        const commonest = votes.indexOf(Math.max(...votes)) * 10 + 5;
        const distance = Math.min(Math.abs(commonest - scene.hue), 360 - Math.abs(commonest - scene.hue));
        expect(distance, `${SYNTHETIC_CLASSES[c]} seed ${seed}`).toBeLessThan(15);
      }
    }
  });

  it('describes a reversed class as its forward twin, except for the class; seeds vary the object', () => {
    const shapes = new Set<string>(), colours = new Set<string>();
    for (let pair = 0; pair < 6; pair++) {
      for (let seed = 0; seed < 12; seed++) {
        const forward = describeSyntheticVideo(2 * pair, new Generator(seed), TINY);
        const reversed = describeSyntheticVideo(2 * pair + 1, new Generator(seed), TINY);
        expect(reversed).toEqual({ ...forward, classIndex: 2 * pair + 1, className: SYNTHETIC_CLASSES[2 * pair + 1], reversed: true });
        expect(forward.reversed).toBe(false);
        expect(forward.action).toBe(SYNTHETIC_ACTIONS[pair]);
        expect(forward.color).toBe(hueName(forward.hue));
        shapes.add(forward.shape);
        colours.add(forward.color);
      }
    }
    expect(shapes.size).toBeGreaterThanOrEqual(6);
    expect(colours.size).toBeGreaterThanOrEqual(6);
  });

  it('hueName: bands around the wheel, any real hue, an Error for NaN', () => {
    expect([0, 20, 55, 120, 180, 230, 270, 300, 350, 360, -10, 780].map(hueName))
      .toEqual(['red', 'orange', 'yellow', 'green', 'cyan', 'blue', 'purple', 'magenta', 'red', 'red', 'red', 'yellow']);
    for (let hue = 0; hue < 360; hue += 0.5) expect(COLOR_NAMES).toContain(hueName(hue));
    expect(() => hueName(Number.NaN)).toThrow(/hueName: hue must be a finite number/);
  });

  it('describeSyntheticSth lists the ids, classes and frame counts the generated files have', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ssan-synthetic-describe-'));
    try {
      const summary = generateSyntheticSth({ root, seed: 5, trainPerClass: 2, valPerClass: 1, minFrames: 3, maxFrames: 6, width: 16, height: 16 });
      const described = describeSyntheticSth(summary.options);
      expect(readSyntheticSummary(root)).toEqual(summary);
      for (const split of ['train', 'validation'] as const) {
        const listed = fs.readFileSync(path.join(root, `something-something-v1-${split}.csv`), 'utf8').trim().split('\n').sort();
        const ours = described.filter((v) => v.split === split).map((v) => `${v.id};${v.scene.className}`).sort();
        expect(ours).toEqual(listed);
      }
      for (const video of described) {
        expect(fs.readdirSync(path.join(root, '20bn-something-something-v1', video.id))).toHaveLength(video.numFrames);
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('readSyntheticSummary: an Error for a folder without a set or with one being written', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ssan-synthetic-summary-'));
    try {
      expect(() => readSyntheticSummary(root, 'caller')).toThrow(/caller: .* holds no synthetic set \(no synthetic\.json/);
      generateSyntheticSth({ root, seed: 1, trainPerClass: 1, valPerClass: 0, minFrames: 2, maxFrames: 2, width: 8, height: 8 });
      fs.writeFileSync(path.join(root, 'synthetic.in-progress'), '');
      expect(() => readSyntheticSummary(root)).toThrow(/readSyntheticSummary: the synthetic set in .* is being generated, or its generation was interrupted/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('what each action does (scene plans, forward order)', () => {
  const frame = { width: 64, height: 48, numFrames: 16 };
  const last = frame.numFrames - 1;
  const seeds = [0, 1, 2, 3, 4, 5, 6, 7];

  it('left to right and up: the object crosses at least 40% of the frame, within the frame', () => {
    for (const seed of seeds) {
      const right = planScene('move-right', new Generator(seed), frame);
      expect(right.objectAt(last).x - right.objectAt(0).x).toBeGreaterThan(0.4 * frame.width);
      const up = planScene('move-up', new Generator(seed), frame);
      expect(up.objectAt(0).y - up.objectAt(last).y).toBeGreaterThan(0.4 * frame.height);
      for (let t = 0; t <= last; t++) {
        expect(right.objectAt(t).x).toBeGreaterThan(0);
        expect(right.objectAt(t).x).toBeLessThan(frame.width);
        if (t > 0) expect(up.objectAt(t).y).toBeLessThanOrEqual(up.objectAt(t - 1).y);
      }
    }
  });

  it('objects are about 15-35% of the frame side; closer grows at least 2x up to about half the side', () => {
    const side = Math.min(frame.width, frame.height);
    for (const seed of seeds) {
      for (const action of ['move-right', 'move-up', 'turn-clockwise', 'appear'] as const) {
        const size = (2 * planScene(action, new Generator(seed), frame).objectAt(0).halfWidth) / side;
        expect(size, action).toBeGreaterThanOrEqual(0.15);
        expect(size, action).toBeLessThanOrEqual(0.4);
      }
      const closer = planScene('approach', new Generator(seed), frame);
      const grown = closer.objectAt(last).halfWidth / closer.objectAt(0).halfWidth;
      expect(grown).toBeGreaterThan(2);
      expect((2 * closer.objectAt(last).halfWidth) / side).toBeLessThanOrEqual(0.5);
    }
  });

  it('turning: an asymmetric shape turns clockwise (increasing angle) by 90 to 180 degrees', () => {
    for (const seed of seeds) {
      const turn = planScene('turn-clockwise', new Generator(seed), frame);
      expect(['ell', 'arrow', 'notched-disc']).toContain(turn.objectShape);
      const sweep = turn.objectAt(last).angle - turn.objectAt(0).angle;
      expect(sweep).toBeGreaterThanOrEqual(Math.PI / 2 - 1e-9);
      expect(sweep).toBeLessThanOrEqual(Math.PI + 1e-9);
    }
  });

  it('appearing: absent in the first quarter, fully there at the end, first seen in the middle half', () => {
    for (const seed of seeds) {
      const scene = planScene('appear', new Generator(seed), frame);
      const opacity = Array.from({ length: frame.numFrames }, (_, t) => scene.objectAt(t).opacity);
      const firstSeen = opacity.findIndex((o) => o > 0);
      expect(firstSeen).toBeGreaterThanOrEqual(frame.numFrames / 4);
      expect(firstSeen).toBeLessThan((3 * frame.numFrames) / 4);
      expect(opacity[last]).toBe(1);
    }
  });

  it('putting into: the object starts outside the container and ends hidden behind its front wall', () => {
    for (const seed of seeds) {
      const scene = planScene('put-into', new Generator(seed), frame);
      const wall = scene.inFront[0];
      const start = scene.objectAt(0);
      const end = scene.objectAt(last);
      // A rotated object reaches at most sqrt(2) half-widths from its centre.
      const reach = Math.SQRT2 * end.halfWidth;
      expect(end.x - reach).toBeGreaterThanOrEqual(wall.x - wall.halfWidth);
      expect(end.x + reach).toBeLessThanOrEqual(wall.x + wall.halfWidth);
      expect(end.y - reach).toBeGreaterThanOrEqual(wall.y - wall.halfHeight);
      expect(end.y + reach).toBeLessThanOrEqual(wall.y + wall.halfHeight);
      expect(start.y + start.halfWidth).toBeLessThan(wall.y - wall.halfHeight);
    }
  });
});

describe('generateSyntheticSth and ensureSyntheticSth', () => {
  const roots: string[] = [];
  const tempRoot = () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ssan-synthetic-'));
    roots.push(root);
    return root;
  };
  afterEach(() => {
    for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
  });
  const tiny = { seed: 3, trainPerClass: 2, valPerClass: 1, minFrames: 3, maxFrames: 5, width: 16, height: 16 };

  /** Every file under `root` (relative path -> sha256 of its bytes). */
  function fingerprint(root: string): Map<string, string> {
    const files = new Map<string, string>();
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else files.set(path.relative(root, full), crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex'));
      }
    };
    walk(root);
    return files;
  }

  const readLines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');

  it('writes the V1 layout: labels, id;name split files, frames 00001.jpg.. that decode to the right size', () => {
    const root = tempRoot();
    const progress: Array<[number, number]> = [];
    const summary = generateSyntheticSth({ ...tiny, root, onProgress: (done, total) => progress.push([done, total]) });

    expect(readLines(path.join(root, 'something-something-v1-labels.csv'))).toEqual([...SYNTHETIC_CLASSES]);
    const train = readLines(path.join(root, 'something-something-v1-train.csv')).map((line) => line.split(';'));
    const validation = readLines(path.join(root, 'something-something-v1-validation.csv')).map((line) => line.split(';'));
    expect(train).toHaveLength(24);
    expect(validation).toHaveLength(12);
    const ids = [...train, ...validation].map(([id]) => id);
    expect(new Set(ids).size).toBe(36);
    for (const [id, name, ...rest] of [...train, ...validation]) {
      expect(id).toMatch(/^[0-9]+$/);
      expect(SYNTHETIC_CLASSES).toContain(name);
      expect(rest).toEqual([]);
    }
    for (const name of SYNTHETIC_CLASSES) {
      expect(train.filter(([, n]) => n === name)).toHaveLength(2);
      expect(validation.filter(([, n]) => n === name)).toHaveLength(1);
    }
    // Shuffled: the lines are not grouped by class.
    expect(train.map(([, name]) => name)).not.toEqual([...train.map(([, name]) => name)].sort());

    const framesRoot = path.join(root, '20bn-something-something-v1');
    expect(fs.readdirSync(framesRoot).sort()).toEqual([...ids].sort());
    let frames = 0;
    for (const id of ids) {
      const files = fs.readdirSync(path.join(framesRoot, id)).sort();
      expect(files.length).toBeGreaterThanOrEqual(3);
      expect(files.length).toBeLessThanOrEqual(5);
      expect(files).toEqual(files.map((_, i) => `${String(i + 1).padStart(5, '0')}.jpg`));
      for (const file of files) {
        const image = decodeJpeg(fs.readFileSync(path.join(framesRoot, id, file)), file);
        expect([image.width, image.height]).toEqual([16, 16]);
      }
      frames += files.length;
    }

    expect(summary).toMatchObject({ trainVideos: 24, validationVideos: 12, frames, root: path.resolve(root) });
    expect(summary.options).toEqual({ ...tiny, quality: 90 });
    const marker = JSON.parse(fs.readFileSync(path.join(root, SYNTHETIC_MARKER), 'utf8'));
    expect(marker).toMatchObject({ formatVersion: 1, options: summary.options, trainVideos: 24, validationVideos: 12, frames });
    expect(progress).toEqual(Array.from({ length: 36 }, (_, i) => [i + 1, 36]));
    expect(fs.readdirSync(root).sort()).toEqual([
      '20bn-something-something-v1', 'something-something-v1-labels.csv', 'something-something-v1-train.csv',
      'something-something-v1-validation.csv', SYNTHETIC_MARKER,
    ]);
  });

  it('is deterministic: the same options give byte-identical files, another seed different frames', () => {
    const a = tempRoot(), b = tempRoot(), c = tempRoot();
    generateSyntheticSth({ ...tiny, root: a });
    generateSyntheticSth({ ...tiny, root: b });
    generateSyntheticSth({ ...tiny, seed: 4, root: c });
    const [fa, fb, fc] = [fingerprint(a), fingerprint(b), fingerprint(c)];
    expect(fb).toEqual(fa);
    const shared = [...fa.keys()].filter((file) => file.endsWith('.jpg') && fc.has(file));
    expect(shared.filter((file) => fa.get(file) === fc.get(file))).toEqual([]);
    expect(fs.readFileSync(path.join(c, 'something-something-v1-train.csv'), 'utf8'))
      .not.toBe(fs.readFileSync(path.join(a, 'something-something-v1-train.csv'), 'utf8'));
  });

  it('draws validation independently of train: more training videos leave the validation frames as they were', () => {
    const a = tempRoot(), b = tempRoot();
    generateSyntheticSth({ ...tiny, root: a });
    generateSyntheticSth({ ...tiny, trainPerClass: 3, root: b });
    const frameHashes = (root: string) => {
      const prints = fingerprint(root);
      return readLines(path.join(root, 'something-something-v1-validation.csv'))
        .map((line) => line.split(';'))
        .map(([id, name]) => name + [...prints].filter(([file]) => file.includes(`${path.sep}${id}${path.sep}`)).map(([, h]) => h).sort().join())
        .sort();
    };
    expect(frameHashes(b)).toEqual(frameHashes(a));
  });

  it('ensureSyntheticSth: a second call with the same options rewrites nothing; other options regenerate cleanly', () => {
    const root = tempRoot();
    const first = ensureSyntheticSth({ ...tiny, root });
    const mtimes = (dir: string) => new Map([...fingerprint(dir).keys()].map((f) => [f, fs.statSync(path.join(dir, f)).mtimeMs]));
    const before = mtimes(root);
    let called = 0;
    const second = ensureSyntheticSth({ ...tiny, root, onProgress: () => called++ });
    expect(second).toEqual(first);
    expect(called).toBe(0);
    expect(mtimes(root)).toEqual(before);

    const third = ensureSyntheticSth({ ...tiny, valPerClass: 2, root });
    expect(third.validationVideos).toBe(24);
    expect(readLines(path.join(root, 'something-something-v1-validation.csv'))).toHaveLength(24);
    // No stale video folders from the first set remain.
    const listed = ['train', 'validation'].flatMap((split) =>
      readLines(path.join(root, `something-something-v1-${split}.csv`)).map((line) => line.split(';')[0]));
    expect(fs.readdirSync(path.join(root, '20bn-something-something-v1')).sort()).toEqual(listed.sort());
    expect(JSON.parse(fs.readFileSync(path.join(root, SYNTHETIC_MARKER), 'utf8')).options.valPerClass).toBe(2);
  });

  it('ensureSyntheticSth regenerates a set that was interrupted, leaving files that are not its own alone', () => {
    const root = tempRoot();
    generateSyntheticSth({ ...tiny, root });
    const complete = fingerprint(root);
    // What an interrupted run leaves: the in-progress marker, no synthetic.json, some videos missing.
    fs.writeFileSync(path.join(root, 'synthetic.in-progress'), '');
    fs.rmSync(path.join(root, SYNTHETIC_MARKER));
    const someVideo = fs.readdirSync(path.join(root, '20bn-something-something-v1'))[0];
    fs.rmSync(path.join(root, '20bn-something-something-v1', someVideo), { recursive: true });
    fs.writeFileSync(path.join(root, 'notes.txt'), 'mine');
    ensureSyntheticSth({ ...tiny, root });
    const regenerated = fingerprint(root);
    expect(regenerated.get('notes.txt')).toBeDefined();
    regenerated.delete('notes.txt');
    expect(regenerated).toEqual(complete);
  });

  it('a set whose synthetic.json is still there but which is marked in progress is not trusted', () => {
    const root = tempRoot();
    generateSyntheticSth({ ...tiny, root });
    fs.writeFileSync(path.join(root, 'synthetic.in-progress'), '');
    let called = 0;
    ensureSyntheticSth({ ...tiny, root, onProgress: () => called++ });
    expect(called).toBe(36);
    expect(fs.existsSync(path.join(root, 'synthetic.in-progress'))).toBe(false);
  });

  it('refuses to overwrite a V1 dataset it did not write (no synthetic.json, no in-progress marker)', () => {
    const root = tempRoot();
    fs.writeFileSync(path.join(root, 'something-something-v1-labels.csv'), 'Real class\n');
    expect(() => generateSyntheticSth({ ...tiny, root })).toThrow(/generateSyntheticSth: .* no synthetic\.json, so it is not a synthetic set written here/);
    expect(() => ensureSyntheticSth({ ...tiny, root })).toThrow(/not a synthetic set written here/);
    expect(fs.readFileSync(path.join(root, 'something-something-v1-labels.csv'), 'utf8')).toBe('Real class\n');
  });

  it('rejects bad options with an Error naming the function and the option', () => {
    const root = tempRoot();
    expect(() => generateSyntheticSth({ ...tiny, root, minFrames: 6, maxFrames: 5 })).toThrow(/generateSyntheticSth: option maxFrames must be an integer from 6/);
    expect(() => ensureSyntheticSth({ ...tiny, root, quality: 0 })).toThrow(/ensureSyntheticSth: option quality/);
    expect(() => generateSyntheticSth({ ...tiny, root, width: 8.5 })).toThrow(/option width/);
    expect(() => generateSyntheticSth({ ...tiny, root: '' })).toThrow(/option root/);
  });
});
