/**
 * Embedding lookup in WGSL. The forward gathers rows, one thread per output value (exact). The
 * backward adds each lookup's gradient row into the table's gradient; without float atomics it is a
 * gather: the host groups the lookups by row (the indices are small host data),
 * then one thread per (looked-up row, column) adds that row's lookups in index order, as the
 * reference does, so the float32 sums agree exactly.
 */
import type { TypedArray } from '../../../dtype';
import type { EmbeddingArgs, EmbeddingBackwardArgs } from '../../../kernels/embedding';
import { syncToHost } from '../../../residency';
import type { Shader } from '../device';
import { DeviceArrays, Params } from '../device-arrays';
import { FLAT_MAIN, flatGrid } from './grid';
import { PARAMS } from './source';

/** The indices as an Int32Array: as given when they are one (on the device they are i32 words). */
function int32Indices(indices: ArrayLike<number>): Int32Array {
  if (indices instanceof Int32Array) return indices;
  return Int32Array.from(ArrayBuffer.isView(indices) ? syncToHost(indices as unknown as TypedArray) : indices);
}

// Parameters: count (lookups * dim), dim.
const EMBEDDING: Shader = {
  key: 'embedding',
  code: `${PARAMS}
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read> indices: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${FLAT_MAIN}
  if (i >= p[0]) { return; }
  let dim = p[1];
  let row = u32(indices[i / dim]);
  out[i] = weight[row * dim + i % dim];
}`,
};

// Parameters: count (looked-up rows * dim), dim. rows[u]: the u-th looked-up row; its lookups are
// lookups[starts[u] .. starts[u + 1]), in increasing order.
const EMBEDDING_BACKWARD: Shader = {
  key: 'embeddingBackward',
  code: `${PARAMS}
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> rows: array<i32>;
@group(0) @binding(3) var<storage, read> starts: array<i32>;
@group(0) @binding(4) var<storage, read> lookups: array<i32>;
@group(0) @binding(5) var<storage, read_write> gw: array<f32>;
${FLAT_MAIN}
  if (i >= p[0]) { return; }
  let dim = p[1];
  let u = i / dim;
  let j = i % dim;
  let at = u32(rows[u]) * dim + j;
  var acc = gw[at];
  for (var k = starts[u]; k < starts[u + 1u]; k++) {
    acc += g[u32(lookups[k]) * dim + j];
  }
  gw[at] = acc;
}`,
};

export function embedding(arrays: DeviceArrays, { weight, indices, dim, out }: EmbeddingArgs): void {
  const count = indices.length * dim;
  if (count === 0) return;
  const params = new Params().u32(count, dim).build();
  const reads = [arrays.input(weight), arrays.input(int32Indices(indices))];
  arrays.launch(EMBEDDING, reads, [arrays.output(out)], params, flatGrid(count));
}

export function embeddingBackward(arrays: DeviceArrays, { g, indices, dim, paddingIdx, gw }: EmbeddingBackwardArgs): void {
  // Grouped on the host: brought back first if a device kernel wrote them.
  const index = int32Indices(indices instanceof Int32Array ? syncToHost(indices) : indices);
  // The lookups grouped by row (rows in order of first lookup), skipping paddingIdx; each row's
  // lookups stay in increasing order.
  const counts = new Map<number, number>();
  for (const row of index) if (row !== paddingIdx) counts.set(row, (counts.get(row) ?? 0) + 1);
  if (counts.size === 0 || dim === 0) return;
  const rows = Int32Array.from(counts.keys());
  const starts = new Int32Array(rows.length + 1);
  const slot = new Map<number, number>();
  rows.forEach((row, u) => {
    starts[u + 1] = starts[u] + counts.get(row)!;
    slot.set(row, starts[u]);
  });
  const lookups = new Int32Array(starts[rows.length]);
  index.forEach((row, i) => {
    if (row === paddingIdx) return;
    const at = slot.get(row)!;
    lookups[at] = i;
    slot.set(row, at + 1);
  });
  const count = rows.length * dim;
  const temporaries = [rows, starts, lookups].map((words) => arrays.scratch(words.length, words));
  const params = new Params().u32(count, dim).build();
  arrays.launch(EMBEDDING_BACKWARD, [arrays.input(g as never), ...temporaries], [arrays.inout(gw)], params, flatGrid(count));
  arrays.freeScratch(...temporaries);
}
