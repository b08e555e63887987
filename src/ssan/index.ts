/**
 * ssan: the paper's models, its datasets and data pipeline (ssan.data), the training loop (ssan.train),
 * and text-to-video retrieval (ssan.retrieval).
 */
export * from './models';
export * as data from './data';
export * as train from './train';
export * as retrieval from './retrieval';
