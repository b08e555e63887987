/** ssan: the paper's models, its datasets and data pipeline (ssan.data), and the training loop (ssan.train). */
export * from './models';
export * as data from './data';
export * as train from './train';
