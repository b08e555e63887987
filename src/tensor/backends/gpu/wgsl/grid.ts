/**
 * The two launch shapes of the WGSL kernels. A dispatch has at most 65535 workgroups along each
 * axis, so large counts spread over a 2-D grid, and the entry points below recover the index.
 *
 * - Flat: one thread per element, WORKGROUP threads to a workgroup (`FLAT_MAIN` defines `i`).
 * - Per item: one workgroup of GROUP threads per item (a channel, an output of a long reduction),
 *   reducing in workgroup memory (`GROUP_MAIN` defines `item` and the thread's `t`).
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

/** Threads per workgroup of the workgroup reductions (a power of two, for the tree). */
export const GROUP = 256;

/** The grid of one workgroup per item, for `items` items (2-D past 65535). */
export function groupGrid(items: number): [number, number, number] {
  const n = Math.max(1, items);
  if (n <= MAX_GROUPS) return [n, 1, 1];
  return [MAX_GROUPS, Math.ceil(n / MAX_GROUPS), 1];
}

/** WGSL: the entry point of a workgroup-per-item kernel: `item` is the workgroup's item, `t` the thread's index in it. */
export const GROUP_MAIN = `@compute @workgroup_size(${GROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) t: u32) {
  let item = wid.x + wid.y * groups.x;`;
