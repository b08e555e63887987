/**
 * Retrieval datasets: MSR-VTT and YouCook2 in their released files (docs/model.md#msr-vtt, #youcook2), captions for
 * the synthetic Something-Something set, and the one-caption-per-epoch sampler training uses.
 */
export { CaptionSampler } from './caption-sampler';
export type { CaptionedVideo, CaptionPick, CaptionSamplerOptions } from './caption-sampler';
export {
  MSRVTT_FILES, MsrvttTrain, openMsrvtt, readMsrvttData, readMsrvttTest, readMsrvttVideoList,
} from './msrvtt';
export type {
  MsrvttData, MsrvttDataset, MsrvttListedVideo, MsrvttOptions, MsrvttReadOptions, MsrvttTestPair, MsrvttVideo, MsrvttVideoList,
} from './msrvtt';
export { YOUCOOK2_ANNOTATIONS, readYoucook2 } from './youcook2';
export type { Youcook2Clip, Youcook2Options, Youcook2Subset } from './youcook2';
export { syntheticCaptions } from './synthetic-captions';
export type { SyntheticCaptionOptions, SyntheticCaptionSet, SyntheticVideoCaptions } from './synthetic-captions';
