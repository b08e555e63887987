/**
 * ssan.retrieval: text-to-video retrieval with HowTo100M's joint embedding (docs/model.md#retrieval): the model,
 * its max-margin ranking loss, the R@K / median-rank metrics, and the caption inputs (tokeniser,
 * word2vec files).
 */
export { ContextGating, GatedEmbeddingUnit, SentenceMaxpool, JointEmbedding } from './embedding';
export type { JointEmbeddingOptions, TextEncoder, TextEncoderKind } from './embedding';
export { SentenceGru } from './sentence-gru';
export { Vocabulary } from './vocabulary';
export { trainJointEmbedding, TextVideoModel } from './train-embedding';
export type { CaptionedVideos, JointTrainingOptions, JointTrainingResult } from './train-embedding';
export { extractVideoFeatures, featureWindows, saveVideoFeatures, loadVideoFeatures } from './features';
export type { FeatureOptions } from './features';
export { checkpointFeatures } from './checkpoint-features';
export type { CheckpointFeatures } from './checkpoint-features';
export * as datasets from './datasets';
export { l2Normalize } from './l2-normalize';
export { maxMarginRankingLoss, HOWTO100M_MARGIN } from './loss';
export { retrievalMetrics } from './metrics';
export type { RetrievalMetrics } from './metrics';
export { tokenize, wordsToVectors, sentencesToWordVectors } from './text';
export { WordVectorTable } from './word-vectors';
export type { WordVectors } from './word-vectors';
export { readWord2vec, writeWord2vec } from './word2vec';
export type { ReadWord2vecOptions, WriteWord2vecOptions } from './word2vec';
