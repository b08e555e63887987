/**
 * An in-memory BatchSource for training tests: random clips whose class is told by the sign of their mean,
 * shuffled per epoch from (seed, epoch) as ClipLoader does, so a resumed run sees the same batches.
 */
import { tensor, Generator } from '../../../src';
import type { BatchSource, ClipBatchLike } from '../../../src/ssan/train';

export class MemorySource implements BatchSource {
  readonly lastEpochSkipped: { id: string; reason: string }[] = [];
  private readonly clips: Float32Array[] = [];
  private readonly labels: number[] = [];

  constructor(
    readonly size: number,
    readonly batchSize: number,
    readonly clipShape: [number, number, number, number],
    private readonly shuffle: boolean,
    seed = 1,
    numClasses = 2,
  ) {
    const rng = new Generator(`data:${seed}`);
    const n = clipShape.reduce((a, b) => a * b, 1);
    for (let i = 0; i < size; i++) {
      const label = i % numClasses;
      const clip = new Float32Array(n);
      rng.fillNormal(clip, label - (numClasses - 1) / 2, 1);
      this.clips.push(clip);
      this.labels.push(label);
    }
  }

  get batchesPerEpoch(): number {
    return this.shuffle ? Math.floor(this.size / this.batchSize) : Math.ceil(this.size / this.batchSize);
  }

  async *epoch(epoch: number, opts: { startBatch?: number } = {}): AsyncGenerator<ClipBatchLike & { batchIndex: number }> {
    const order = [...this.clips.keys()];
    if (this.shuffle) {
      const rng = new Generator(`order:${epoch}`);
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.randint(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    for (let b = opts.startBatch ?? 0; b < this.batchesPerEpoch; b++) {
      const members = order.slice(b * this.batchSize, (b + 1) * this.batchSize);
      const data = new Float32Array(members.length * this.clips[0].length);
      members.forEach((m, i) => data.set(this.clips[m], i * this.clips[0].length));
      yield {
        clips: tensor(data, { shape: [members.length, ...this.clipShape] }),
        labels: tensor(new Int32Array(members.map((m) => this.labels[m])), { dtype: 'int32' }),
        batchIndex: b,
      };
    }
  }
}
