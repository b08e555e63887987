/**
 * One thread per element, for kernels over n elements. A dispatch has at most 65535 workgroups along
 * each axis, so large n spreads over a 2-D grid; `FLAT_INDEX` recovers the element's index from it.
 */
export const WORKGROUP = 64;
const MAX_GROUPS = 65535;

/** The workgroup grid covering `threads` threads of WORKGROUP each. */
export function flatGrid(threads: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(threads / WORKGROUP));
  if (groups <= MAX_GROUPS) return [groups, 1, 1];
  return [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS), 1];
}

/** WGSL: the entry point's signature for a flat kernel, and `i`, the thread's element index. */
export const FLAT_MAIN = `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * ${WORKGROUP}u;`;

/** WGSL: the parameter words every kernel gets at binding 0. */
export const PARAMS = '@group(0) @binding(0) var<storage, read> p: array<u32>;';

/** WGSL declarations of read-only float arrays at bindings 1.. and then writable ones. */
export function bindings(reads: readonly string[], writes: readonly string[], type = 'f32'): string {
  const lines = [PARAMS];
  reads.forEach((name, i) => lines.push(`@group(0) @binding(${i + 1}) var<storage, read> ${name}: array<${type}>;`));
  writes.forEach((name, i) => lines.push(`@group(0) @binding(${reads.length + i + 1}) var<storage, read_write> ${name}: array<${type}>;`));
  return lines.join('\n');
}
