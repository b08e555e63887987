/** Dataset readers for the on-disk formats of docs/model.md#dataset-formats, and the helpers they share. */
export { readSthV1, STHV1_TEMPLATE } from './sthv1';
export type { SthSplit, SthV1Options } from './sthv1';
export { readSthV2, STHV2_TEMPLATE } from './sthv2';
export type { SthV2Options } from './sthv2';
export { readFileList } from './filelist';
export type { FileListOptions } from './filelist';
export { readKinetics, kineticsLabelFolder, KINETICS_TEMPLATE } from './kinetics';
export type { KineticsOptions, KineticsSplit } from './kinetics';
export { MIN_TRAIN_FRAMES } from './split-builder';
export type { ReaderOptions } from './split-builder';
export { openSplit, DATA_FORMATS } from '../open-split';
export type { DataFormat, OpenSplitOptions } from '../open-split';
export { countFrames, formatFrameName, parseFrameTemplate } from '../frame-folder';
export type { FrameTemplate } from '../frame-folder';
export { extractFrames, hasFfmpeg } from '../video-frames';
export type { ExtractOptions } from '../video-frames';
