/**
 * The control block: the first bytes of the shared memory, where the main thread and the workers
 * meet. All of it is Int32 words touched with Atomics, so the handshakes need no messages (messages
 * would need the event loop, and the kernels are synchronous).
 *
 *   PENDING   workers still running the current dispatch; the last one to finish wakes the main thread
 *   FAILED    set by a worker whose call threw; its message waits on that worker's error port
 *   READY     workers that have instantiated the module and are waiting for work
 *   slot w    worker w's mailbox: SEQ (bumped by the main thread to hand over a call, the word the
 *             worker sleeps on), the function's index in the export list, the argument count, the
 *             arguments
 */
export const PENDING = 0;
export const FAILED = 1;
export const READY = 2;
const FIRST_SLOT = 8;

export const SLOT_SEQ = 0;
export const SLOT_FUNCTION = 1;
export const SLOT_ARG_COUNT = 2;
export const SLOT_ARGS = 4;
/** More than any exported kernel takes (gemm has 15). */
export const MAX_ARGS = 16;
const SLOT_INTS = SLOT_ARGS + MAX_ARGS;

/** At most this many workers (the main thread is one more thread). */
export const MAX_WORKERS = 63;

/** Int32 index of worker `w`'s slot. */
export function slotIndex(worker: number): number {
  return FIRST_SLOT + worker * SLOT_INTS;
}

export const CONTROL_INTS = slotIndex(MAX_WORKERS);
export const CONTROL_BYTES = CONTROL_INTS * 4;

/** What the worker source needs to know of this layout (passed in workerData, not hard-coded twice). */
export const CONTROL_LAYOUT = {
  ints: CONTROL_INTS, pending: PENDING, failed: FAILED, ready: READY,
  seq: SLOT_SEQ, fn: SLOT_FUNCTION, argCount: SLOT_ARG_COUNT, args: SLOT_ARGS,
} as const;
