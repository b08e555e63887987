/**
 * YouCook2's annotation file: the clips of each subset with their segments and sentences, and an Error
 * with the JSON path and line of each kind of bad entry.
 */
import path from 'path';
import { describe, expect, it } from 'vitest';
import { readYoucook2 } from '../../../../src/ssan/retrieval/datasets';
import { useTempDirs, writeFiles } from './temp-dir';

// Laid out by hand so that the tests know each entry's line. '-x_9Ab' is a YouTube id with a dash.
const ANNOTATIONS = `{"database": {
  "GLd3aX16zBg": {
    "annotations": [
      {"id": 0, "segment": [90, 102], "sentence": "spread margarine on two slices of white bread"},
      {"id": 1, "segment": [114, 127], "sentence": "place a slice of cheese on the bread"}
    ],
    "duration": 241.62, "recipe_type": "113", "subset": "training",
    "video_url": "https://www.youtube.com/watch?v=GLd3aX16zBg"
  },
  "-x_9Ab": {
    "annotations": [
      {"id": 0, "segment": [5.5, 20], "sentence": "  chop the onions  "},
      {"id": 1, "segment": [21, 40], "sentence": "fry the onions, then add garlic"},
      {"id": 2, "segment": [41, 41], "sentence": "serve"}
    ],
    "duration": 60, "recipe_type": "212", "subset": "validation",
    "video_url": "https://www.youtube.com/watch?v=-x_9Ab"
  }
}}
`;

const useDir = useTempDirs('ssan-youcook2-');
const root = (text = ANNOTATIONS) => writeFiles(useDir(), { 'youcookii_annotations_trainval.json': text });

describe('readYoucook2', () => {
  it('lists the clips of a subset, in file order, with segments in seconds', () => {
    const dir = root();
    expect(readYoucook2(dir, 'validation')).toEqual([
      { videoId: '-x_9Ab', clipId: 0, key: '-x_9Ab_0', start: 5.5, end: 20, sentence: 'chop the onions', recipeType: '212', duration: 60, videoUrl: 'https://www.youtube.com/watch?v=-x_9Ab' },
      { videoId: '-x_9Ab', clipId: 1, key: '-x_9Ab_1', start: 21, end: 40, sentence: 'fry the onions, then add garlic', recipeType: '212', duration: 60, videoUrl: 'https://www.youtube.com/watch?v=-x_9Ab' },
      { videoId: '-x_9Ab', clipId: 2, key: '-x_9Ab_2', start: 41, end: 41, sentence: 'serve', recipeType: '212', duration: 60, videoUrl: 'https://www.youtube.com/watch?v=-x_9Ab' },
    ]);
    const training = readYoucook2(dir, 'training');
    expect(training.map((clip) => [clip.key, clip.start, clip.end])).toEqual([['GLd3aX16zBg_0', 90, 102], ['GLd3aX16zBg_1', 114, 127]]);
  });

  it('takes another file name, and a numeric recipe type or missing duration and url', () => {
    const dir = writeFiles(useDir(), {
      'mine.json': '{"database": {"abc": {"annotations": [{"id": 4, "segment": [0, 1], "sentence": "stir"}], "recipe_type": 7, "subset": "training"}}}',
    });
    expect(readYoucook2(dir, 'training', { annotationsFile: 'mine.json' })).toEqual([
      { videoId: 'abc', clipId: 4, key: 'abc_4', start: 0, end: 1, sentence: 'stir', recipeType: '7' },
    ]);
    expect(readYoucook2(dir, 'validation', { annotationsFile: path.join(dir, 'mine.json') })).toEqual([]);
  });

  it('a bad subset argument, a missing file, a JSON syntax error', () => {
    expect(() => readYoucook2(root(), 'testing' as 'training')).toThrow(/readYoucook2: subset must be 'training' or 'validation', got 'testing'/);
    expect(() => readYoucook2(useDir(), 'validation')).toThrow(/readYoucook2: cannot read .*youcookii_annotations_trainval\.json/);
    expect(() => readYoucook2(root(ANNOTATIONS.replace('"subset": "training",', '"subset": "training"')), 'training'))
      .toThrow(/readYoucook2: .*youcookii_annotations_trainval\.json line 8: invalid JSON/);
  });

  it('each bad entry is an Error with its JSON path and line', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['"segment": [21, 40]', '"segment": [40, 21]', /line 13: database\.-x_9Ab\.annotations\[1\]\.segment: expected \[start, end\] in seconds with 0 <= start <= end, got \[40,21\]/],
      ['"segment": [21, 40]', '"segment": [21]', /line 13: database\.-x_9Ab\.annotations\[1\]\.segment: expected \[start, end\]/],
      ['"segment": [21, 40]', '"segment": [-1, 40]', /database\.-x_9Ab\.annotations\[1\]\.segment/],
      ['"segment": [21, 40]', '"segment": "21-40"', /database\.-x_9Ab\.annotations\[1\]\.segment: .* got "21-40"/],
      ['"sentence": "serve"', '"sentence": ""', /line 14: database\.-x_9Ab\.annotations\[2\]\.sentence: expected a non-empty sentence/],
      ['{"id": 2,', '{"id": 1,', /line 14: database\.-x_9Ab\.annotations\[2\]\.id: id 1 is used again \(first by annotations\[1\]\)/],
      ['{"id": 2,', '{"id": "2",', /line 14: database\.-x_9Ab\.annotations\[2\]\.id: expected an integer id >= 0, got "2"/],
      ['"duration": 60,', '"duration": "60",', /line 16: database\.-x_9Ab\.duration: expected the video's length in seconds/],
      ['"recipe_type": "212",', '"recipe_type": null,', /line 16: database\.-x_9Ab\.recipe_type: expected a recipe type/],
      ['"subset": "validation"', '"subset": "test"', /line 16: database\.-x_9Ab\.subset: expected "training" or "validation", got "test"/],
      ['"annotations": [\n      {"id": 0, "segment": [5.5', '"annotations": {"x": [\n      {"id": 0, "segment": [5.5', /line 11: database\.-x_9Ab\.annotations: expected an array/],
    ];
    for (const [original, replacement, message] of cases) {
      let text = ANNOTATIONS.replace(original, replacement);
      if (replacement.startsWith('"annotations": {')) text = text.replace('"serve"}\n    ],', '"serve"}\n    ]},');
      expect(text, replacement).not.toBe(ANNOTATIONS);
      expect(() => readYoucook2(root(text), 'validation'), replacement).toThrow(message);
    }
    expect(() => readYoucook2(root('{"database": []}'), 'validation')).toThrow(/line 1: database: expected an object "database"/);
    expect(() => readYoucook2(root('{"database": {"v": 3}}'), 'validation')).toThrow(/line 1: database\.v: expected \{annotations/);
  });

  it('checks only the entries of the subset asked for, but every video\'s subset', () => {
    const broken = ANNOTATIONS.replace('"segment": [90, 102]', '"segment": [102, 90]');
    expect(readYoucook2(root(broken), 'validation')).toHaveLength(3);
    expect(() => readYoucook2(root(broken), 'training')).toThrow(/line 4: database\.GLd3aX16zBg\.annotations\[0\]\.segment/);
  });
});
