/** Embedding: a learned table of vectors looked up by index, as torch.nn.Embedding. */
import { Tensor } from '../../tensor/tensor';
import { zeros } from '../../tensor/creation';
import { embedding } from '../functional/embedding';
import { Module } from '../module';
import { Parameter } from '../parameter';
import { normal } from '../init';

export interface EmbeddingLayerOptions {
  /** A row kept at zero and never learned (a padding token); negative counts from the end. */
  paddingIdx?: number | null;
}

export class Embedding extends Module {
  /** [numEmbeddings, embeddingDim]. */
  weight: Parameter;
  readonly paddingIdx: number | null;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: EmbeddingLayerOptions = {}) {
    super();
    for (const [name, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`Embedding: ${name} must be a positive integer; got ${v}`);
    }
    const p = opts.paddingIdx ?? null;
    if (p !== null && (!Number.isInteger(p) || p < -numEmbeddings || p >= numEmbeddings)) {
      throw new Error(`Embedding: paddingIdx must be an integer in [${-numEmbeddings}, ${numEmbeddings - 1}]; got ${p}`);
    }
    this.paddingIdx = p !== null && p < 0 ? p + numEmbeddings : p;
    this.weight = new Parameter(zeros([numEmbeddings, embeddingDim]));
    this.resetParameters();
  }

  /** PyTorch's default: N(0, 1), with the padding row zeroed. */
  resetParameters(): void {
    normal(this.weight);
    if (this.paddingIdx !== null) {
      const d = this.embeddingDim;
      this.weight.data.fill(0, this.paddingIdx * d, (this.paddingIdx + 1) * d);
    }
  }

  /** int32 indices of any shape -> [...shape, embeddingDim]. */
  forward(input: Tensor): Tensor {
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx });
  }

  extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}` + (this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : '');
  }
}
