/**
 * The dataset readers of docs/model.md#dataset-formats on tiny datasets written in each real format: classes and
 * their order, labels, frame counts, locations, what is skipped and why, and errors that name the file and the line.
 * Something-Something V2 and Kinetics are also read from videos (needs ffmpeg).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countFrames, formatFrameName } from '../../../src/ssan/data/frame-folder';
import {
  DATA_FORMATS,
  kineticsLabelFolder,
  openSplit,
  readFileList,
  readKinetics,
  readSthV1,
  readSthV2,
} from '../../../src/ssan/data/formats';
import { writeJpeg } from '../../../src/ssan/data/jpeg';
import { parseCsvRow, readJsonFile, readLines } from '../../../src/ssan/data/text-file';
import type { VideoSplit } from '../../../src/ssan/data/types';
import { hasFfmpeg } from '../../../src/ssan/data/video-frames';
import { errorOf } from '../../helpers';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ssan-formats-'));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** Writes `count` 16x16 frames, each a different grey, named by `template`. */
function writeFrames(folder: string, template: string, count: number): void {
  fs.mkdirSync(folder, { recursive: true });
  for (let i = 1; i <= count; i++) {
    const data = new Uint8Array(16 * 16 * 3).fill(30 * i);
    writeJpeg(path.join(folder, formatFrameName(template, i)), { width: 16, height: 16, data });
  }
}

/** Creates empty files named like frames 1..count: opening a split looks at the names only. */
function touchFrames(folder: string, template: string, count: number): void {
  fs.mkdirSync(folder, { recursive: true });
  for (let i = 1; i <= count; i++) fs.writeFileSync(path.join(folder, formatFrameName(template, i)), '');
}

function write(file: string, text: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** Encodes frames '%05d.jpg' of a temporary folder into `video` with the given codec arguments. */
function makeVideo(video: string, codecArgs: string[], frames: number): void {
  const source = fs.mkdtempSync(path.join(root, 'src-'));
  writeFrames(source, '{:05d}.jpg', frames);
  fs.mkdirSync(path.dirname(video), { recursive: true });
  const { spawnSync } = require('child_process') as typeof import('child_process');
  const result = spawnSync('ffmpeg', ['-loglevel', 'error', '-y', '-framerate', '12', '-i',
    path.join(source, '%05d.jpg'), ...codecArgs, video], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`test setup: ffmpeg could not make ${video}: ${result.stderr}`);
  fs.rmSync(source, { recursive: true });
}

const summary = (split: VideoSplit) => split.records.map((r) => [r.id, r.label, r.numFrames]);

describe('text file helpers', () => {
  it('reads lines through a BOM, \\r\\n endings and a final newline', () => {
    const file = write(path.join(root, 'a.txt'), '\ufeffone\r\ntwo\r\n\r\nthree\r\n');
    expect(readLines(file, 'test')).toEqual(['one', 'two', '', 'three']);
    expect(readLines(write(path.join(root, 'b.txt'), 'x\ny'), 'test')).toEqual(['x', 'y']);
  });

  it('parses CSV rows with quoted commas and doubled quotes', () => {
    expect(parseCsvRow('a,b,,c')).toEqual(['a', 'b', '', 'c']);
    expect(parseCsvRow('"cooking, egg",x')).toEqual(['cooking, egg', 'x']);
    expect(parseCsvRow('"say ""hi""",1,')).toEqual(['say "hi"', '1', '']);
    expect(parseCsvRow("massaging person's head,abc")).toEqual(["massaging person's head", 'abc']);
    expect(() => parseCsvRow('"open,1')).toThrow(/unterminated quoted field/);
    expect(() => parseCsvRow('"a"b,1')).toThrow(/expected ','/);
  });

  it('names the line of a JSON syntax error, with or without a position from V8', () => {
    // A missing comma: V8 reports a position. A trailing comma: V8 does not, our scan finds it.
    const missingComma = write(path.join(root, 'm.json'), '[\n  {"id": 1}\n  {"id": 2}\n]\n');
    expect(errorOf(() => readJsonFile(missingComma, 'test'))).toMatch(`test: ${missingComma} line 3: invalid JSON`);
    const trailingComma = write(path.join(root, 't.json'), '[\n  1,\n  2,\n\n]\n');
    expect(errorOf(() => readJsonFile(trailingComma, 'test'))).toMatch(`test: ${trailingComma} line 5: invalid JSON`);
    const truncated = write(path.join(root, 'u.json'), '{\n "a": [1,\n');
    expect(errorOf(() => readJsonFile(truncated, 'test'))).toMatch(`${truncated} line 2`);
  });

  it('knows the line each top-level array element starts on', () => {
    const file = write(path.join(root, 'e.json'), '[{"a": [1,\n2]},\n\n  "x", {\n"b": {}}]');
    const doc = readJsonFile(file, 'test');
    expect([0, 1, 2, 3].map((i) => doc.elementLine(i))).toEqual([1, 4, 4, undefined]);
  });
});

describe('frame folders', () => {
  it('formats Python-style templates and rejects others', () => {
    expect(formatFrameName('{:05d}.jpg', 7)).toBe('00007.jpg');
    expect(formatFrameName('{:06d}.jpg', 123)).toBe('000123.jpg');
    expect(formatFrameName('img_{:05d}.jpg', 123456)).toBe('img_123456.jpg');
    for (const bad of ['%05d.jpg', '{}.jpg', '{:5d}.jpg', '{:05d}_{:05d}.jpg']) {
      expect(() => formatFrameName(bad, 1)).toThrow(/zero-padded integer field/);
    }
  });

  it('counts the files the template names, gaps allowed, and nothing else', () => {
    const folder = path.join(root, 'v');
    writeFrames(folder, 'img_{:05d}.jpg', 4);
    fs.unlinkSync(path.join(folder, 'img_00002.jpg'));
    for (const other of ['img_00000.jpg', 'img_000005.jpg', 'img_00006.png', '00007.jpg', 'Thumbs.db']) {
      write(path.join(folder, other), '');
    }
    expect(countFrames(folder, 'img_{:05d}.jpg')).toBe(3);
    expect(countFrames(path.join(root, 'missing'), 'img_{:05d}.jpg')).toBeUndefined();
  });
});

describe('Something-Something V1', () => {
  const framesOf = (id: string) => path.join(root, '20bn-something-something-v1', id);

  function writeV1(): void {
    // Not in sorted order, with a BOM and Windows line endings: indices must still be sorted positions.
    write(path.join(root, 'something-something-v1-labels.csv'),
      '\ufeffPushing something\r\nHolding something\r\nMoving something up\r\n');
    write(path.join(root, 'something-something-v1-train.csv'),
      '101;Pushing something\n102;Holding something\n103;Moving something up\n104;Holding something\n105;Pushing something\n');
    write(path.join(root, 'something-something-v1-validation.csv'), '201;Moving something up\n202;Pushing something\n');
    writeFrames(framesOf('101'), '{:05d}.jpg', 3);
    writeFrames(framesOf('102'), '{:05d}.jpg', 6);
    writeFrames(framesOf('103'), '{:05d}.jpg', 2); // too short for training
    writeFrames(framesOf('104'), '{:05d}.jpg', 4);
    // 105 has no frame folder.
    writeFrames(framesOf('201'), '{:05d}.jpg', 5);
    writeFrames(framesOf('202'), '{:05d}.jpg', 2); // kept: only training drops short videos
  }

  it('reads classes in sorted order, labels, frame counts and locations', () => {
    writeV1();
    const warnings: string[] = [];
    const train = readSthV1(root, 'train', { onWarning: (m) => warnings.push(m) });
    expect(train.classes).toEqual(['Holding something', 'Moving something up', 'Pushing something']);
    expect(summary(train)).toEqual([['101', 2, 3], ['102', 0, 6], ['104', 0, 4]]);
    expect(train.records[0].location).toBe(framesOf('101'));
    expect(train.layout.template).toBe('{:05d}.jpg');
    const trainCsv = path.join(root, 'something-something-v1-train.csv');
    expect(train.skipped).toHaveLength(2);
    expect(train.skipped[0]).toMatch(`${trainCsv} line 3: video 103: 2 frame(s), fewer than 3`);
    expect(train.skipped[1]).toMatch(`${trainCsv} line 5: video 105: frame folder ${framesOf('105')} does not exist`);
    expect(warnings).toEqual(train.skipped);

    const val = readSthV1(root, 'validation');
    expect(summary(val)).toEqual([['201', 1, 5], ['202', 2, 2]]);
    expect(val.skipped).toEqual([]);
    expect(val.name).toBe('something-something-v1 validation');
  });

  it('names the file and line of a malformed line, an unknown class and a duplicate label', () => {
    writeV1();
    const trainCsv = path.join(root, 'something-something-v1-train.csv');
    write(trainCsv, '101;Pushing something\n102;Holding something\nabc\n');
    expect(errorOf(() => readSthV1(root, 'train')))
      .toBe(`readSthV1: ${trainCsv} line 3: expected "<id>;<class name>", got "abc"`);
    write(trainCsv, '101;Pushing something\n;Holding something\n');
    expect(errorOf(() => readSthV1(root, 'train'))).toMatch(`${trainCsv} line 2: expected "<id>;<class name>"`);
    write(trainCsv, '101;Pushing something\n102;Pulling something\n');
    expect(errorOf(() => readSthV1(root, 'train'))).toMatch(`${trainCsv} line 2: unknown class name "Pulling something"`);
    const labels = write(path.join(root, 'something-something-v1-labels.csv'), 'A\nB\nA\n');
    expect(errorOf(() => readSthV1(root, 'train'))).toMatch(`${labels} line 3: duplicate class name "A" (first on line 1)`);
  });
});

describe('Something-Something V2', () => {
  const labels = {
    'Holding something next to something': '1',
    'Approaching something with your camera': '0',
    'Putting something on a surface': '2',
  };

  function writeV2(records: object[]): string {
    write(path.join(root, 'something-something-v2-labels.json'), JSON.stringify(labels, null, 1));
    return write(path.join(root, 'something-something-v2-train.json'), JSON.stringify(records, null, 1));
  }

  it('indexes classes by template without brackets and reads the frame folders', () => {
    const framesOf = (id: string) => path.join(root, '20bn-something-something-v2-frames', id);
    writeV2([
      { id: '78687', label: 'holding potato next to bottle', template: 'Holding [something] next to [something]', placeholders: ['potato', 'bottle'] },
      { id: 42, label: 'approaching cup', template: 'Approaching [something] with your camera', placeholders: ['cup'] },
      { id: '7', label: 'putting pen on a surface', template: 'Putting [something] on a surface', placeholders: ['pen'] },
      { id: '8', label: 'gone', template: 'Putting [something] on a surface', placeholders: ['x'] },
    ]);
    writeFrames(framesOf('78687'), '{:06d}.jpg', 4);
    writeFrames(framesOf('42'), '{:06d}.jpg', 3);
    writeFrames(framesOf('7'), '{:06d}.jpg', 6);
    const train = readSthV2(root, 'train');
    expect(train.classes).toEqual([
      'Approaching something with your camera', 'Holding something next to something', 'Putting something on a surface',
    ]);
    expect(summary(train)).toEqual([['78687', 1, 4], ['42', 0, 3], ['7', 2, 6]]);
    expect(train.records[1].location).toBe(framesOf('42'));
    expect(train.layout.template).toBe('{:06d}.jpg');
    expect(train.skipped).toHaveLength(1);
    expect(train.skipped[0]).toMatch(/record 3 \(line \d+\): video 8: neither frame folder .* nor video .*8\.webm exists/);
  });

  it('names the file, record and line of a bad record, and the line of malformed JSON', () => {
    const file = writeV2([
      { id: '1', template: 'Putting [something] on a surface' },
      { id: '2', template: 'Juggling [something]' },
    ]);
    // JSON.stringify(..., 1) puts record 1's opening brace on line 6.
    expect(errorOf(() => readSthV2(root, 'train')))
      .toBe(`readSthV2: ${file} record 1 (line 6): video 2: unknown template "Juggling something" (not in the labels file)`);
    writeV2([{ id: '1', template: 'Putting [something] on a surface' }, { label: 'no id' }]);
    expect(errorOf(() => readSthV2(root, 'train'))).toMatch(`${file} record 1 (line 6): expected a record with an "id"`);
    write(file, '[\n {"id": "1",\n  "template": "Putting [something] on a surface"},\n {"id": "2" "template": "x"}\n]\n');
    expect(errorOf(() => readSthV2(root, 'train'))).toMatch(`readSthV2: ${file} line 4: invalid JSON`);
  });

  it.skipIf(!hasFfmpeg())('extracts frames from the .webm videos once, when no frame folder exists', () => {
    writeV2([
      { id: '11', template: 'Putting [something] on a surface' },
      { id: '12', template: 'Approaching [something] with your camera' },
    ]);
    const videos = path.join(root, '20bn-something-something-v2');
    makeVideo(path.join(videos, '11.webm'), ['-c:v', 'libvpx', '-b:v', '200k'], 5);
    makeVideo(path.join(videos, '12.webm'), ['-c:v', 'libvpx', '-b:v', '200k'], 4);
    const train = readSthV2(root, 'train', { frameHeight: 32 });
    expect(summary(train)).toEqual([['11', 2, 5], ['12', 0, 4]]);
    const folder = path.join(root, '20bn-something-something-v2-frames', '11');
    expect(fs.readdirSync(folder).sort()).toEqual(['000001.jpg', '000002.jpg', '000003.jpg', '000004.jpg', '000005.jpg']);
    expect(fs.readdirSync(path.dirname(folder)).sort()).toEqual(['11', '12']); // no partial folders left
    // Once extracted, the frames are read without the videos.
    fs.rmSync(videos, { recursive: true });
    expect(summary(readSthV2(root, 'train'))).toEqual(summary(train));
  });
});

describe('TSM file lists', () => {
  it('takes frame counts from the list, checked against the folders, and numbers default classes', () => {
    const list = write(path.join(root, 'train_videofolder.txt'), 'a/v1 5 0\nb/v2 2 2\r\nc/v3 7 1\n\n');
    // Only the names count when a split is opened; folders may hold more frames than the list uses.
    touchFrames(path.join(root, 'a/v1'), '{:05d}.jpg', 6);
    touchFrames(path.join(root, 'b/v2'), '{:05d}.jpg', 2);
    touchFrames(path.join(root, 'c/v3'), '{:05d}.jpg', 7);
    const train = readFileList(list, { root, training: true });
    expect(summary(train)).toEqual([['a/v1', 0, 5], ['c/v3', 1, 7]]);
    expect(train.records[1].location).toBe(path.join(root, 'c/v3'));
    expect(train.classes).toEqual(['class 0', 'class 1', 'class 2']);
    expect(train.skipped[0]).toMatch(`${list} line 2: video b/v2: 2 frame(s)`);
    for (const folder of ['a/v1', 'b/v2', 'c/v3']) touchFrames(path.join(root, folder), 'img_{:05d}.jpg', 7);
    const val = readFileList(list, { root, template: 'img_{:05d}.jpg', classes: ['x', 'y', 'z', 'w'] });
    expect(summary(val)).toHaveLength(3);
    expect(val.classes).toEqual(['x', 'y', 'z', 'w']);
    expect(val.layout.template).toBe('img_{:05d}.jpg');
  });

  it('names the file and line of a bad line', () => {
    const list = path.join(root, 'list.txt');
    const cases: Array<[string, string]> = [
      ['a 3 0\nb 3\n', 'line 2: expected "<folder> <num_frames> <label>", got "b 3"'],
      ['a 3 0\nb 3 0 1\n', 'line 2: expected "<folder> <num_frames> <label>", got "b 3 0 1"'],
      ['a 3 0\n\nb 3.5 0\n', 'line 3: number of frames must be an integer, got "3.5"'],
      ['a x 0\n', 'line 1: number of frames must be an integer, got "x"'],
      ['a 3 -1\n', 'line 1: label must not be negative, got -1'],
      ['a 3 0\nb 3 4\n', 'line 2: label 4 is out of range for 3 classes (the class list); expected 0..2'],
    ];
    for (const [text, message] of cases) {
      write(list, text);
      expect(errorOf(() => readFileList(list, { root, classes: ['p', 'q', 'r'] }))).toBe(`readFileList: ${list} ${message}`);
    }
  });
});

describe('Kinetics', () => {
  // Columns in an unusual order, with is_cc: readers must go by the header names.
  const header = 'youtube_id,label,time_start,time_end,split,is_cc\n';
  const trainRows = [
    'aaa,"passing American football (in game)",10,20,train,0',
    "bbb,massaging person's head,0,10,train,0",
    'ccc,"cooking, egg",5,15,train,0',
    'ddd,abseiling,30,40,train,0',
    'eee,abseiling,1,11,train,0',
  ];
  const framesOf = (label: string, id: string) => path.join(root, 'frames', kineticsLabelFolder(label), id);

  function writeKinetics(): void {
    write(path.join(root, 'kinetics_train.csv'), header + trainRows.join('\n') + '\n');
    write(path.join(root, 'kinetics_val.csv'), `${header}fff,"cooking, egg",0,10,val,0\n`);
    writeFrames(framesOf('passing American football (in game)', 'aaa_10'), 'img_{:05d}.jpg', 3);
    writeFrames(framesOf("massaging person's head", 'bbb_0'), 'img_{:05d}.jpg', 4);
    writeFrames(framesOf('cooking, egg', 'ccc_5'), 'img_{:05d}.jpg', 5);
    writeFrames(framesOf('abseiling', 'ddd_30'), 'img_{:05d}.jpg', 6);
    // eee has neither frames nor a clip.
    writeFrames(framesOf('cooking, egg', 'fff_0'), 'img_{:05d}.jpg', 2);
  }

  it('names class folders as TSM does', () => {
    expect(kineticsLabelFolder('passing American football (in game)')).toBe('passing_American_football_in_game');
    expect(kineticsLabelFolder("massaging person's head")).toBe('massaging_persons_head');
  });

  it('numbers classes by the sorted labels of the train CSV when there is no label map', () => {
    writeKinetics();
    const warnings: string[] = [];
    const train = readKinetics(root, 'train', { onWarning: (m) => warnings.push(m) });
    expect(train.classes).toEqual(['abseiling', 'cooking, egg', "massaging person's head", 'passing American football (in game)']);
    expect(summary(train)).toEqual([['aaa_10', 3, 3], ['bbb_0', 2, 4], ['ccc_5', 1, 5], ['ddd_30', 0, 6]]);
    expect(train.records[0].location).toBe(path.join(root, 'frames', 'passing_American_football_in_game', 'aaa_10'));
    expect(train.skipped).toHaveLength(1);
    expect(train.skipped[0]).toMatch(`${path.join(root, 'kinetics_train.csv')} line 6: video eee_1: neither frame folder`);
    expect(warnings[0]).toMatch('no ');
    expect(warnings[0]).toMatch('sorted labels');
    const val = readKinetics(root, 'val');
    expect(val.classes).toEqual(train.classes);
    expect(summary(val)).toEqual([['fff_0', 1, 2]]);
  });

  it('numbers classes by kinetics_label_map.txt when it exists', () => {
    writeKinetics();
    write(path.join(root, 'kinetics_label_map.txt'),
      "passing American football (in game)\nabseiling\nmassaging person's head\ncooking, egg\nzumba\n");
    const train = readKinetics(root, 'train');
    expect(train.classes).toEqual(['passing American football (in game)', 'abseiling', "massaging person's head", 'cooking, egg', 'zumba']);
    expect(summary(train)).toEqual([['aaa_10', 0, 3], ['bbb_0', 2, 4], ['ccc_5', 3, 5], ['ddd_30', 1, 6]]);
  });

  it('names the file and line of a bad row, a missing column and an unknown class', () => {
    writeKinetics();
    const csv = path.join(root, 'kinetics_val.csv');
    write(csv, `${header}fff,abseiling,0,10,val,0\nggg,"abseiling,0,10,val,0\n`);
    expect(errorOf(() => readKinetics(root, 'val'))).toMatch(`readKinetics: ${csv} line 3: unterminated quoted field`);
    write(csv, `${header}fff,abseiling,0,10,val\n`);
    expect(errorOf(() => readKinetics(root, 'val'))).toMatch(`${csv} line 2: expected 6 fields`);
    write(csv, `${header}fff,abseiling,zero,10,val,0\n`);
    expect(errorOf(() => readKinetics(root, 'val'))).toMatch(`${csv} line 2: time_start must be whole seconds, got "zero"`);
    write(csv, 'label,youtube_id,time_start\nabseiling,fff,0\n');
    expect(errorOf(() => readKinetics(root, 'val'))).toMatch(`${csv} line 1: header has no "time_end" column`);
    write(csv, `${header}fff,abseiling,0,10,val,0\nggg,zumba,0,10,val,0\n`);
    expect(errorOf(() => readKinetics(root, 'val'))).toMatch(`${csv} line 3: unknown class "zumba"`);
  });

  it.skipIf(!hasFfmpeg())('extracts frames from an .mp4 clip in its class folder', () => {
    writeKinetics();
    makeVideo(path.join(root, 'videos', 'abseiling', 'eee_000001_000011.mp4'), ['-c:v', 'mpeg4'], 4);
    const train = readKinetics(root, 'train', { frameHeight: 32 });
    expect(train.skipped).toEqual([]);
    const eee = train.records.find((r) => r.id === 'eee_1');
    expect(eee).toEqual({ id: 'eee_1', location: framesOf('abseiling', 'eee_1'), numFrames: 4, label: 0 });
    expect(fs.readdirSync(eee!.location).sort()).toEqual(['img_00001.jpg', 'img_00002.jpg', 'img_00003.jpg', 'img_00004.jpg']);
  });
});

describe('openSplit', () => {
  it('maps val to each format and reads the default file list names', () => {
    write(path.join(root, 'something-something-v1-labels.csv'), 'B\nA\n');
    write(path.join(root, 'something-something-v1-validation.csv'), '1;A\n');
    writeFrames(path.join(root, '20bn-something-something-v1', '1'), '{:05d}.jpg', 3);
    expect(summary(openSplit({ format: 'sthv1', root, split: 'val' }))).toEqual([['1', 0, 3]]);

    write(path.join(root, 'val_videofolder.txt'), 'x 2 1\n');
    write(path.join(root, 'train_videofolder.txt'), 'x 2 1\ny 4 0\n');
    touchFrames(path.join(root, 'x'), '{:05d}.jpg', 2);
    touchFrames(path.join(root, 'x'), 'img_{:05d}.jpg', 2);
    touchFrames(path.join(root, 'y'), 'img_{:05d}.jpg', 4);
    expect(summary(openSplit({ format: 'filelist', root, split: 'val' }))).toEqual([['x', 1, 2]]);
    // Training lists drop short videos.
    expect(summary(openSplit({ format: 'filelist', root, split: 'train', template: 'img_{:05d}.jpg' }))).toEqual([['y', 0, 4]]);
  });

  it('lists the formats and rejects others', () => {
    expect(DATA_FORMATS).toEqual(['sthv1', 'sthv2', 'filelist', 'kinetics']);
    const options = { format: 'ucf101', root, split: 'train' } as unknown as Parameters<typeof openSplit>[0];
    expect(errorOf(() => openSplit(options))).toBe(`openSplit: unknown format 'ucf101'; expected one of sthv1, sthv2, filelist, kinetics`);
  });
});
