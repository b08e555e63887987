/**
 * Writes the synthetic dataset to disk in the real Something-Something V1 layout
 * (docs/model.md#something-something-v1), so the training example reads it with the same code as the real dataset:
 *
 *   <root>/something-something-v1-labels.csv          class names, one per line, no header
 *   <root>/something-something-v1-train.csv           <id>;<class name>, one line per video, shuffled
 *   <root>/something-something-v1-validation.csv      the same for validation
 *   <root>/20bn-something-something-v1/<id>/00001.jpg  frames, numbered from 1
 *   <root>/synthetic.json                             options and counts, written LAST: "this set is complete"
 *
 * Everything is drawn from seeded generators, so the same options give byte-identical files.
 */
import fs from 'fs';
import path from 'path';
import { Generator } from '../../../tensor/random';
import { encodeJpeg } from '../jpeg';
import { SYNTHETIC_CLASSES } from './classes';
import { type SyntheticSceneDescription, type SyntheticVideoSize, describeSyntheticVideo, renderSyntheticVideo } from './render';
import { withLockFile } from './generation-lock';

export interface SyntheticSthOptions {
  /** The dataset folder (created if missing). */
  root: string;
  seed?: number;
  trainPerClass?: number;
  valPerClass?: number;
  /**
   * Each video has a number of frames drawn uniformly from [minFrames, maxFrames] (default 16). Keep the
   * counts multiples of the clip length T when training on the set: TSN's training sampling never picks the
   * last (numFrames mod T) frames, and in a time-reversed pair those frames are the end of one class's
   * motion and the start of the other's, a position cue that tells the pair apart without frame order.
   */
  minFrames?: number;
  maxFrames?: number;
  width?: number;
  height?: number;
  /** JPEG quality, 1..100. */
  quality?: number;
  /** Called after each video with the number of videos written so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Called once when another process is writing a set into `root`, with its id: this one waits for it. */
  onWait?: (ownerPid: number) => void;
}

/** The options that decide the dataset's content (root, onProgress and onWait do not). */
export interface SyntheticSthSettings {
  seed: number;
  trainPerClass: number;
  valPerClass: number;
  minFrames: number;
  maxFrames: number;
  width: number;
  height: number;
  quality: number;
}

/** What synthetic.json records, plus where the dataset is. */
export interface SyntheticSthSummary {
  /** Names this module as the writer, so a folder of someone else's V1 data is never mistaken for ours. */
  generator: string;
  formatVersion: number;
  options: SyntheticSthSettings;
  classes: string[];
  trainVideos: number;
  validationVideos: number;
  frames: number;
  /** Absolute path of the dataset folder (not stored in synthetic.json, so the folder can be moved). */
  root: string;
}

export const DEFAULT_SYNTHETIC_SETTINGS: Readonly<SyntheticSthSettings> = Object.freeze({
  seed: 0, trainPerClass: 80, valPerClass: 20, minFrames: 16, maxFrames: 16, width: 64, height: 64, quality: 90,
});

/** File names of the V1 layout. */
export const STH_V1_FILES = Object.freeze({
  labels: 'something-something-v1-labels.csv',
  train: 'something-something-v1-train.csv',
  validation: 'something-something-v1-validation.csv',
  framesDir: '20bn-something-something-v1',
});

export const SYNTHETIC_MARKER = 'synthetic.json';
/** Present while a generation runs: a folder with it is an unfinished synthetic set, safe to clear. */
const IN_PROGRESS_MARKER = 'synthetic.in-progress';
/** Held while a process writes the set (./generation-lock.ts). */
const LOCK_FILE = 'synthetic.lock';
const GENERATOR_NAME = 'ssan-ts synthetic something-something';
/** Bump when the rendering changes, so that ensureSyntheticSth regenerates old sets. */
export const SYNTHETIC_FORMAT_VERSION = 1;

export type SyntheticSplit = 'train' | 'validation';

interface PlannedVideo {
  split: SyntheticSplit;
  label: number;
  /** Index of the video within its split and class: with the seed, it names the video's own generator. */
  index: number;
  id: string;
}

/** The options with defaults filled in, checked; `caller` names the function in error messages. */
export function resolveSyntheticSettings(options: SyntheticSthOptions, caller = 'generateSyntheticSth'): SyntheticSthSettings {
  if (!options || typeof options.root !== 'string' || options.root === '') {
    throw new Error(`${caller}: option root (the dataset folder) is required`);
  }
  const checkInteger = (name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${caller}: option ${name} must be an integer from ${min} to ${max}, got ${value}`);
    }
  };
  const settings: SyntheticSthSettings = { ...DEFAULT_SYNTHETIC_SETTINGS };
  for (const key of Object.keys(settings) as Array<keyof SyntheticSthSettings>) {
    if (options[key] !== undefined) settings[key] = options[key] as number;
  }
  checkInteger('seed', settings.seed, Number.MIN_SAFE_INTEGER);
  checkInteger('trainPerClass', settings.trainPerClass, 0);
  checkInteger('valPerClass', settings.valPerClass, 0);
  checkInteger('minFrames', settings.minFrames, 1);
  checkInteger('maxFrames', settings.maxFrames, settings.minFrames);
  checkInteger('width', settings.width, 1, 65535);
  checkInteger('height', settings.height, 1, 65535);
  checkInteger('quality', settings.quality, 1, 100);
  return settings;
}

/**
 * Every video of both splits with its id. Ids are a random permutation of 1..N, so an id says nothing about
 * the class or the split.
 */
function planVideos(settings: SyntheticSthSettings): PlannedVideo[] {
  const videos: Array<Omit<PlannedVideo, 'id'>> = [];
  for (const [split, perClass] of [['train', settings.trainPerClass], ['validation', settings.valPerClass]] as const) {
    for (let label = 0; label < SYNTHETIC_CLASSES.length; label++) {
      for (let index = 0; index < perClass; index++) videos.push({ split, label, index });
    }
  }
  const ids = new Generator(`synthetic-sth ${settings.seed} ids`).shuffle(videos.map((_, i) => i + 1));
  return videos.map((video, i) => ({ ...video, id: String(ids[i]) }));
}

/**
 * Each video has its own generator, named by the seed, split, class and index: train and validation are
 * drawn independently, and a video does not change when another one is added.
 */
function videoGenerator(seed: number, video: PlannedVideo): Generator {
  return new Generator(`synthetic-sth ${seed} ${video.split} ${video.label} ${video.index}`);
}

/** A video's generator and its size, the frame count being the generator's first draw. */
function startVideo(settings: SyntheticSthSettings, video: PlannedVideo): { rng: Generator; size: SyntheticVideoSize } {
  const rng = videoGenerator(settings.seed, video);
  const numFrames = settings.minFrames + rng.randint(settings.maxFrames - settings.minFrames + 1);
  return { rng, size: { width: settings.width, height: settings.height, numFrames } };
}

/** One video of a synthetic set, as the set's files list it, with what its frames show. */
export interface SyntheticVideoDescription {
  id: string;
  split: SyntheticSplit;
  numFrames: number;
  scene: SyntheticSceneDescription;
}

/**
 * What each video of the set made with `settings` shows, without rendering a frame: every video's
 * generator is replayed up to its scene's draws, so the answer is the same for a set on disk and for one
 * never written. Videos come in the order they are generated (train then validation, by class).
 */
export function describeSyntheticSth(settings: SyntheticSthSettings): SyntheticVideoDescription[] {
  return planVideos(settings).map((video) => {
    const { rng, size } = startVideo(settings, video);
    return { id: video.id, split: video.split, numFrames: size.numFrames, scene: describeSyntheticVideo(video.label, rng, size) };
  });
}

const frameFileName = (frame: number) => `${String(frame).padStart(5, '0')}.jpg`;

/** Writes to a temporary name, then renames: a reader never sees half a file. */
function writeFileAtomically(file: string, contents: string): void {
  const temporary = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, contents);
  fs.renameSync(temporary, file);
}

/**
 * Empties `root` of a previous synthetic set (only the files this module writes; anything else there is
 * left alone). Refuses to touch a V1 dataset that this module did not write, such as the real one.
 */
function clearPreviousSet(root: string): void {
  const marker = path.join(root, SYNTHETIC_MARKER);
  const ours = fs.existsSync(path.join(root, IN_PROGRESS_MARKER)) || readMarker(marker) !== undefined;
  const outputs = Object.values(STH_V1_FILES).map((name) => path.join(root, name));
  const existing = outputs.filter((file) => fs.existsSync(file));
  if (!ours && existing.length > 0) {
    throw new Error(
      `generateSyntheticSth: ${root} already holds ${existing.map((f) => path.basename(f)).join(', ')} but no ${SYNTHETIC_MARKER}, ` +
      'so it is not a synthetic set written here (perhaps the real dataset); choose another root or delete them',
    );
  }
  // The in-progress marker goes first and the completion marker next, so that from here until the new
  // synthetic.json is written the folder never looks complete.
  fs.writeFileSync(path.join(root, IN_PROGRESS_MARKER), '');
  fs.rmSync(marker, { force: true });
  for (const file of outputs) fs.rmSync(file, { recursive: true, force: true });
}

/** synthetic.json's contents when it is one of ours, else undefined. */
function readMarker(file: string): Omit<SyntheticSthSummary, 'root'> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const summary = parsed as Omit<SyntheticSthSummary, 'root'>;
  return summary && summary.generator === GENERATOR_NAME ? summary : undefined;
}

/**
 * Generates the dataset into `options.root` from scratch, replacing any previous synthetic set there.
 * Another process writing into the same root is waited for first.
 */
export function generateSyntheticSth(options: SyntheticSthOptions): SyntheticSthSummary {
  const settings = resolveSyntheticSettings(options);
  const root = path.resolve(options.root);
  return lockedRoot(root, options, () => writeSet(root, settings, options));
}

/** Runs `body` holding the root's lock (creating the root first, since the lock file lives in it). */
function lockedRoot<T>(root: string, options: SyntheticSthOptions, body: () => T): T {
  fs.mkdirSync(root, { recursive: true });
  return withLockFile(path.join(root, LOCK_FILE), body, options.onWait);
}

function writeSet(root: string, settings: SyntheticSthSettings, options: SyntheticSthOptions): SyntheticSthSummary {
  clearPreviousSet(root);

  const classes = [...SYNTHETIC_CLASSES];
  fs.writeFileSync(path.join(root, STH_V1_FILES.labels), classes.map((name) => `${name}\n`).join(''));

  const videos = planVideos(settings);
  const framesRoot = path.join(root, STH_V1_FILES.framesDir);
  fs.mkdirSync(framesRoot);
  let frames = 0;
  videos.forEach((video, done) => {
    const { rng, size } = startVideo(settings, video);
    const images = renderSyntheticVideo(video.label, rng, size);
    const folder = path.join(framesRoot, video.id);
    fs.mkdirSync(folder);
    images.forEach((image, i) => fs.writeFileSync(path.join(folder, frameFileName(i + 1)), encodeJpeg(image, settings.quality)));
    frames += images.length;
    options.onProgress?.(done + 1, videos.length);
  });

  for (const split of ['train', 'validation'] as const) {
    const lines = videos.filter((v) => v.split === split).map((v) => `${v.id};${classes[v.label]}\n`);
    new Generator(`synthetic-sth ${settings.seed} ${split} order`).shuffle(lines);
    fs.writeFileSync(path.join(root, STH_V1_FILES[split]), lines.join(''));
  }

  const record: Omit<SyntheticSthSummary, 'root'> = {
    generator: GENERATOR_NAME,
    formatVersion: SYNTHETIC_FORMAT_VERSION,
    options: settings,
    classes,
    trainVideos: settings.trainPerClass * classes.length,
    validationVideos: settings.valPerClass * classes.length,
    frames,
  };
  writeFileAtomically(path.join(root, SYNTHETIC_MARKER), `${JSON.stringify(record, null, 2)}\n`);
  fs.rmSync(path.join(root, IN_PROGRESS_MARKER), { force: true });
  return { ...record, root };
}

function sameSettings(a: SyntheticSthSettings, b: SyntheticSthSettings): boolean {
  return (Object.keys(DEFAULT_SYNTHETIC_SETTINGS) as Array<keyof SyntheticSthSettings>).every((key) => a[key] === b[key]);
}

/**
 * The dataset at `options.root`, generated only when needed: a complete synthetic set made with the same
 * options (and format version) is returned as it is, instantly; anything else is regenerated from scratch.
 */
export function ensureSyntheticSth(options: SyntheticSthOptions): SyntheticSthSummary {
  const settings = resolveSyntheticSettings(options, 'ensureSyntheticSth');
  const root = path.resolve(options.root);
  const ready = completeSet(root, settings);
  if (ready !== undefined) return ready;
  // Look again once the lock is held: a process that held it before may have just written the set.
  return lockedRoot(root, options, () => completeSet(root, settings) ?? writeSet(root, settings, options));
}

/** The summary of the complete set at `root` made with `settings`, or undefined. */
function completeSet(root: string, settings: SyntheticSthSettings): SyntheticSthSummary | undefined {
  const existing = readMarker(path.join(root, SYNTHETIC_MARKER));
  const complete =
    existing !== undefined &&
    existing.formatVersion === SYNTHETIC_FORMAT_VERSION &&
    existing.options !== undefined &&
    sameSettings(existing.options, settings) &&
    !fs.existsSync(path.join(root, IN_PROGRESS_MARKER)) &&
    Object.values(STH_V1_FILES).every((name) => fs.existsSync(path.join(root, name)));
  return complete ? { ...existing, root } : undefined;
}

/**
 * The summary of the complete synthetic set at `root`, whatever options made it, for code that reads a
 * set it did not make; an Error naming `caller` and saying what is wrong when there is none.
 */
export function readSyntheticSummary(root: string, caller = 'readSyntheticSummary'): SyntheticSthSummary {
  const folder = path.resolve(root);
  const marker = readMarker(path.join(folder, SYNTHETIC_MARKER));
  if (marker === undefined) {
    throw new Error(`${caller}: ${folder} holds no synthetic set (no ${SYNTHETIC_MARKER} written by generateSyntheticSth)`);
  }
  if (fs.existsSync(path.join(folder, IN_PROGRESS_MARKER))) {
    throw new Error(`${caller}: the synthetic set in ${folder} is being generated, or its generation was interrupted (${IN_PROGRESS_MARKER} is there)`);
  }
  return { ...marker, root: folder };
}
