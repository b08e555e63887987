/**
 * How the gpu backend's two worker threads (gpu.js's, worker-source.ts; the WebGPU device's,
 * device-worker-source.ts) answer the main thread synchronously. `control` is an Int32Array over
 * shared memory: the main thread sets STATE to BUSY, posts a message and sleeps in Atomics.wait; the
 * worker stores its answer's words in `text`, their length in TEXT_LENGTH, then DONE or FAILED in
 * STATE, and wakes it. Slots from FIRST_OWN_SLOT on are each worker's own.
 */
export const STATE = 0;
export const TEXT_LENGTH = 1;
export const FIRST_OWN_SLOT = 2;

export const BUSY = 0;
export const DONE = 1;
export const FAILED = 2;

export const TEXT_BYTES = 16 * 1024;

/**
 * The worker's side, as JavaScript for its source string: `answer(state, words)`, which runs
 * `beforeWake` (more JavaScript, e.g. storing an own slot) just before it stores the state.
 */
export function answerSource(beforeWake = ''): string {
  return `function answer(state, words) {
  const bytes = new TextEncoder().encode(String(words || '')).subarray(0, text.length);
  text.set(bytes);
  Atomics.store(control, ${TEXT_LENGTH}, bytes.length);
  ${beforeWake}
  Atomics.store(control, ${STATE}, state);
  Atomics.notify(control, ${STATE});
}`;
}

/** The main thread's side: sleeps until the worker stores an answer or `timeoutMs` passes; returns the state and its words. */
export function waitForAnswer(control: Int32Array, text: Uint8Array, timeoutMs: number): { state: number; text: string } {
  const deadline = Date.now() + timeoutMs;
  while (Atomics.load(control, STATE) === BUSY) {
    const left = deadline - Date.now();
    if (left <= 0) return { state: BUSY, text: `no answer within ${timeoutMs} ms` };
    Atomics.wait(control, STATE, BUSY, left);
  }
  const length = Atomics.load(control, TEXT_LENGTH);
  // TextDecoder does not read shared memory: copy the bytes out first.
  return { state: Atomics.load(control, STATE), text: new TextDecoder().decode(text.slice(0, length)) };
}
