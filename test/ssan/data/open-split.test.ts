/**
 * Bad data is caught when a split is opened, each problem an Error naming the file and the line: paths
 * that leave the dataset's folders, labels that no class has, and frame counts the folder cannot supply.
 * Small datasets in each real layout, one problem per test; valid ones (the synthetic set included)
 * still open.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatFrameName } from '../../../src/ssan/data/frame-folder';
import { openSplit, readFileList, readKinetics, readSthV1, readSthV2 } from '../../../src/ssan/data/formats';
import { generateSyntheticSth } from '../../../src/ssan/data/synthetic';
import { openTrainVal } from '../../../src/ssan/train/datasets';
import { errorOf } from '../../helpers';

let root: string;
let outside: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ssan-checks-'));
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ssan-outside-'));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

function write(file: string, text: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** Empty files named like frames 1..count: opening a split looks at the names only. */
function touchFrames(folder: string, template: string, count: number): void {
  fs.mkdirSync(folder, { recursive: true });
  for (let i = 1; i <= count; i++) fs.writeFileSync(path.join(folder, formatFrameName(template, i)), '');
}

/** A TSM file-list dataset: frame folders v0..v3 of 4 frames each and the two lists. */
function writeFileListSet(train: string, val: string): { trainList: string; valList: string } {
  for (let k = 0; k < 4; k++) touchFrames(path.join(root, `v${k}`), '{:05d}.jpg', 4);
  return {
    trainList: write(path.join(root, 'train_videofolder.txt'), train),
    valList: write(path.join(root, 'val_videofolder.txt'), val),
  };
}

describe('paths stay inside the dataset', () => {
  it('a file list folder with ../ that leaves the root', () => {
    touchFrames(path.join(outside, 'v'), '{:05d}.jpg', 4);
    const { trainList } = writeFileListSet(`v0 4 0\n../${path.basename(outside)}/v 4 0\n`, 'v1 4 0\n');
    const message = errorOf(() => openSplit({ format: 'filelist', root, split: 'train' }));
    expect(message).toMatch(`readFileList: ${trainList} line 2: frame folder "../${path.basename(outside)}/v" leads outside ${root}`);
    expect(message).toMatch(`expected a path inside ${root}`);
  });

  it('a file list folder given as an absolute path elsewhere', () => {
    touchFrames(path.join(outside, 'v'), '{:05d}.jpg', 4);
    const { valList } = writeFileListSet('v0 4 0\n', `v1 4 0\n\n${path.join(outside, 'v')} 4 0\n`);
    expect(errorOf(() => openSplit({ format: 'filelist', root, split: 'val' })))
      .toMatch(`readFileList: ${valList} line 3: frame folder "${path.join(outside, 'v')}" leads outside ${root}`);
  });

  it('a Something-Something V1 video id that climbs out of the frames folder', () => {
    write(path.join(root, 'something-something-v1-labels.csv'), 'A\nB\n');
    const csv = write(path.join(root, 'something-something-v1-train.csv'), '1;A\n../../etc;B\n');
    touchFrames(path.join(root, '20bn-something-something-v1', '1'), '{:05d}.jpg', 4);
    expect(errorOf(() => readSthV1(root, 'train')))
      .toMatch(`readSthV1: ${csv} line 2: video id "../../etc" leads outside ${path.join(root, '20bn-something-something-v1')}`);
  });

  it('a Something-Something V2 video id that climbs out of the frames folder', () => {
    write(path.join(root, 'something-something-v2-labels.json'), '{"Pushing something": "0"}');
    const json = write(path.join(root, 'something-something-v2-validation.json'),
      '[\n {"id": "1", "template": "Pushing [something]"},\n {"id": "../x", "template": "Pushing [something]"}\n]\n');
    expect(errorOf(() => readSthV2(root, 'validation')))
      .toMatch(`readSthV2: ${json} record 1 (line 3): video id "../x" leads outside ${path.join(root, '20bn-something-something-v2-frames')}`);
  });

  it('a Kinetics youtube_id that climbs out of the frames folder', () => {
    const csv = write(path.join(root, 'kinetics_train.csv'),
      'label,youtube_id,time_start,time_end,split\nabseiling,aaa,0,10,train\nabseiling,../../../x,0,10,train\n');
    expect(errorOf(() => readKinetics(root, 'train')))
      .toMatch(`readKinetics: ${csv} line 3: frame folder "abseiling/../../../x_0" leads outside ${path.join(root, 'frames')}`);
  });
});

describe('labels are checked against the class list', () => {
  it('a training label 500 with a 174-class category.txt', () => {
    write(path.join(root, 'category.txt'), Array.from({ length: 174 }, (_, k) => `class name ${k}`).join('\n') + '\n');
    const { trainList } = writeFileListSet('v0 4 0\nv1 4 173\nv2 4 500\n', 'v3 4 1\n');
    expect(errorOf(() => openSplit({ format: 'filelist', root, split: 'train' })))
      .toBe(`readFileList: ${trainList} line 3: label 500 is out of range for 174 classes (the class list); expected 0..173`);
  });

  it('a training label that, with no class list, would make classes no video trains', () => {
    const { trainList } = writeFileListSet('v0 4 0\nv1 4 1\n\nv2 4 500\nv3 4 1\n', 'v3 4 1\n');
    const message = errorOf(() => openSplit({ format: 'filelist', root, split: 'train' }));
    expect(message).toMatch(`readFileList: ${trainList} line 4: label 500 makes 501 classes, but 498 of them (2, 3, 4 and 495 more) have no video`);
    expect(message).toMatch('category.txt');
  });

  it('a validation label the training list has no class for, when there is no class list', () => {
    const { trainList, valList } = writeFileListSet('v0 4 0\nv1 4 1\nv2 4 2\n', 'v3 4 2\nv0 4 3\n');
    expect(errorOf(() => openSplit({ format: 'filelist', root, split: 'val' })))
      .toBe(`readFileList: ${valList} line 2: label 3 is out of range for 3 classes (the classes numbered by ${trainList}); expected 0..2`);
    // The same check stops openTrainVal before any training.
    expect(errorOf(() => openTrainVal({ root, format: 'filelist' }))).toMatch(`${valList} line 2: label 3 is out of range`);
  });

  it('a validation list with neither a class list nor a training list', () => {
    writeFileListSet('v0 4 0\n', 'v1 4 0\n');
    fs.unlinkSync(path.join(root, 'train_videofolder.txt'));
    expect(errorOf(() => openSplit({ format: 'filelist', root, split: 'val' })))
      .toMatch(`need ${path.join(root, 'category.txt')} or the training list ${path.join(root, 'train_videofolder.txt')}`);
  });

  it('a class list that names a class twice', () => {
    const classes = write(path.join(root, 'category.txt'), 'Pushing\nPulling\n\nPushing\n');
    writeFileListSet('v0 4 0\n', 'v1 4 1\n');
    expect(errorOf(() => openSplit({ format: 'filelist', root, split: 'train' })))
      .toBe(`readFileList: ${classes} line 4: duplicate class name "Pushing" (first on line 1)`);
  });
});

describe('frame counts are checked against the folders', () => {
  it('a num_frames larger than the frames in the folder', () => {
    const { trainList } = writeFileListSet('v0 4 0\nv1 40 1\n', 'v2 4 0\n');
    expect(errorOf(() => openSplit({ format: 'filelist', root, split: 'train' }))).toBe(
      `readFileList: ${trainList} line 2: num_frames is 40 but ${path.join(root, 'v1')} holds only 4 frame(s) named like ` +
        `'{:05d}.jpg'; expected at least 40 (was the list made for other frames, or with another template?)`);
  });

  it('frames named by another template than the list is read with', () => {
    const { valList } = writeFileListSet('v0 4 0\n', 'v1 4 0\n');
    expect(errorOf(() => openSplit({ format: 'filelist', root, split: 'val', template: 'img_{:05d}.jpg' })))
      .toMatch(`readFileList: ${valList} line 1: num_frames is 4 but ${path.join(root, 'v1')} holds only 0 frame(s) named like 'img_{:05d}.jpg'`);
  });
});

describe('valid datasets still open', () => {
  it('a file-list dataset with a class list, fewer listed frames than present, a linked folder and a missing one', () => {
    write(path.join(root, 'category.txt'), 'Pushing\nPulling\nTurning\n');
    // A folder name that merely starts with '..' is inside the root; a link to frames on another disk is
    // an ordinary layout, so only the text of the path is checked.
    touchFrames(path.join(root, '..v'), '{:05d}.jpg', 4);
    touchFrames(path.join(outside, 'frames'), '{:05d}.jpg', 5);
    fs.symlinkSync(path.join(outside, 'frames'), path.join(root, 'linked'));
    writeFileListSet('v0 3 0\n..v 4 1\nlinked 5 0\nv1 4 0\nv9 4 1\n', 'v2 4 2\nv3 4 0\n');
    const warnings: string[] = [];
    const { train, val } = openTrainVal({ root, format: 'filelist', log: (line) => warnings.push(line) });
    expect(train.classes).toEqual(['Pushing', 'Pulling', 'Turning']);
    expect(val.classes).toEqual(train.classes);
    expect(train.records.map((r) => [r.id, r.numFrames, r.label])).toEqual([['v0', 3, 0], ['..v', 4, 1], ['linked', 5, 0], ['v1', 4, 0]]);
    expect(train.skipped).toEqual([`${path.join(root, 'train_videofolder.txt')} line 5: video v9: frame folder ${path.join(root, 'v9')} does not exist`]);
    expect(warnings).toEqual([`warning: ${train.skipped[0]}`]);
    expect(val.records.map((r) => r.label)).toEqual([2, 0]);
  });

  it('a file-list dataset with no class list numbers its classes by the training list', () => {
    writeFileListSet('v0 4 1\nv1 4 0\nv2 4 1\n', 'v3 4 1\n');
    const { train, val } = openTrainVal({ root, format: 'filelist' });
    expect(train.classes).toEqual(['class 0', 'class 1']);
    expect(val.classes).toEqual(train.classes);
    expect(readFileList(path.join(root, 'val_videofolder.txt'), { root, classes: ['a', 'b'] }).records).toHaveLength(1);
  });

  it('the synthetic Something-Something set', () => {
    generateSyntheticSth({ root, seed: 1, trainPerClass: 1, valPerClass: 1, minFrames: 3, maxFrames: 4, width: 16, height: 16 });
    const { train, val } = openTrainVal({ root, format: 'sthv1' });
    expect(train.skipped).toEqual([]);
    expect(val.skipped).toEqual([]);
    expect(train.records.length).toBe(train.classes.length);
    expect(val.classes).toEqual(train.classes);
  });
});
