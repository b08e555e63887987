/**
 * How work is shared between threads: whether an op is worth more than one thread, and how a
 * product's output or a list of items divides into near-equal contiguous parts.
 */
import { MR, NR } from './codegen/blocking';

/**
 * Below this many flops an op stays on the calling thread. Measured on the project's 2-core machine in
 * November 2026 with a 256^3 product: waking a sleeping worker cost 100-200 µs (after 1 ms of other work
 * the product gained only 13% from a second thread, run back to back 70%), and one thread did 8 MFLOP in
 * about 170 µs, so from there two threads won even when the worker was asleep.
 */
const DEFAULT_PARALLEL_FLOPS = 8_000_000;
let parallelFlops = DEFAULT_PARALLEL_FLOPS;

/**
 * Sets the work (in flops) from which an op is split across threads; 0 splits everything, which
 * tests use to run the threaded paths on small shapes. `undefined` restores the default.
 */
export function setParallelThreshold(flops?: number): void {
  if (flops !== undefined && (!Number.isFinite(flops) || flops < 0)) {
    throw new Error(`setParallelThreshold: flops must be a non-negative number; got ${flops}`);
  }
  parallelFlops = flops ?? DEFAULT_PARALLEL_FLOPS;
}

/** Threads worth using for `flops` of work when `threads` are available. */
export function threadsFor(flops: number, threads: number): number {
  return flops >= parallelFlops ? threads : 1;
}

/** Part `part` of `count` items split into `parts` contiguous ranges whose sizes differ by at most one. */
export function partRange(count: number, parts: number, part: number): [number, number] {
  return [Math.floor((count * part) / parts), Math.floor((count * (part + 1)) / parts)];
}

/** The block of a product's output that one thread computes: rows [rowStart, rowEnd) x cols [colStart, colEnd). */
export interface OutputBlock {
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
}

/**
 * Splits an m x n output into at most `parts` blocks of whole rows when m >= n, else whole columns,
 * each a multiple of the register tile. Every thread packs the operand that is not split, in full:
 * splitting the larger side makes that the smaller one.
 */
export function splitOutput(m: number, n: number, parts: number): OutputBlock[] {
  const byRows = m >= n;
  const tile = byRows ? MR : NR;
  const size = byRows ? m : n;
  const tiles = Math.ceil(size / tile);
  const count = Math.max(1, Math.min(parts, tiles));
  const blocks: OutputBlock[] = [];
  for (let t = 0; t < count; t++) {
    const [first, last] = partRange(tiles, count, t);
    const start = first * tile;
    const end = Math.min(size, last * tile);
    blocks.push(byRows ? { rowStart: start, rowEnd: end, colStart: 0, colEnd: n } : { rowStart: 0, rowEnd: m, colStart: start, colEnd: end });
  }
  return blocks;
}
