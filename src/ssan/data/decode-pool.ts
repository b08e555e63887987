/**
 * The worker threads that decode ClipLoader batches ahead of the consumer. Each job is one whole batch;
 * a job waits in a queue until a worker is free, and its promise settles when the batch comes back.
 *
 * Workers are `unref`ed while idle, so a loader that is never closed does not keep the process alive,
 * and `ref`ed while they hold a job, so a program awaiting a batch is not ended under it.
 *
 * A worker starts from an eval'd bootstrap that loads loader-worker: the .js file when running compiled,
 * or the .ts source through ts-node (transpile only) under ts-node or vitest. The workers transpile with
 * TypeScript itself even where tsconfig asks ts-node for swc: @swc/core's native module, loaded in a
 * worker thread, crashes the whole process (SIGSEGV) when the worker is terminated, as close() does.
 */
import { createRequire } from 'module';
import path from 'path';
import { Worker } from 'worker_threads';
import type { ClipSettings, DecodedBatch } from './clip-batch';
import type { DecodeJob, DecodeReply, DecodeWorkerData } from './loader-worker';
import type { VideoSplit } from './types';

const BOOTSTRAP = `
'use strict';
const { workerData } = require('worker_threads');
const { createRequire } = require('module');
const path = require('path');
const load = createRequire(workerData.entry);
if (workerData.entry.endsWith('.ts')) {
  load('ts-node').register({ transpileOnly: true, swc: false, projectSearchDir: path.dirname(workerData.entry) });
}
load(workerData.entry);
`;

/** Where the worker program is: next to this file, with this file's extension. */
function workerEntry(): string {
  return path.join(__dirname, `loader-worker${path.extname(__filename)}`);
}

interface Pending {
  job: DecodeJob;
  resolve: (batch: DecodedBatch) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** The job it is decoding, if any. */
  current: Pending | null;
}

export class DecodePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextJobId = 0;
  /** Set when a worker died or the pool was closed: every later job fails with it. */
  private failure: Error | null = null;

  constructor(split: VideoSplit, settings: ClipSettings, workerCount: number) {
    // The bootstrap resolves ts-node from the worker program's folder, so this check only makes the
    // error clear when a .ts entry is used where ts-node is not installed.
    const entry = workerEntry();
    if (entry.endsWith('.ts')) createRequire(entry).resolve('ts-node');
    const workerData: DecodeWorkerData = { entry, split, settings };
    for (let i = 0; i < workerCount; i++) {
      const worker = new Worker(BOOTSTRAP, { eval: true, workerData });
      worker.unref();
      const slot: Slot = { worker, current: null };
      worker.on('message', (reply: DecodeReply) => this.onReply(slot, reply));
      worker.on('error', (error) => this.fail(new Error(`ClipLoader: a decoding worker failed: ${error.stack ?? error.message}`)));
      worker.on('exit', (code) => {
        if (this.failure === null) this.fail(new Error(`ClipLoader: a decoding worker exited unexpectedly (code ${code})`));
      });
      this.slots.push(slot);
    }
  }

  /** Decodes the batch of `recordIndices` for `epoch` on the next free worker. */
  decode(epoch: number, recordIndices: number[]): Promise<DecodedBatch> {
    return new Promise<DecodedBatch>((resolve, reject) => {
      if (this.failure !== null) {
        reject(this.failure);
        return;
      }
      this.queue.push({ job: { id: this.nextJobId++, epoch, recordIndices }, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every worker; jobs not yet answered fail. */
  async close(): Promise<void> {
    if (this.failure === null) this.failure = new Error('ClipLoader: the loader was closed');
    this.rejectAll(this.failure);
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.current !== null) continue;
      const pending = this.queue.shift() as Pending;
      slot.current = pending;
      slot.worker.ref();
      slot.worker.postMessage(pending.job);
    }
  }

  private onReply(slot: Slot, reply: DecodeReply): void {
    const pending = slot.current;
    if (pending === null || pending.job.id !== reply.id) {
      this.fail(new Error(`ClipLoader: a decoding worker answered job ${reply.id}, which it was not given`));
      return;
    }
    slot.current = null;
    slot.worker.unref();
    if (reply.ok) {
      pending.resolve({ clips: reply.clips, labels: reply.labels, kept: reply.kept, skipped: reply.skipped });
    } else {
      pending.reject(new Error(`ClipLoader: decoding batch failed in a worker thread: ${reply.error}`));
    }
    this.dispatch();
  }

  private fail(error: Error): void {
    if (this.failure === null) this.failure = error;
    this.rejectAll(error);
    for (const slot of this.slots) void slot.worker.terminate();
  }

  private rejectAll(error: Error): void {
    for (const slot of this.slots) {
      slot.current?.reject(error);
      slot.current = null;
      slot.worker.unref();
    }
    for (const pending of this.queue.splice(0)) pending.reject(error);
  }
}
