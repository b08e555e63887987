/**
 * YouCook2 for text-to-video retrieval (docs/model.md#youcook2): youcookii_annotations_trainval.json lists, for
 * every YouTube video, its recipe steps as segments in seconds with one sentence each. A clip is one
 * segment. HowTo100M evaluates on the validation clips, since the test sentences are not public.
 */
import path from 'path';
import { isRecord } from '../../../tensor/plain-values';
import { readJsonFile } from '../../data/text-file';
import { jsonValueError, type JsonPath } from './json-path';

export const YOUCOOK2_ANNOTATIONS = 'youcookii_annotations_trainval.json';

export type Youcook2Subset = 'training' | 'validation';
const SUBSETS: readonly Youcook2Subset[] = ['training', 'validation'];

export interface Youcook2Clip {
  /** The YouTube id. */
  videoId: string;
  /** The annotation's id, unique within its video. */
  clipId: number;
  /** `<videoId>_<clipId>`, unique in the dataset. */
  key: string;
  /** Segment in seconds from the start of the video. */
  start: number;
  end: number;
  sentence: string;
  recipeType: string;
  /** The whole video's length in seconds, when the file gives it. */
  duration?: number;
  videoUrl?: string;
}

export interface Youcook2Options {
  /** The annotation file, absolute or relative to the root (default YOUCOOK2_ANNOTATIONS). */
  annotationsFile?: string;
}

/**
 * The clips of one subset, videos in file order and each video's segments in its order. Every entry of
 * the subset is checked; a bad one is an Error with its JSON path (`database.<id>.annotations[3].segment`)
 * and line.
 */
export function readYoucook2(root: string, subset: Youcook2Subset, options: Youcook2Options = {}): Youcook2Clip[] {
  const caller = 'readYoucook2';
  if (!SUBSETS.includes(subset)) throw new Error(`${caller}: subset must be 'training' or 'validation', got '${subset}'`);
  const file = path.resolve(root, options.annotationsFile ?? YOUCOOK2_ANNOTATIONS);
  const { value } = readJsonFile(file, caller);
  const fail = (at: JsonPath, detail: string) => jsonValueError(caller, file, at, detail);
  if (!isRecord(value) || !isRecord(value.database)) throw fail(['database'], 'expected an object "database" mapping YouTube ids to videos');

  const clips: Youcook2Clip[] = [];
  for (const [videoId, video] of Object.entries(value.database)) {
    const at = ['database', videoId];
    if (!isRecord(video)) throw fail(at, 'expected {annotations, duration, recipe_type, subset, video_url}');
    if (typeof video.subset !== 'string' || !SUBSETS.includes(video.subset as Youcook2Subset)) {
      throw fail([...at, 'subset'], `expected "training" or "validation", got ${JSON.stringify(video.subset)}`);
    }
    if (video.subset !== subset) continue;
    clips.push(...readVideo(videoId, video, at, fail));
  }
  return clips;
}

function readVideo(
  videoId: string,
  video: Record<string, unknown>,
  at: JsonPath,
  fail: (at: JsonPath, detail: string) => Error,
): Youcook2Clip[] {
  const { duration, recipe_type: recipeType, video_url: videoUrl, annotations } = video;
  if (duration !== undefined && (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0)) {
    throw fail([...at, 'duration'], `expected the video's length in seconds, got ${JSON.stringify(duration)}`);
  }
  // The release writes recipe types as strings ("212"); a number is the same information.
  if (typeof recipeType !== 'string' && typeof recipeType !== 'number') {
    throw fail([...at, 'recipe_type'], `expected a recipe type such as "212", got ${JSON.stringify(recipeType)}`);
  }
  if (videoUrl !== undefined && typeof videoUrl !== 'string') throw fail([...at, 'video_url'], `expected a string, got ${JSON.stringify(videoUrl)}`);
  if (!Array.isArray(annotations)) throw fail([...at, 'annotations'], 'expected an array of {id, segment, sentence}');

  const firstIndex = new Map<number, number>();
  return annotations.map((annotation: unknown, i): Youcook2Clip => {
    const here = [...at, 'annotations', i];
    if (!isRecord(annotation)) throw fail(here, `expected {id, segment, sentence}, got ${JSON.stringify(annotation)}`);
    const { id, segment, sentence } = annotation;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw fail([...here, 'id'], `expected an integer id >= 0, got ${JSON.stringify(id)}`);
    const first = firstIndex.get(id);
    if (first !== undefined) throw fail([...here, 'id'], `id ${id} is used again (first by annotations[${first}])`);
    firstIndex.set(id, i);
    const [start, end] = Array.isArray(segment) ? segment : [];
    const seconds = (t: unknown): t is number => typeof t === 'number' && Number.isFinite(t) && t >= 0;
    if (!Array.isArray(segment) || segment.length !== 2 || !seconds(start) || !seconds(end) || end < start) {
      throw fail([...here, 'segment'], `expected [start, end] in seconds with 0 <= start <= end, got ${JSON.stringify(segment)}`);
    }
    if (typeof sentence !== 'string' || sentence.trim() === '') {
      throw fail([...here, 'sentence'], `expected a non-empty sentence, got ${JSON.stringify(sentence)}`);
    }
    return {
      videoId, clipId: id, key: `${videoId}_${id}`, start, end, sentence: sentence.trim(), recipeType: String(recipeType),
      ...(duration === undefined ? {} : { duration }),
      ...(videoUrl === undefined ? {} : { videoUrl }),
    };
  });
}
