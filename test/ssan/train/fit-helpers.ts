/**
 * What the fit tests share: a tiny SSAN, in-memory sources, temporary folders, and a source wrapper that
 * acts (a stop request, a log line) as each batch is handed over.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { manualSeed, ssan, nn } from '../../../src';
import { paperRecipe, type BatchSource, type ClipBatchLike } from '../../../src/ssan/train';
import { MemorySource } from './memory-source';

export const T = 2;

export function tinyModel(): nn.Module & { forward: (x: any) => any } {
  manualSeed(3);
  return ssan.createModel({
    arch: 'ssan', depth: 18, width: 2, numClasses: 2, numSegments: T, blocks: [1, 1, 1, 1],
    placement: { layer2: [0] },
  });
}

/** 12 training videos in batches of 4 (3 batches), 6 validation videos (2 batches); more with `scale`. */
export function sources(scale = 1) {
  return {
    train: new MemorySource(12 * scale, 4, [T, 3, 8, 8], true),
    val: new MemorySource(6 * scale, 4, [T, 3, 8, 8], false, 2),
  };
}

export const quiet = { log: () => {}, progress: null, handleInterrupt: false } as const;

export function makeTempDirs(prefix: string) {
  const dirs: string[] = [];
  return {
    make(): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    removeAll(): void {
      for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}

export function stateOf(model: nn.Module): Record<string, number[]> {
  return Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, Array.from(t.data as ArrayLike<number>)]));
}

export function withoutTimes(lines: Record<string, unknown>[]) {
  return lines.map(({ seconds: _seconds, ...rest }) => rest);
}

/** The source's batches, with `onBatch(epoch, batchIndex)` called as each one is handed over. */
export function tapped(source: BatchSource, onBatch: (epoch: number, batchIndex: number) => void): BatchSource {
  return {
    get batchesPerEpoch() {
      return source.batchesPerEpoch;
    },
    get lastEpochSkipped() {
      return source.lastEpochSkipped;
    },
    async *epoch(epoch: number, opts?: { startBatch?: number }): AsyncGenerator<ClipBatchLike> {
      let index = opts?.startBatch ?? 0;
      for await (const batch of source.epoch(epoch, opts)) {
        onBatch(epoch, batch.batchIndex ?? index);
        index = (batch.batchIndex ?? index) + 1;
        yield batch;
      }
    },
  };
}

/**
 * The runs fit-interrupt.sigint.test.ts interrupts with real signals (in ctrl-c-child.ts) and then resumes here: long
 * enough, in batches of 2, that a signal sent at an early batch lands well inside the epoch or validation.
 *   train     Ctrl-C in the training part of the epoch
 *   validate  Ctrl-C during validation
 *   twice     Ctrl-C twice inside an optimizer step of 8 accumulated batches
 */
export function ctrlCRun(scenario: string) {
  const long = 120;
  const sizes: Record<string, { train: number; val: number; accumulate: number }> = {
    train: { train: long, val: 2, accumulate: 1 },
    validate: { train: 4, val: long, accumulate: 1 },
    twice: { train: long, val: 2, accumulate: 8 },
  };
  const size = sizes[scenario];
  if (size === undefined) throw new Error(`ctrlCRun: no scenario ${JSON.stringify(scenario)}; expected ${Object.keys(sizes).join(', ')}`);
  return {
    model: tinyModel(),
    train: new MemorySource(2 * size.train, 2, [T, 3, 8, 8], true),
    val: new MemorySource(2 * size.val, 2, [T, 3, 8, 8], false, 2),
    recipe: paperRecipe({ batchSize: 2, lr: 0.02, accumulate: size.accumulate }),
    epochs: 1,
  };
}
