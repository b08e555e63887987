/** ssan: the paper's models (and, as they arrive, its data, training loop and retrieval). */
export * from './models';
