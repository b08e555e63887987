/**
 * ClipLoader: batches of clips for training and evaluation, decoded ahead of the consumer.
 *
 * An epoch is a fixed function of (seed, epoch): the order comes from the generator "seed:epoch:order"
 * and each video's frames, crop and flip from "seed:epoch:recordIndex" (clip-batch.ts). So a batch is the
 * same whatever the number of workers, the prefetch depth, or the batch an epoch is resumed from, and a
 * resumed training run sees exactly the batches it would have seen.
 *
 * Decoding happens on `workers` threads, whole batches at a time, `prefetch` batches ahead of the one
 * the consumer is waiting for. The consumer computes synchronously between awaits, so the decoded
 * batches simply wait in their promises; but a worker's answer is only received, and the worker only
 * given its next batch, when the consumer lets the event loop turn (fit and evaluate do after every
 * batch), so a consumer that never does keeps the workers idle while it computes. A video with a missing
 * or broken frame is dropped from its batch with a warning; any other error rejects the epoch.
 */
import { Tensor } from '../../tensor/tensor';
import { tensor } from '../../tensor/creation';
import { Generator } from '../../tensor/random';
import { decodeBatch, type ClipSettings, type DecodedBatch, type SkippedVideo } from './clip-batch';
import { DecodePool } from './decode-pool';
import { resolveClipTransform, type ClipTransform } from './transforms';
import type { VideoSplit } from './types';

export type { SkippedVideo } from './clip-batch';

export interface ClipLoaderOptions {
  numSegments: number;
  batchSize: number;
  /** Random segment frames (and, by default, shuffling and dropping the last partial batch) when true. */
  train: boolean;
  /** The spatial transform; its own `train` flag decides random versus centre crop. */
  transform: ClipTransform;
  seed?: number | string;
  shuffle?: boolean;
  dropLast?: boolean;
  /** Clips per video, evenly placed within each segment (evaluation); train draws each one at random. */
  numClips?: number;
  /** Decoding threads; 0 decodes on the calling thread when a batch is asked for. */
  workers?: number;
  /**
   * Batches decoded ahead of the one being waited for (ignored with workers = 0). At most prefetch + 1
   * batches are decoding at once, so workers beyond that stay idle; each costs a batch of memory.
   */
  prefetch?: number;
  /** Told about each skipped video; console.warn when omitted. */
  onWarning?: (message: string) => void;
}

export interface ClipBatch {
  /** float32 [B·numClips, T, 3, crop, crop], the clips of one video adjacent. */
  clips: Tensor;
  /** int32 [B]. */
  labels: Tensor;
  /** The videos of the batch, as indices into split.records. */
  recordIndices: number[];
  /** The batch's position in the epoch (it keeps its number when an earlier batch was empty). */
  batchIndex: number;
}

function checkCount(what: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`ClipLoader: ${what} must be an integer >= ${min}, got ${value}`);
  }
}

export class ClipLoader {
  readonly batchesPerEpoch: number;
  /** The videos skipped so far in the epoch being read, or in the last one read. */
  lastEpochSkipped: SkippedVideo[] = [];

  private readonly settings: ClipSettings;
  private readonly batchSize: number;
  private readonly shuffle: boolean;
  private readonly workers: number;
  private readonly prefetch: number;
  private readonly onWarning: (message: string) => void;
  private pool: DecodePool | null = null;
  private closed = false;

  constructor(private readonly split: VideoSplit, options: ClipLoaderOptions) {
    const { numSegments, batchSize, train } = options;
    const numClips = options.numClips ?? 1;
    this.workers = options.workers ?? 1;
    this.prefetch = options.prefetch ?? 2;
    checkCount('numSegments', numSegments, 1);
    checkCount('batchSize', batchSize, 1);
    checkCount('numClips', numClips, 1);
    checkCount('workers', this.workers, 0);
    checkCount('prefetch', this.prefetch, 0);
    if (split.records.length === 0) throw new Error(`ClipLoader: split '${split.name}' has no videos`);
    this.settings = { numSegments, train, numClips, transform: resolveClipTransform(options.transform), seed: options.seed ?? 0 };
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? train;
    const dropLast = options.dropLast ?? train;
    const count = split.records.length;
    this.batchesPerEpoch = dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
    this.onWarning = options.onWarning ?? ((message) => console.warn(message));
  }

  /** The record indices of epoch `epoch` in the order they are read. */
  order(epoch: number): number[] {
    const order = this.split.records.map((_, i) => i);
    return this.shuffle ? new Generator(`${this.settings.seed}:${epoch}:order`).shuffle(order) : order;
  }

  /**
   * The batches of epoch `epoch` from `startBatch` on; the earlier ones are not decoded. A batch whose
   * videos were all skipped is not yielded.
   */
  async *epoch(epoch: number, { startBatch = 0 }: { startBatch?: number } = {}): AsyncIterableIterator<ClipBatch> {
    checkCount('epoch', epoch, 0);
    if (!Number.isInteger(startBatch) || startBatch < 0 || startBatch > this.batchesPerEpoch) {
      throw new Error(`ClipLoader.epoch: startBatch must be an integer in [0, ${this.batchesPerEpoch}], got ${startBatch}`);
    }
    if (this.closed) throw new Error('ClipLoader.epoch: the loader is closed');
    const order = this.order(epoch);
    const batchRecords = (b: number): number[] => order.slice(b * this.batchSize, (b + 1) * this.batchSize);
    this.lastEpochSkipped = [];
    const ahead = this.workers === 0 ? 0 : this.prefetch;
    const queued: Promise<DecodedBatch>[] = [];
    let nextToQueue = startBatch;
    for (let b = startBatch; b < this.batchesPerEpoch; b++) {
      while (nextToQueue < this.batchesPerEpoch && nextToQueue <= b + ahead) {
        const promise = this.decode(epoch, batchRecords(nextToQueue++));
        // Awaited in turn below; until then a failure must not count as an unhandled rejection.
        promise.catch(() => undefined);
        queued.push(promise);
      }
      const decoded = await (queued.shift() as Promise<DecodedBatch>);
      if (this.closed) throw new Error(`ClipLoader.epoch: the loader was closed during epoch ${epoch}`);
      for (const skipped of decoded.skipped) {
        this.lastEpochSkipped.push(skipped);
        this.onWarning(`ClipLoader: skipped video ${skipped.id} of '${this.split.name}': ${skipped.file}: ${skipped.reason}`);
      }
      if (decoded.kept.length === 0) continue;
      yield this.toBatch(decoded, b);
    }
  }

  /** Stops the decoding threads. The loader cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = null;
    if (pool !== null) await pool.close();
  }

  private decode(epoch: number, recordIndices: number[]): Promise<DecodedBatch> {
    if (this.workers === 0) {
      return new Promise((resolve) => resolve(decodeBatch(this.split, this.settings, epoch, recordIndices)));
    }
    if (this.pool === null) this.pool = new DecodePool(this.split, this.settings, this.workers);
    return this.pool.decode(epoch, recordIndices);
  }

  private toBatch(decoded: DecodedBatch, batchIndex: number): ClipBatch {
    const { crop } = this.settings.transform;
    const shape = [decoded.kept.length * this.settings.numClips, this.settings.numSegments, 3, crop, crop];
    return {
      // Wrapped, not copied: a batch is hundreds of MB at full size, and the array is ours alone.
      clips: new Tensor(decoded.clips, shape),
      labels: tensor(decoded.labels, { dtype: 'int32' }),
      recordIndices: decoded.kept,
      batchIndex,
    };
  }
}
