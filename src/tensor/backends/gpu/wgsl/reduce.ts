/**
 * Reductions in WGSL: sum / max / min over any set of dims, their gradient, and argmax / argmin along
 * one dim (src/tensor/kernels/reduce.ts has the semantics). Sums accumulate in float32 where the
 * reference accumulates in float64.
 *
 * A reduction is first simplified on the host: size-1 dims dropped and neighbouring dims of the same
 * kind (both reduced, or both kept) merged, so a reduction over the middle dims of [a, b, c, d] is at
 * most three dims. Short reductions run one thread per output element; long ones one workgroup per
 * output element, its threads striding over the reduced elements and then combining in workgroup
 * memory (a tree), so a few large outputs do not each run on a single thread.
 */
import type { ArgReduceArgs, ReduceArgs, ReduceBackwardArgs, ReduceOp } from '../../../kernels/reduce';
import type { BufferId, Shader } from '../device';
import { DeviceArrays, Params } from '../device-arrays';
import { FLAT_MAIN, GROUP, GROUP_MAIN, flatGrid, groupGrid } from './grid';
import { Binding, FLOAT_BITS, cachedShader, declare, treeReduce } from './source';

/** The reduction simplified: kept and reduced dims (merged), each with its size and input stride. */
interface Plan {
  kept: { size: number; stride: number }[];
  reduced: { size: number; stride: number }[];
  outCount: number;
  reducedCount: number;
  /** For reduceBackward: the merged dims in order, with their output strides (0 where reduced). */
  all: { size: number; outStride: number }[];
}

function plan(shape: readonly number[], dims: readonly number[]): Plan {
  const merged: { size: number; reduced: boolean }[] = [];
  shape.forEach((size, d) => {
    const reduced = dims.includes(d);
    const last = merged[merged.length - 1];
    if (size === 1) return;
    if (last && last.reduced === reduced) last.size *= size;
    else merged.push({ size, reduced });
  });
  // Input strides of the merged dims (row-major), and output strides over the kept ones.
  const strides = new Array<number>(merged.length);
  let s = 1;
  for (let d = merged.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= merged[d].size;
  }
  const outStrides = new Array<number>(merged.length).fill(0);
  let o = 1;
  for (let d = merged.length - 1; d >= 0; d--) {
    if (merged[d].reduced) continue;
    outStrides[d] = o;
    o *= merged[d].size;
  }
  const kept = merged.flatMap((m, d) => (m.reduced ? [] : [{ size: m.size, stride: strides[d] }]));
  const reduced = merged.flatMap((m, d) => (m.reduced ? [{ size: m.size, stride: strides[d] }] : []));
  return {
    kept,
    reduced,
    outCount: kept.reduce((p, k) => p * k.size, 1),
    reducedCount: reduced.reduce((p, k) => p * k.size, 1),
    all: merged.map((m, d) => ({ size: m.size, outStride: outStrides[d] })),
  };
}

/** At or above this many elements per output, one workgroup reduces each output. */
const GROUP_THRESHOLD = 1024;

type ReduceMode = ReduceOp | 'hits';

// p: nOut, nRed, kk, kr, keptSizes[kk], keptStrides[kk], redSizes[kr], redStrides[kr].
const OFFSETS = `fn keptOffset(o: u32) -> u32 {
  let kk = p[2];
  var rest = o;
  var off = 0u;
  for (var d = i32(kk) - 1; d >= 0; d--) {
    let size = p[4u + u32(d)];
    off += (rest % size) * p[4u + kk + u32(d)];
    rest = rest / size;
  }
  return off;
}
fn reducedOffset(r: u32) -> u32 {
  let base = 4u + 2u * p[2];
  let kr = p[3];
  var rest = r;
  var off = 0u;
  for (var d = i32(kr) - 1; d >= 0; d--) {
    let size = p[base + u32(d)];
    off += (rest % size) * p[base + kr + u32(d)];
    rest = rest / size;
  }
  return off;
}`;

// NaN wins and then stays, as the reference (and PyTorch) do.
const COMBINE: Record<ReduceMode, string> = {
  sum: 'fn combine(a: f32, b: f32) -> f32 { return a + b; }',
  hits: 'fn combine(a: f32, b: f32) -> f32 { return a + b; }',
  max: 'fn combine(a: f32, b: f32) -> f32 { return select(a, b, b > a || (isNan(b) && !isNan(a))); }',
  min: 'fn combine(a: f32, b: f32) -> f32 { return select(a, b, b < a || (isNan(b) && !isNan(a))); }',
};
const IDENTITY: Record<ReduceMode, string> = { sum: '0.0', hits: '0.0', max: 'negInf()', min: 'posInf()' };

/** 'hits' counts the reduced elements equal to y[o] (reduceBackward's share for max and min). */
function reduceShader(mode: ReduceMode, grouped: boolean): Shader {
  return cachedShader(`reduce-${mode}-${grouped ? 'group' : 'thread'}`, () => {
    const reads: Binding[] = mode === 'hits' ? [['x', 'f32'], ['y', 'f32']] : [['x', 'f32']];
    const value = (r: string) => (mode === 'hits' ? `select(0.0, 1.0, x[base + reducedOffset(${r})] == extreme)` : `x[base + reducedOffset(${r})]`);
    const head = `${declare(reads, [['out', 'f32']])}\n${FLOAT_BITS}\n${OFFSETS}\n${COMBINE[mode]}`;
    if (!grouped) {
      return `${head}
${FLAT_MAIN}
  if (i >= p[0]) { return; }
  let base = keptOffset(i);${mode === 'hits' ? '\n  let extreme = y[i];' : ''}
  var acc = ${IDENTITY[mode]};
  for (var r = 0u; r < p[1]; r++) { acc = combine(acc, ${value('r')}); }
  out[i] = acc;
}`;
    }
    return `${head}
${treeReduce('reduceGroup', 'combine')}
${GROUP_MAIN}
  // Every thread of a workgroup takes the same branch: the barriers below stay uniform.
  if (item >= p[0]) { return; }
  let base = keptOffset(item);${mode === 'hits' ? '\n  let extreme = y[item];' : ''}
  var acc = ${IDENTITY[mode]};
  for (var r = t; r < p[1]; r += ${GROUP}u) { acc = combine(acc, ${value('r')}); }
  let total = reduceGroup(t, acc);
  if (t == 0u) { out[item] = total; }
}`;
  });
}

function reduceParams(pl: Plan): Uint32Array {
  return new Params()
    .u32(pl.outCount, pl.reducedCount, pl.kept.length, pl.reduced.length)
    .u32(...pl.kept.map((k) => k.size), ...pl.kept.map((k) => k.stride))
    .u32(...pl.reduced.map((k) => k.size), ...pl.reduced.map((k) => k.stride))
    .build();
}

/** Launches the reduction of `x` (with `y` for 'hits') into the buffer `out`. */
function launchReduce(arrays: DeviceArrays, mode: ReduceMode, pl: Plan, reads: BufferId[], out: BufferId): void {
  const grouped = pl.reducedCount >= GROUP_THRESHOLD;
  const grid = grouped ? groupGrid(pl.outCount) : flatGrid(pl.outCount);
  arrays.launch(reduceShader(mode, grouped), reads, [out], reduceParams(pl), grid);
}

export function reduce(arrays: DeviceArrays, { op, x, shape, dims, out }: ReduceArgs): void {
  const pl = plan(shape, dims);
  if (out.length === 0) return;
  // (x's length is 0 exactly when some reduced dim is 0: the output is then the identity.)
  launchReduce(arrays, op, pl, [arrays.input(x as Float32Array)], arrays.output(out));
}

// reduceBackward. p: n, rank, sizes[rank], outStrides[rank] (0 along reduced dims).
const OUT_INDEX = `fn outIndex(i: u32) -> u32 {
  let rank = p[1];
  var rest = i;
  var o = 0u;
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let size = p[2u + u32(d)];
    o += (rest % size) * p[2u + rank + u32(d)];
    rest = rest / size;
  }
  return o;
}`;

function expandShader(shared: boolean): Shader {
  return cachedShader(`reduceBackward-${shared ? 'share' : 'sum'}`, () => {
    const reads: Binding[] = shared ? [['g', 'f32'], ['x', 'f32'], ['y', 'f32'], ['hits', 'f32']] : [['g', 'f32']];
    const body = shared
      ? 'dx[i] = select(0.0, g[o] / hits[o], x[i] == y[o]);'
      : 'dx[i] = g[o];';
    return `${declare(reads, [['dx', 'f32']])}
${OUT_INDEX}
${FLAT_MAIN}
  if (i >= p[0]) { return; }
  let o = outIndex(i);
  ${body}
}`;
  });
}

export function reduceBackward(arrays: DeviceArrays, { op, g, x, y, shape, dims, dx }: ReduceBackwardArgs): void {
  const n = dx.length;
  if (n === 0) return;
  const pl = plan(shape, dims);
  const params = new Params().u32(n, pl.all.length, ...pl.all.map((d) => d.size), ...pl.all.map((d) => d.outStride)).build();
  if (op === 'sum') {
    arrays.launch(expandShader(false), [arrays.input(g)], [arrays.output(dx)], params, flatGrid(n));
    return;
  }
  if (!x || !y) throw new Error(`reduceBackward: ${op} needs the forward's input and output`);
  const xId = arrays.input(x), yId = arrays.input(y);
  // How many elements of each output's reduction equal its extreme: the gradient's share.
  const hits = arrays.scratch(pl.outCount);
  launchReduce(arrays, 'hits', pl, [xId, yId], hits);
  arrays.launch(expandShader(true), [arrays.input(g), xId, yId, hits], [arrays.output(dx)], params, flatGrid(n));
  arrays.freeScratch(hits);
}

// argReduce. p: outer, size, inner. One thread per (o, k); the first extreme wins, a NaN at once.
function argShader(largest: boolean): Shader {
  return cachedShader(`argReduce-${largest ? 'max' : 'min'}`, () => `${declare([['x', 'f32']], [['out', 'i32']])}
${FLOAT_BITS}
${FLAT_MAIN}
  let outer = p[0];
  let size = p[1];
  let inner = p[2];
  if (i >= outer * inner) { return; }
  let o = i / inner;
  let k = i % inner;
  let base = o * size * inner + k;
  var best = 0u;
  var bestValue = x[base];
  for (var s = 1u; s < size; s++) {
    if (isNan(bestValue)) { break; }
    let v = x[base + s * inner];
    if (v ${largest ? '>' : '<'} bestValue || isNan(v)) {
      best = s;
      bestValue = v;
    }
  }
  out[i] = i32(best);
}`);
}

export function argReduce(arrays: DeviceArrays, { largest, x, outer, size, inner, out }: ArgReduceArgs): void {
  const n = outer * inner;
  if (n === 0) return;
  arrays.launch(argShader(largest), [arrays.input(x as Float32Array)], [arrays.output(out)], new Params().u32(outer, size, inner).build(), flatGrid(n));
}
