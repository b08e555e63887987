/**
 * ssan.data: the datasets in their on-disk formats (docs/model.md#dataset-formats), the synthetic
 * Something-Something set, segment sampling and clip transforms (docs/model.md#segment-sampling,
 * #transforms), and the decode-ahead clip loader.
 */
export type { VideoRecord, FrameLayout, VideoSplit, RgbImage } from './types';
export { decodeJpeg, readJpeg, encodeJpeg, writeJpeg } from './jpeg';
export * from './formats';
export * from './synthetic';
export { trainSegmentIndices, centerSegmentIndices, centreSegmentIndices, clipSegmentIndices } from './sampling';
export {
  transformClip, planClip, resizeBilinear, cropImage, flipHorizontal, multiScaleCropSizes, fixedCropOffsets,
  IMAGENET_MEAN, IMAGENET_STD, MULTI_SCALE_CROP_SCALES,
} from './transforms';
export type { ClipTransform, CropBox, ClipPlan, Rgb } from './transforms';
export { readClip, FrameError } from './clip-reader';
export { ClipLoader } from './loader';
export type { ClipLoaderOptions, ClipBatch, SkippedVideo } from './loader';
