/**
 * One entry point for every on-disk format, so that a training script takes `--format` and `--root`
 * and needs to know nothing else about the datasets.
 */
import path from 'path';
import { FileListOptions, readFileList } from './formats/filelist';
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
  | ({ format: 'filelist'; /** Default `<root>/{train,val}_videofolder.txt`. */ listFile?: string } & SplitChoice &
      Omit<FileListOptions, 'root' | 'training'>);

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
    case 'filelist': {
      const listFile = options.listFile ?? path.join(root, `${split}_videofolder.txt`);
      return readFileList(listFile, { ...options, root, training: split === 'train' });
    }
    default: {
      const format: string = (options as { format: string }).format;
      throw new Error(`openSplit: unknown format '${format}'; expected one of ${DATA_FORMATS.join(', ')}`);
    }
  }
}
