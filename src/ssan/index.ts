/**
 * ssan: the paper's models, its datasets and data pipeline (ssan.data), the training loop (ssan.train),
 * text-to-video retrieval (ssan.retrieval), and pictures of runs (ssan.viz).
 */
export * from './models';
export * as data from './data';
export * as train from './train';
export * as retrieval from './retrieval';
export * as viz from './viz';
