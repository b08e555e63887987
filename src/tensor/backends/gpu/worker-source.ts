/**
 * The program of the worker thread that owns a WebGPU device (see worker-host.ts for the other side).
 *
 * It is plain JavaScript in a string, started with `new Worker(source, { eval: true })`: a worker
 * file in TypeScript would need a loader in every environment this runs in (tsc output, ts-node,
 * vitest), while a string runs as it is everywhere. It only needs gpu.js and, for WebGPU, the
 * `webgpu` package (Dawn), whose paths the main thread resolves and passes in `workerData`.
 *
 * Protocol. `control` is an Int32Array over shared memory: [state, text length, live kernels]. The
 * main thread sets state to BUSY, posts a message and sleeps in Atomics.wait; the worker handles the
 * message (awaiting gpu.js's Promises), stores DONE or FAILED, and wakes it. `text` carries the
 * answer's words (the device description, or an error). Messages, handled strictly in order:
 *   { type: 'compile', handle, source, settings }   no answer; an error is kept for the first run
 *   { type: 'run', handle, data, inputs: [[offset, length], ...], output: [offset, length] }
 *                                                    floats are read from and written to `data`
 *   { type: 'release', handle }                      no answer
 *   { type: 'count' }                                answers, with the live kernel count in control
 * At start-up the worker answers once: DONE with a description of the device, or FAILED with why not.
 */

import { DONE, FAILED, FIRST_OWN_SLOT, answerSource } from './worker-protocol';

/** The worker's own slot of `control`: how many kernels it holds. */
export const LIVE_KERNELS = FIRST_OWN_SLOT;
export const CONTROL_SLOTS = FIRST_OWN_SLOT + 1;

export const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('worker_threads');
const control = new Int32Array(workerData.control);
const text = new Uint8Array(workerData.text);
const kernels = new Map();
let gpu = null;

${answerSource(`Atomics.store(control, ${LIVE_KERNELS}, kernels.size);`)}

function errorText(error) {
  return error && error.message ? error.message : String(error);
}

// Copies gpu.js's output (a typed array, or nested arrays of rows) into target; returns the count.
function flattenInto(result, target, offset) {
  if (ArrayBuffer.isView(result)) {
    target.set(result, offset);
    return result.length;
  }
  let written = 0;
  for (const part of result) written += flattenInto(part, target, offset + written);
  return written;
}

async function start() {
  let description = 'no GPU device';
  // Look for the adapter before loading gpu.js: on a machine without one, the probe stays cheap.
  if (workerData.mode === 'webgpu') {
    const { create, globals } = await import(workerData.webgpuUrl);
    Object.assign(globalThis, globals);
    // gpu.js looks for navigator.gpu, as in a browser. Node 20 has no navigator; later ones do.
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true, writable: true });
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) throw new Error('the webgpu package loaded but found no adapter');
    const info = adapter.info || {};
    description = 'WebGPU on ' + ([info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'an unnamed adapter');
  }
  const { GPU } = require(workerData.gpuJsPath);
  gpu = new GPU({ mode: workerData.mode });
  return description;
}

async function handle(message) {
  if (message.type === 'compile') {
    try {
      kernels.set(message.handle, { kernel: gpu.createKernel(message.source, message.settings), error: null });
    } catch (error) {
      kernels.set(message.handle, { kernel: null, error: errorText(error) });
    }
  } else if (message.type === 'release') {
    const entry = kernels.get(message.handle);
    if (entry && entry.kernel) entry.kernel.destroy();
    kernels.delete(message.handle);
    Atomics.store(control, ${LIVE_KERNELS}, kernels.size);
  } else if (message.type === 'count') {
    answer(${DONE});
  } else if (message.type === 'run') {
    try {
      const entry = kernels.get(message.handle);
      if (!entry) throw new Error('kernel handle ' + message.handle + ' is not compiled in the worker');
      if (entry.error) throw new Error(entry.error);
      const data = new Float32Array(message.data);
      // slice() copies out of shared memory: a device upload never sees memory the main thread owns.
      const inputs = message.inputs.map(([offset, length]) => data.slice(offset, offset + length));
      const result = await entry.kernel(...inputs);
      const [offset, length] = message.output;
      const written = flattenInto(result, data, offset);
      if (written !== length) throw new Error('the kernel returned ' + written + ' values; expected ' + length);
      answer(${DONE});
    } catch (error) {
      answer(${FAILED}, errorText(error));
    }
  }
}

const started = start();
started.then((description) => answer(${DONE}, description), (error) => answer(${FAILED}, errorText(error)));

// Messages wait for start-up, then run one at a time in arrival order.
let queue = started.catch(() => undefined);
parentPort.on('message', (message) => {
  queue = queue.then(() => handle(message));
});
process.on('uncaughtException', (error) => answer(${FAILED}, errorText(error)));
`;
