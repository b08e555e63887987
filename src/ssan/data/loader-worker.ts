/**
 * The program of a ClipLoader decoding thread (started by decode-pool.ts). It receives the split and the
 * settings once, then answers each job (an epoch and the record indices of one batch) with the decoded
 * batch, transferring the arrays instead of copying them. Errors other than FrameErrors (which
 * decodeBatch absorbs) are sent back as text: the main thread rejects the epoch with them.
 */
import { parentPort, workerData } from 'worker_threads';
import { decodeBatch, type ClipSettings } from './clip-batch';
import type { VideoSplit } from './types';

/** What the pool puts in workerData. */
export interface DecodeWorkerData {
  /** This module's path (.ts under ts-node/vitest, .js when compiled). */
  entry: string;
  split: VideoSplit;
  settings: ClipSettings;
}

/** A request from the pool. */
export interface DecodeJob {
  id: number;
  epoch: number;
  recordIndices: number[];
}

/** The answer to a job. */
export type DecodeReply =
  | { id: number; ok: true; clips: Float32Array; labels: Int32Array; kept: number[]; skipped: { id: string; file: string; reason: string }[] }
  | { id: number; ok: false; error: string };

function serve(): void {
  const port = parentPort;
  if (port === null) throw new Error('loader-worker: must run in a worker thread started by ClipLoader');
  const { split, settings } = workerData as DecodeWorkerData;
  port.on('message', (job: DecodeJob) => {
    let reply: DecodeReply;
    try {
      const batch = decodeBatch(split, settings, job.epoch, job.recordIndices);
      reply = { id: job.id, ok: true, ...batch };
    } catch (err) {
      port.postMessage({ id: job.id, ok: false, error: err instanceof Error && err.stack ? err.stack : String(err) });
      return;
    }
    // decodeBatch allocates both arrays itself, so their buffers are plain ArrayBuffers, free to move.
    port.postMessage(reply, [reply.clips.buffer as ArrayBuffer, reply.labels.buffer as ArrayBuffer]);
  });
}

serve();
