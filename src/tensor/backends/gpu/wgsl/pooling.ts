/**
 * 2-D max and average pooling in WGSL over `planes` contiguous [inH, inW] planes.
 *
 * The windows of each dim are worked out on the host (the reference's maxWindows / the given Windows)
 * and passed in the parameters, so the shaders use exactly the reference's bounds and divisors.
 * Forwards: one thread per output value. Backwards are gathers, one thread per input value, adding the
 * gradients of the outputs that reach it in increasing output order (the order of the reference's
 * scatter), so max pooling's gradient agrees exactly.
 */
import type {
  AverageRule, AvgPool2dArgs, AvgPool2dBackwardArgs, MaxPool2dArgs, MaxPool2dBackwardArgs, Windows,
} from '../../../kernels/pooling';
import { axisWindows } from '../../../kernels/pooling';
import type { Shader } from '../device';
import { DeviceArrays, Params } from '../device-arrays';
import { FLAT_MAIN, flatGrid } from './grid';
import { PARAMS, bindings } from './source';

/** WGSL: whether v is a NaN, by its bits (a comparison v != v may be folded away). */
const IS_NAN = 'fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }';

// Parameters: n, inH, inW, outH, outW, dH, dW, then as i32 rows.lo[outH], rows.hi[outH],
// columns.lo[outW], columns.hi[outW].
const MAX_POOL: Shader = {
  key: 'maxPool2d',
  code: `${PARAMS}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> picked: array<i32>;
${IS_NAN}
${FLAT_MAIN}
  if (i >= p[0]) { return; }
  let inW = i32(p[2]);
  let outH = p[3];
  let outW = p[4];
  let dH = i32(p[5]);
  let dW = i32(p[6]);
  let ow = i % outW;
  let oh = (i / outW) % outH;
  let base = (i / (outW * outH)) * p[1] * p[2];
  let h0 = bitcast<i32>(p[7u + oh]);
  let h1 = bitcast<i32>(p[7u + outH + oh]);
  let w0 = bitcast<i32>(p[7u + 2u * outH + ow]);
  let w1 = bitcast<i32>(p[7u + 2u * outH + outW + ow]);
  // -Infinity from its bits, in a var: not allowed as a constant.
  var negInf = 0xff800000u;
  var best = bitcast<f32>(negInf);
  var bestIndex = -1;
  if (h0 < h1 && w0 < w1) { bestIndex = h0 * inW + w0; }
  for (var h = h0; h < h1; h += dH) {
    for (var w = w0; w < w1; w += dW) {
      let v = x[base + u32(h * inW + w)];
      // A NaN replaces what came before, as the reference (and PyTorch).
      if (v > best || isNan(v)) {
        best = v;
        bestIndex = h * inW + w;
      }
    }
  }
  out[i] = best;
  picked[i] = bestIndex;
}`,
};

function windowWords(w: Windows, withPadded: boolean): number[] {
  return withPadded ? [...w.lo, ...w.hi, ...w.padded] : [...w.lo, ...w.hi];
}

export function maxPool2d(arrays: DeviceArrays, args: MaxPool2dArgs): void {
  const outH = args.rows.out, outW = args.columns.out;
  const n = args.planes * outH * outW;
  if (n === 0) return;
  const rows = axisWindows(args.inH, args.rows), columns = axisWindows(args.inW, args.columns);
  const params = new Params().u32(n, args.inH, args.inW, outH, outW, args.rows.dilation, args.columns.dilation,
    ...windowWords(rows, false), ...windowWords(columns, false)).build();
  const x = arrays.input(args.x as never);
  arrays.launch(MAX_POOL, [x], [arrays.output(args.out), arrays.output(args.indices)], params, flatGrid(n));
}

/*
 * Max pooling's backward takes no window geometry, only the picked indices, so the outputs that reach
 * an input value are found on the device: a first pass records, for every picked input value, the first
 * and last output that picked it (integer atomics on a zeroed scratch buffer: outPlane - o and o + 1
 * by atomicMax, 0 meaning none); the gather then scans that output range for indices equal to its own.
 */

// Parameters: words. Zeroes the scratch buffer (pooled buffers come back with old contents).
const ZERO: Shader = {
  key: 'zero-u32',
  code: `${bindings([], ['words'], 'u32')}
${FLAT_MAIN}
  if (i >= p[0]) { return; }
  words[i] = 0u;
}`,
};

// Parameters: n (planes * outPlane), outPlane, inPlane, total (planes * inPlane).
const MAX_POOL_SPANS: Shader = {
  key: 'maxPool2dBackward-spans',
  code: `${PARAMS}
@group(0) @binding(1) var<storage, read> picked: array<i32>;
@group(0) @binding(2) var<storage, read_write> spans: array<atomic<u32>>;
${FLAT_MAIN}
  if (i >= p[0]) { return; }
  let k = picked[i];
  if (k < 0) { return; }
  let outPlane = p[1];
  let o = i % outPlane;
  let at = (i / outPlane) * p[2] + u32(k);
  atomicMax(&spans[at], outPlane - o);
  atomicMax(&spans[p[3] + at], o + 1u);
}`,
};

// Parameters: total (planes * inPlane), outPlane, inPlane.
const MAX_POOL_BACKWARD: Shader = {
  key: 'maxPool2dBackward',
  code: `${PARAMS}
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read> picked: array<i32>;
@group(0) @binding(3) var<storage, read> spans: array<u32>;
@group(0) @binding(4) var<storage, read_write> gx: array<f32>;
${FLAT_MAIN}
  let total = p[0];
  if (i >= total) { return; }
  let first = spans[i];
  if (first == 0u) { return; }
  let outPlane = p[1];
  let inPlane = p[2];
  let own = i32(i % inPlane);
  let base = (i / inPlane) * outPlane;
  var acc = gx[i];
  for (var o = outPlane - first; o < spans[total + i]; o++) {
    if (picked[base + o] == own) { acc += grad[base + o]; }
  }
  gx[i] = acc;
}`,
};

export function maxPool2dBackward(arrays: DeviceArrays, args: MaxPool2dBackwardArgs): void {
  const inPlane = args.inH * args.inW;
  const total = args.planes * inPlane;
  const n = args.planes * args.outPlane;
  if (total === 0 || n === 0) return;
  const spans = arrays.scratch(2 * total);
  arrays.launch(ZERO, [], [spans], new Params().u32(2 * total).build(), flatGrid(2 * total));
  const picked = arrays.input(args.indices);
  arrays.launch(MAX_POOL_SPANS, [picked], [spans], new Params().u32(n, args.outPlane, inPlane, total).build(), flatGrid(n));
  const params = new Params().u32(total, args.outPlane, inPlane).build();
  arrays.launch(MAX_POOL_BACKWARD, [arrays.input(args.grad as never), picked, spans], [arrays.inout(args.gx)], params, flatGrid(total));
  arrays.freeScratch(spans);
}

/** The divisor rule as parameter words: mode (0 a fixed divisor, 1 the padded area, 2 the count), divisor. */
function ruleWords(rule: AverageRule): Params {
  const mode = rule.divisor !== undefined ? 0 : rule.countPadded ? 1 : 2;
  return new Params().u32(mode).f32(rule.divisor ?? 1);
}

// WGSL shared by the average-pooling shaders: parameters from p[1]: inH, inW, outH, outW, mode, divisor,
// then as i32 rows.lo, rows.hi, rows.padded [outH each], columns.lo, columns.hi, columns.padded [outW each].
const AVG_COMMON = `fn rowLo(oh: u32) -> i32 { return bitcast<i32>(p[7u + oh]); }
fn rowHi(oh: u32) -> i32 { return bitcast<i32>(p[7u + p[3] + oh]); }
fn colLo(ow: u32) -> i32 { return bitcast<i32>(p[7u + 3u * p[3] + ow]); }
fn colHi(ow: u32) -> i32 { return bitcast<i32>(p[7u + 3u * p[3] + p[4] + ow]); }
fn divisor(oh: u32, ow: u32) -> f32 {
  let mode = p[5];
  if (mode == 0u) { return bitcast<f32>(p[6]); }
  if (mode == 1u) {
    let rows = bitcast<i32>(p[7u + 2u * p[3] + oh]);
    let cols = bitcast<i32>(p[7u + 3u * p[3] + 2u * p[4] + ow]);
    return f32(rows * cols);
  }
  return f32((rowHi(oh) - rowLo(oh)) * (colHi(ow) - colLo(ow)));
}`;

// Parameters: n, then AVG_COMMON's.
const AVG_POOL: Shader = {
  key: 'avgPool2d',
  code: `${bindings(['x'], ['out'])}
${AVG_COMMON}
${FLAT_MAIN}
  if (i >= p[0]) { return; }
  let inW = i32(p[2]);
  let outH = p[3];
  let outW = p[4];
  let ow = i % outW;
  let oh = (i / outW) % outH;
  let base = (i / (outW * outH)) * p[1] * p[2];
  let h0 = rowLo(oh);
  let h1 = rowHi(oh);
  let w0 = colLo(ow);
  let w1 = colHi(ow);
  if (h0 >= h1 || w0 >= w1) {
    out[i] = 0.0;
    return;
  }
  var sum = 0.0;
  for (var h = h0; h < h1; h++) {
    for (var w = w0; w < w1; w++) { sum += x[base + u32(h * inW + w)]; }
  }
  out[i] = sum / divisor(oh, ow);
}`,
};

export function avgPool2d(arrays: DeviceArrays, args: AvgPool2dArgs): void {
  const outH = args.rows.lo.length, outW = args.columns.lo.length;
  const n = args.planes * outH * outW;
  if (n === 0) return;
  const params = new Params().u32(n, args.inH, args.inW, outH, outW).u32(...ruleWords(args.rule).build())
    .u32(...windowWords(args.rows, true), ...windowWords(args.columns, true)).build();
  arrays.launch(AVG_POOL, [arrays.input(args.x as never)], [arrays.output(args.out)], params, flatGrid(n));
}

/**
 * For each input index along one dim, the range [first, end) of outputs whose window [lo, hi) holds
 * it (empty as [0, 0)). Windows of both kinds move forward with the output index, so that range holds
 * exactly those outputs; the shader checks each anyway.
 */
function reach(size: number, w: Windows): { first: Int32Array; end: Int32Array } {
  const first = new Int32Array(size).fill(-1), end = new Int32Array(size);
  for (let o = 0; o < w.lo.length; o++) {
    for (let k = Math.max(w.lo[o], 0); k < Math.min(w.hi[o], size); k++) {
      if (first[k] < 0) first[k] = o;
      end[k] = o + 1;
    }
  }
  for (let k = 0; k < size; k++) if (first[k] < 0) first[k] = 0;
  return { first, end };
}

// Parameters: total (planes * inH * inW), AVG_COMMON's, then (at reachAt) the reach of each input
// row, first[inH] and end[inH], and of each input column, first[inW] and end[inW].
const AVG_POOL_BACKWARD: Shader = {
  key: 'avgPool2dBackward',
  code: `${bindings(['grad'], ['gx'])}
${AVG_COMMON}
${FLAT_MAIN}
  if (i >= p[0]) { return; }
  let inH = p[1];
  let inW = p[2];
  let outH = p[3];
  let outW = p[4];
  let reachAt = 7u + 3u * outH + 3u * outW;
  let w = i % inW;
  let h = (i / inW) % inH;
  let base = (i / (inW * inH)) * outH * outW;
  let oh0 = p[reachAt + h];
  let oh1 = p[reachAt + inH + h];
  let ow0 = p[reachAt + 2u * inH + w];
  let ow1 = p[reachAt + 2u * inH + inW + w];
  var acc = gx[i];
  for (var oh = oh0; oh < oh1; oh++) {
    if (i32(h) < rowLo(oh) || i32(h) >= rowHi(oh)) { continue; }
    for (var ow = ow0; ow < ow1; ow++) {
      if (i32(w) < colLo(ow) || i32(w) >= colHi(ow)) { continue; }
      acc += grad[base + oh * outW + ow] / divisor(oh, ow);
    }
  }
  gx[i] = acc;
}`,
};

export function avgPool2dBackward(arrays: DeviceArrays, args: AvgPool2dBackwardArgs): void {
  const outH = args.rows.lo.length, outW = args.columns.lo.length;
  const total = args.planes * args.inH * args.inW;
  if (total === 0 || outH * outW === 0) return;
  const rowReach = reach(args.inH, args.rows), columnReach = reach(args.inW, args.columns);
  const params = new Params().u32(total, args.inH, args.inW, outH, outW).u32(...ruleWords(args.rule).build())
    .u32(...windowWords(args.rows, true), ...windowWords(args.columns, true))
    .u32(...rowReach.first, ...rowReach.end, ...columnReach.first, ...columnReach.end).build();
  arrays.launch(AVG_POOL_BACKWARD, [arrays.input(args.grad as never)], [arrays.inout(args.gx)], params, flatGrid(total));
}
