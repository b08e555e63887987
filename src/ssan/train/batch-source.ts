/**
 * What training and evaluation need from a data loader. ClipLoader (src/ssan/data/loader.ts) is one;
 * tests use small in-memory ones.
 */
import type { Tensor } from '../../tensor/tensor';

export interface ClipBatchLike {
  /** float [B x numClips, T, 3, H, W]; the clips of one video are adjacent. */
  clips: Tensor;
  /** int32 [B]. */
  labels: Tensor;
  /** Which videos of the split these are (to line up the predictions of several models). */
  recordIndices?: number[];
  /** The batch's position in the epoch, when the source may leave out an empty batch. */
  batchIndex?: number;
}

export interface BatchSource {
  readonly batchesPerEpoch: number;
  /** The batches of epoch `epoch` (0-based), the same ones each time it is asked for, from `startBatch` on. */
  epoch(epoch: number, opts?: { startBatch?: number }): AsyncIterable<ClipBatchLike>;
  /** Videos dropped from the last epoch (a missing or corrupt frame), with the reason. */
  readonly lastEpochSkipped: readonly { id: string; reason: string }[];
}

/**
 * Resolves on the event loop's next turn. Training and evaluation await it between batches: a source
 * whose batches are ready (in memory, decoded ahead, or decoded on the calling thread) hands them over
 * through promises alone, and promises never let the loop turn, so without it a whole epoch runs before
 * a Ctrl-C (or a timer, or a worker's message) is handled.
 */
export function turnEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
