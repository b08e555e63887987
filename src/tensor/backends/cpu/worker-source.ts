/**
 * The program each worker thread runs, as JavaScript source: workers start with `eval: true`, so they
 * need neither ts-node nor a compiled file on disk. It instantiates the kernel module over the shared
 * memory, reports ready, then serves its mailbox in the control block (./control-block) forever:
 * sleep on SEQ, run the call it names, count down PENDING, wake the main thread if it was the last.
 *
 * Before sleeping it spins for a moment, because a futex wake-up is slow (25-100 µs on the project's 2-core
 * machine in November 2026; see SPIN_MICROSECONDS in ./worker-pool) and a network's kernels come back to back.
 */
export const WORKER_SOURCE = `
'use strict';
const { workerData } = require('worker_threads');
const { wasmModule, memory, exportNames, layout, slot, errors, spinMicroseconds } = workerData;
const control = new Int32Array(memory.buffer, 0, layout.ints);

function fail(error) {
  errors.postMessage(String(error && error.stack ? error.stack : error));
  Atomics.store(control, layout.failed, 1);
}

let functions = [];
try {
  const instance = new WebAssembly.Instance(wasmModule, { env: { memory } });
  functions = exportNames.map((name) => instance.exports[name]);
} catch (error) {
  fail(error);
}
// Read the mailbox before reporting ready: the first call may come right after.
const seqIndex = slot + layout.seq;
let seen = Atomics.load(control, seqIndex);
Atomics.add(control, layout.ready, 1);
Atomics.notify(control, layout.ready);
/** Busy-waits until the mailbox changes or the spin time is up (checking the clock every 64 loads). */
function spin() {
  const end = performance.now() + spinMicroseconds / 1000;
  for (let i = 1; Atomics.load(control, seqIndex) === seen; i++) {
    if ((i & 63) === 0 && performance.now() > end) return;
  }
}

for (;;) {
  spin();
  Atomics.wait(control, seqIndex, seen);
  const seq = Atomics.load(control, seqIndex);
  if (seq === seen) continue;
  seen = seq;
  const args = [];
  const count = control[slot + layout.argCount];
  for (let i = 0; i < count; i++) args.push(control[slot + layout.args + i]);
  try {
    functions[control[slot + layout.fn]](...args);
  } catch (error) {
    fail(error);
  }
  if (Atomics.sub(control, layout.pending, 1) === 1) Atomics.notify(control, layout.pending);
}
`;
