/**
 * The program of the worker thread that owns the WebGPU device (device.ts is the other side).
 *
 * Why a worker: WebGPU answers reads only through Promises, but tensors' API is synchronous. The
 * main thread posts batches of commands and carries on; only a read (or a check for errors) makes
 * it sleep in Atomics.wait until this worker has run everything before it and stored the answer.
 * It is plain JavaScript in a string for the reason given in worker-source.ts (no loader needed).
 *
 * Commands, run strictly in order (each message is an array of them):
 *   { t: 'create', id, bytes }                     a storage buffer (from the pool of freed ones)
 *   { t: 'write', id, data }                        data: an ArrayBuffer of 32-bit words
 *   { t: 'run', key, code, ids, reads, params, groups }
 *                                                   a compute shader: binding 0 is `params` (u32
 *                                                   words), bindings 1.. the buffers `ids`, the first
 *                                                   `reads` of them read-only
 *   { t: 'copy', from, to, bytes }
 *   { t: 'free', id }                               back to the pool
 *   { t: 'read', id, bytes, data }                  answers: the words, into the shared `data`
 *   { t: 'sync' }                                   answers: DONE, or FAILED with the first error
 * Errors (a shader that does not compile, validation) are kept and answered at the next read or sync:
 * as with CUDA, work runs ahead of the host and reports there.
 */

import { DONE, FAILED, FIRST_OWN_SLOT, answerSource } from './worker-protocol';

/** The worker's own slot of `control`, set by the main thread as its process exits: the worker then runs nothing more. */
export const CLOSING = FIRST_OWN_SLOT;
export const CONTROL_SLOTS = FIRST_OWN_SLOT + 1;

export const DEVICE_WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('worker_threads');
const control = new Int32Array(workerData.control);
const text = new Uint8Array(workerData.text);
let instance = null;
let device = null;
let firstError = null;
const buffers = new Map();      // id -> GPUBuffer
const pool = new Map();         // bytes -> [GPUBuffer]
const pipelines = new Map();    // key -> GPUComputePipeline
let encoder = null;
let pass = null;
let spent = [];                 // parameter buffers to destroy once their work is submitted
let staging = null;

${answerSource()}

// Answers a read or sync; an error is reported once, and the device goes on with later work.
function report() {
  if (firstError === null) return answer(${DONE});
  const words = firstError;
  firstError = null;
  answer(${FAILED}, words);
}

function keepError(error) {
  if (firstError === null) firstError = error && error.message ? error.message : String(error);
}

// Buffer sizes are rounded up so that freed buffers fit later requests of similar size.
function pooledSize(bytes) {
  const b = Math.max(bytes, 16);
  if (b <= 4096) return Math.ceil(b / 256) * 256;
  const step = 2 ** Math.max(12, Math.floor(Math.log2(b)) - 2);
  return Math.ceil(b / step) * step;
}

function submit() {
  if (pass) { pass.end(); pass = null; }
  if (encoder) {
    device.queue.submit([encoder.finish()]);
    encoder = null;
  }
  for (const b of spent) b.destroy();
  spent = [];
}

function computePass() {
  if (!encoder) encoder = device.createCommandEncoder();
  if (!pass) pass = encoder.beginComputePass();
  return pass;
}

// An explicit layout (params and \`reads\` read-only, the rest writable) rather than 'auto', which
// would leave out bindings a shader variant happens not to use.
function pipeline(key, code, reads, writes) {
  let p = pipelines.get(key);
  if (!p) {
    const entries = [];
    for (let b = 0; b <= reads + writes; b++) {
      entries.push({ binding: b, visibility: GPUShaderStage.COMPUTE, buffer: { type: b <= reads ? 'read-only-storage' : 'storage' } });
    }
    const layout = device.createPipelineLayout({ bindGroupLayouts: [device.createBindGroupLayout({ entries })] });
    const module = device.createShaderModule({ code, label: key });
    p = device.createComputePipeline({ layout, compute: { module, entryPoint: 'main' }, label: key });
    pipelines.set(key, p);
  }
  return p;
}

const handlers = {
  create(c) {
    const size = pooledSize(c.bytes);
    const free = pool.get(size);
    const buffer = free && free.length ? free.pop() : device.createBuffer({
      size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    buffers.set(c.id, buffer);
  },
  write(c) {
    // Queue writes run before the commands still being recorded: submit those first, so that a
    // buffer taken from the pool is not overwritten before earlier work has read it.
    submit();
    device.queue.writeBuffer(buffers.get(c.id), 0, c.data);
  },
  run(c) {
    const p = pipeline(c.key, c.code, c.reads, c.ids.length - c.reads);
    const params = device.createBuffer({ size: Math.max(16, c.params.byteLength), usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
    new Uint32Array(params.getMappedRange()).set(c.params);
    params.unmap();
    spent.push(params);
    const entries = [{ binding: 0, resource: { buffer: params } }];
    c.ids.forEach((id, i) => {
      const buffer = buffers.get(id);
      if (!buffer) throw new Error(c.key + ': buffer ' + id + ' does not exist (freed?)');
      entries.push({ binding: i + 1, resource: { buffer } });
    });
    const group = device.createBindGroup({ layout: p.getBindGroupLayout(0), entries });
    const compute = computePass();
    compute.setPipeline(p);
    compute.setBindGroup(0, group);
    compute.dispatchWorkgroups(c.groups[0], c.groups[1], c.groups[2]);
  },
  copy(c) {
    if (pass) { pass.end(); pass = null; }
    if (!encoder) encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffers.get(c.from), 0, buffers.get(c.to), 0, c.bytes);
  },
  free(c) {
    const buffer = buffers.get(c.id);
    if (!buffer) return;
    buffers.delete(c.id);
    const list = pool.get(buffer.size) || [];
    list.push(buffer);
    pool.set(buffer.size, list);
  },
};

async function read(c) {
  const size = Math.max(16, Math.ceil(c.bytes / 4) * 4);
  if (!staging || staging.size < size) {
    if (staging) staging.destroy();
    staging = device.createBuffer({ size: pooledSize(size), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }
  if (pass) { pass.end(); pass = null; }
  if (!encoder) encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffers.get(c.id), 0, staging, 0, size);
  submit();
  await staging.mapAsync(GPUMapMode.READ, 0, size);
  new Uint8Array(c.data).set(new Uint8Array(staging.getMappedRange(0, size)).subarray(0, c.bytes));
  staging.unmap();
}

async function handle(batch) {
  for (const c of batch) {
    // Calling into Dawn while Node tears the process down aborts it: once the main thread is exiting,
    // queued work (typically frees of collected arrays) is dropped.
    if (Atomics.load(control, ${CLOSING}) !== 0) return;
    try {
      if (c.t === 'read') {
        if (firstError === null) await read(c);
        report();
      } else if (c.t === 'sync') {
        submit();
        await device.queue.onSubmittedWorkDone();
        report();
      } else {
        handlers[c.t](c);
      }
    } catch (error) {
      keepError(error);
      if (c.t === 'read' || c.t === 'sync') report();
    }
  }
  // Work posted without a read behind it still has to start.
  if (encoder) submit();
}

let chain = Promise.resolve();

async function start() {
  const { create, globals } = require(workerData.dawnPath);
  Object.assign(globalThis, globals);
  // The instance must outlive the device: once collected, Dawn frees what the device still uses.
  instance = create([]);
  const adapter = await instance.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('the webgpu package loaded but found no adapter (is a Vulkan driver installed?)');
  device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
    },
  });
  device.onuncapturederror = (event) => keepError(event.error);
  const info = adapter.info || {};
  return JSON.stringify({
    vendor: info.vendor || '', architecture: info.architecture || '', device: info.device || '',
    description: info.description || '', fallback: Boolean(adapter.isFallbackAdapter || info.isFallbackAdapter),
    maxBufferBytes: Number(device.limits.maxStorageBufferBindingSize),
  });
}

start().then(
  (description) => {
    parentPort.on('message', (batch) => { chain = chain.then(() => handle(batch)); });
    answer(${DONE}, description);
  },
  (error) => answer(${FAILED}, error && error.message ? error.message : String(error)),
);
`;
