/**
 * MSR-VTT files in their released layouts: the data json grouped into captions per video, the training
 * list, the 1k-A test csv (CSV quoting included), the training sampler built from them, and an Error
 * naming the file and the line (or JSON path) for each kind of bad input.
 */
import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import {
  MsrvttTrain, openMsrvtt, readMsrvttData, readMsrvttTest, readMsrvttVideoList,
} from '../../../../src/ssan/retrieval/datasets';
import { useTempDirs, writeFiles } from './temp-dir';

// Laid out by hand so that the tests know each entry's line.
const DATA_JSON = `{
  "info": {"contributor": "tests"},
  "videos": [
    {"category": 9, "url": "https://example.org/v0", "video_id": "video0", "start time": 1.5, "end time": 11.5, "split": "train", "id": 0},
    {"category": 3, "url": "https://example.org/v1", "video_id": "video1", "start time": 0, "end time": 9, "split": "train", "id": 1},
    {"category": 5, "url": "https://example.org/v2", "video_id": "video2", "start time": 2, "end time": 8, "split": "test", "id": 2}
  ],
  "sentences": [
    {"caption": "a man is cooking", "video_id": "video0", "sen_id": 0},
    {"caption": "someone cooks, then eats", "video_id": "video0", "sen_id": 1},
    {"caption": "a cartoon dog runs", "video_id": "video1", "sen_id": 2},
    {"caption": "a man cooks in a kitchen", "video_id": "video0", "sen_id": 3},
    {"caption": "a dog is running", "video_id": "video1", "sen_id": 4},
    {"caption": "people sing on a stage", "video_id": "video2", "sen_id": 5}
  ]
}
`;

const TRAIN_CSV = 'video_id\nvideo0\nvideo1\n';
// Row 3 holds a comma and a doubled quote inside a quoted field.
const TEST_CSV = [
  'key,vid_key,video_id,sentence',
  'ret0,msr2,video2,people sing on a stage',
  'ret1,msr7,video7,"a woman talks, then ""laughs"""',
  '',
].join('\n');

const useDir = useTempDirs('ssan-msrvtt-');

function msrvttRoot(overrides: Record<string, string> = {}): string {
  return writeFiles(useDir(), {
    'MSRVTT_data.json': DATA_JSON, 'MSRVTT_train.9k.csv': TRAIN_CSV, 'MSRVTT_JSFUSION_test.csv': TEST_CSV, ...overrides,
  });
}

describe('MSR-VTT readers', () => {
  it('groups the sentences by video, in file order, and keeps the video list', () => {
    const root = msrvttRoot();
    const data = readMsrvttData(path.join(root, 'MSRVTT_data.json'));
    expect([...data.captions]).toEqual([
      ['video0', ['a man is cooking', 'someone cooks, then eats', 'a man cooks in a kitchen']],
      ['video1', ['a cartoon dog runs', 'a dog is running']],
      ['video2', ['people sing on a stage']],
    ]);
    expect(data.videos).toEqual([
      { videoId: 'video0', split: 'train', category: 9 },
      { videoId: 'video1', split: 'train', category: 3 },
      { videoId: 'video2', split: 'test', category: 5 },
    ]);
  });

  it('reads the test pairs in file order, unquoting a field that holds a comma and a quote', () => {
    const root = msrvttRoot();
    expect(readMsrvttTest(path.join(root, 'MSRVTT_JSFUSION_test.csv'))).toEqual([
      { key: 'ret0', vidKey: 'msr2', videoId: 'video2', caption: 'people sing on a stage', line: 2 },
      { key: 'ret1', vidKey: 'msr7', videoId: 'video7', caption: 'a woman talks, then "laughs"', line: 3 },
    ]);
  });

  it('reads a training list by its video_id column, wherever that column is', () => {
    const root = msrvttRoot({ 'other.csv': 'index,video_id\r\n0,video1\r\n1,video0\r\n' });
    expect(readMsrvttVideoList(path.join(root, 'MSRVTT_train.9k.csv')).videos).toEqual([
      { videoId: 'video0', line: 2 }, { videoId: 'video1', line: 3 },
    ]);
    expect(readMsrvttVideoList(path.join(root, 'other.csv')).videos.map((v) => v.videoId)).toEqual(['video1', 'video0']);
  });

  it('openMsrvtt: the training sampler over the listed videos and the test pairs; overlap is a warning', () => {
    const root = msrvttRoot();
    const warnings: string[] = [];
    const { train, test } = openMsrvtt(root, { seed: 1, onWarning: (m) => warnings.push(m) });
    expect(train).toBeInstanceOf(MsrvttTrain);
    expect(train.videos.map((v) => [v.videoId, v.captions.length])).toEqual([['video0', 3], ['video1', 2]]);
    expect(test.map((pair) => pair.videoId)).toEqual(['video2', 'video7']);
    expect(warnings).toEqual([]);

    const overlapping = msrvttRoot({ 'MSRVTT_train.9k.csv': 'video_id\nvideo0\nvideo2\n' });
    openMsrvtt(overlapping, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/video video2 is both a test video \(.*MSRVTT_JSFUSION_test\.csv line 2\) and a training one \(.*MSRVTT_train\.9k\.csv line 3\)/)]);
  });

  it('file names can be chosen, relative to the root or absolute', () => {
    const root = msrvttRoot({ 'MSRVTT_train.7k.csv': 'video_id\nvideo1\n' });
    const { train } = openMsrvtt(root, { trainFile: 'MSRVTT_train.7k.csv', testFile: path.join(root, 'MSRVTT_JSFUSION_test.csv') });
    expect(train.videos.map((v) => v.videoId)).toEqual(['video1']);
  });

  it('the training sampler gives each listed video one of its own captions per epoch', () => {
    const { train, data } = openMsrvtt(msrvttRoot(), { seed: 3 });
    for (let epoch = 0; epoch < 6; epoch++) {
      const picks = train.epoch(epoch);
      expect(picks.map((p) => p.videoId).sort()).toEqual(['video0', 'video1']);
      for (const pick of picks) expect(data.captions.get(pick.videoId)![pick.captionIndex]).toBe(pick.caption);
    }
  });

  it('skips an empty caption with a warning naming its JSON path', () => {
    const root = msrvttRoot({ 'MSRVTT_data.json': DATA_JSON.replace('"a dog is running"', '"  "') });
    const warnings: string[] = [];
    const data = readMsrvttData(path.join(root, 'MSRVTT_data.json'), { onWarning: (m) => warnings.push(m) });
    expect(data.captions.get('video1')).toEqual(['a cartoon dog runs']);
    expect(warnings).toEqual([expect.stringMatching(/readMsrvttData: .*MSRVTT_data\.json: sentences\[4\] \(video video1\) has an empty caption; skipped/)]);
  });
});

describe('MSR-VTT errors name the file and the line or JSON path', () => {
  it('a missing file', () => {
    for (const name of ['MSRVTT_data.json', 'MSRVTT_train.9k.csv', 'MSRVTT_JSFUSION_test.csv']) {
      const root = msrvttRoot();
      fs.rmSync(path.join(root, name));
      expect(() => openMsrvtt(root), name).toThrow(new RegExp(`cannot read .*${name.replace(/\./g, '\\.')}`));
    }
  });

  it('a JSON syntax error, with its line', () => {
    const root = msrvttRoot({ 'MSRVTT_data.json': DATA_JSON.replace('"video_id": "video1", "sen_id": 2}', '"video_id": "video1" "sen_id": 2}') });
    expect(() => openMsrvtt(root)).toThrow(/readMsrvttData: .*MSRVTT_data\.json line 11: invalid JSON/);
  });

  it('a malformed entry, with its JSON path and line', () => {
    const cases: Array<[string, RegExp]> = [
      ['"caption": "a cartoon dog runs"', /MSRVTT_data\.json line 11: sentences\[2\]\.caption: expected a caption string, got null/],
      ['"video_id": "video1", "sen_id": 4', /MSRVTT_data\.json line 13: sentences\[4\]\.video_id: expected a video id string, got 17/],
      ['"video_id": "video2", "start time"', /MSRVTT_data\.json line 6: videos\[2\]\.video_id: expected a video record with a "video_id" string/],
    ];
    const replacements = ['"caption": null', '"video_id": 17, "sen_id": 4', '"video_id": "", "start time"'];
    cases.forEach(([original, message], i) => {
      const root = msrvttRoot({ 'MSRVTT_data.json': DATA_JSON.replace(original, replacements[i]) });
      expect(() => openMsrvtt(root)).toThrow(message);
    });
    const noSentences = msrvttRoot({ 'MSRVTT_data.json': '{"videos": []}' });
    expect(() => openMsrvtt(noSentences)).toThrow(/MSRVTT_data\.json: sentences: expected an array of \{sen_id, video_id, caption\}/);
  });

  it('a row with the wrong number of fields (an unquoted comma), or an unclosed quote', () => {
    const extraComma = msrvttRoot({ 'MSRVTT_JSFUSION_test.csv': TEST_CSV.replace('"a woman talks, then ""laughs"""', 'a woman talks, then laughs') });
    expect(() => openMsrvtt(extraComma)).toThrow(/readMsrvttTest: .*MSRVTT_JSFUSION_test\.csv line 3: expected 4 fields \(key,vid_key,video_id,sentence\), got 5/);
    const unclosed = msrvttRoot({ 'MSRVTT_JSFUSION_test.csv': TEST_CSV.replace('"a woman talks, then ""laughs"""', '"a woman talks') });
    expect(() => openMsrvtt(unclosed)).toThrow(/MSRVTT_JSFUSION_test\.csv line 3: unterminated quoted field/);
    const train = msrvttRoot({ 'MSRVTT_train.9k.csv': 'video_id\nvideo0\nvideo1,7\n' });
    expect(() => openMsrvtt(train)).toThrow(/readMsrvttVideoList: .*MSRVTT_train\.9k\.csv line 3: expected 1 fields \(video_id\), got 2/);
  });

  it('a header without a needed column', () => {
    const root = msrvttRoot({ 'MSRVTT_JSFUSION_test.csv': TEST_CSV.replace('vid_key', 'vidkey') });
    expect(() => openMsrvtt(root)).toThrow(/MSRVTT_JSFUSION_test\.csv line 1: header has no "vid_key" column/);
    const empty = msrvttRoot({ 'MSRVTT_train.9k.csv': '' });
    expect(() => openMsrvtt(empty)).toThrow(/MSRVTT_train\.9k\.csv is empty; expected a header line naming video_id/);
  });

  it('a training video with no captions', () => {
    const root = msrvttRoot({ 'MSRVTT_train.9k.csv': 'video_id\nvideo0\nvideo9\n' });
    expect(() => openMsrvtt(root)).toThrow(/MsrvttTrain: .*MSRVTT_train\.9k\.csv line 3: video video9 has no captions in .*MSRVTT_data\.json/);
  });

  it('a test video with no caption', () => {
    const root = msrvttRoot({ 'MSRVTT_JSFUSION_test.csv': TEST_CSV.replace('video2,people sing on a stage', 'video2,') });
    expect(() => openMsrvtt(root)).toThrow(/readMsrvttTest: .*MSRVTT_JSFUSION_test\.csv line 2: video video2 has no caption \(empty sentence\)/);
  });

  it('a video listed twice, in the training list or the test csv', () => {
    const train = msrvttRoot({ 'MSRVTT_train.9k.csv': 'video_id\nvideo0\nvideo1\nvideo0\n' });
    expect(() => openMsrvtt(train)).toThrow(/MSRVTT_train\.9k\.csv line 4: video video0 is listed again \(first on line 2\)/);
    const test = msrvttRoot({ 'MSRVTT_JSFUSION_test.csv': `${TEST_CSV}ret2,msr2,video2,another caption\n` });
    expect(() => openMsrvtt(test)).toThrow(/MSRVTT_JSFUSION_test\.csv line 4: video video2 is listed again \(first on line 2\)/);
  });
});
