/**
 * One entry point for every on-disk format, so that a training script takes `--format` and `--root`
 * and needs to know nothing else about the datasets.
 */
import fs from 'fs';
import path from 'path';
import { FILE_LIST_CLASSES, FileListOptions, readClassList, readFileList } from './formats/filelist';
import { KineticsOptions, readKinetics } from './formats/kinetics';
import { SthV1Options, readSthV1 } from './formats/sthv1';
import { SthV2Options, readSthV2 } from './formats/sthv2';
import type { VideoSplit } from './types';

export const DATA_FORMATS = ['sthv1', 'sthv2', 'filelist', 'kinetics'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

interface SplitChoice {
  /** The dataset's folder. */
  root: string;
  /** 'val' is each format's own name for it: 'validation' for Something-Something, 'val' elsewhere. */
  split: 'train' | 'val';
}

export type OpenSplitOptions =
  | ({ format: 'sthv1' } & SplitChoice & SthV1Options)
  | ({ format: 'sthv2' } & SplitChoice & SthV2Options)
  | ({ format: 'kinetics' } & SplitChoice & KineticsOptions)
  | ({ format: 'filelist' } & FileListChoice & SplitChoice & Omit<FileListOptions, 'root' | 'training' | 'trainList'>);

interface FileListChoice {
  /** Default `<root>/{train,val}_videofolder.txt`. */
  listFile?: string;
  /** The training list, which numbers the classes when there is no class list (default `<root>/train_videofolder.txt`). */
  trainListFile?: string;
  /** One class name per line (default `<root>/category.txt`, TSM's name, used when it exists). */
  classesFile?: string;
}

export function openSplit(options: OpenSplitOptions): VideoSplit {
  const { split, root } = options;
  if (split !== 'train' && split !== 'val') throw new Error(`openSplit: split must be 'train' or 'val', got '${split}'`);
  switch (options.format) {
    case 'sthv1':
      return readSthV1(root, split === 'val' ? 'validation' : 'train', options);
    case 'sthv2':
      return readSthV2(root, split === 'val' ? 'validation' : 'train', options);
    case 'kinetics':
      return readKinetics(root, split, options);
    case 'filelist':
      return openFileList(options, split);
    default: {
      const format: string = (options as { format: string }).format;
      throw new Error(`openSplit: unknown format '${format}'; expected one of ${DATA_FORMATS.join(', ')}`);
    }
  }
}

/**
 * A TSM file list with its classes: the given names, else the class list file, else those numbered by
 * the training list. A validation list is checked against the training list's classes rather than
 * numbering its own, so that a label the training set does not have is an error at its line now, not a
 * failure after a training epoch (or a model whose outputs the two splits disagree on).
 */
function openFileList(options: Extract<OpenSplitOptions, { format: 'filelist' }>, split: 'train' | 'val'): VideoSplit {
  const { root, listFile, trainListFile, classesFile, ...readerOptions } = options;
  const list = listFile ?? path.join(root, `${split}_videofolder.txt`);
  const trainList = trainListFile ?? path.join(root, 'train_videofolder.txt');
  const classFile = classesFile ?? path.join(root, FILE_LIST_CLASSES);
  let classes = readerOptions.classes;
  if (classes === undefined && (classesFile !== undefined || fs.existsSync(classFile))) classes = readClassList(classFile);
  const numberedBy = classes === undefined && split === 'val' ? trainList : undefined;
  if (numberedBy !== undefined && !fs.existsSync(numberedBy)) {
    throw new Error(`openSplit: need ${classFile} or the training list ${numberedBy} to number the classes of ${list}; neither exists`);
  }
  return readFileList(list, { ...readerOptions, root, classes, trainList: numberedBy, training: split === 'train' });
}
