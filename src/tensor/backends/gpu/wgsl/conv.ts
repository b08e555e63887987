/**
 * The convolution kernels in WGSL, as implicit GEMMs: the tiled product of gemm.ts with loads that
 * compute im2col indices on the fly, so no column matrix is ever stored.
 *
 * - forward, per group on the z axis: y[n, o, q] = sum over k of W[o, k] · col_n[k, q], k over
 *   (channel, kd, kh, kw), the product's columns over (sample n, output position q), so that layers
 *   with small frames still fill wide tiles; col read from x (zero in the padding);
 * - backward data, per group: gx[n, c, i] = sum over (o, kd, kh, kw) of W[o, c, kd, kh, kw] ·
 *   gy[n, o, q], columns over (sample, input position i), q the output position whose window puts
 *   that tap on i, where one exists (along each dim, i + pad - tap · dilation divisible by the stride
 *   and in range): a gather;
 * - backward filter, per group: gW[o, k] = sum over samples and output positions of gy · col, the
 *   sum over (sample, position) being the product's K dimension.
 * Every element of the output is written once, by one thread: no atomics, no zeroing pass.
 */
import type { ConvBackwardDataArgs, ConvBackwardFilterArgs, ConvForwardArgs, ConvShape } from '../../../kernels/conv';
import { convSizes } from '../../../kernels/conv';
import { DeviceArrays } from '../device-arrays';
import { bindings } from './source';
import { TiledProduct, launchTiled } from './gemm';

/**
 * Parameters: batch, groups, channels per group, out channels per group, input D H W (4-6), kernel
 * (7-9), stride (10-12), padding (13-15), dilation (16-18), output (19-21), zBase (22), and the samples
 * this launch covers: the first (23) and how many (24).
 */
function convParams(s: ConvShape, zBase: number, samples: { first: number; count: number }): Uint32Array {
  const geo = s.geometry;
  return Uint32Array.from([
    s.batch, s.groups, geo.channels, s.outChannels / s.groups,
    ...geo.input, ...geo.kernel, ...geo.stride, ...geo.padding, ...geo.dilation, ...geo.output, zBase,
    samples.first, samples.count,
  ]);
}

/**
 * A dispatch spans at most 65535 x 64 product columns, so the samples go in launches of as many as
 * fit. (A field, so that a test can lower it to see several launches on small inputs.)
 */
export const convLaunchLimit = { columns: 65535 * 64 };

function forEachSampleRun(batch: number, columnsPerSample: number, launch: (samples: { first: number; count: number }) => void): void {
  const perLaunch = Math.max(1, Math.floor(convLaunchLimit.columns / Math.max(1, columnsPerSample)));
  for (let first = 0; first < batch; first += perLaunch) launch({ first, count: Math.min(perLaunch, batch - first) });
}

/** The sizes every convolution shader starts from (as WGSL lets). */
const SIZES = `let NB = p[0];
  let G = p[1];
  let cg = p[2];
  let og = p[3];
  let D = p[4];
  let H = p[5];
  let W = p[6];
  let KD = p[7];
  let KH = p[8];
  let KW = p[9];
  let OD = p[19];
  let OH = p[20];
  let OW = p[21];
  let kvol = KD * KH * KW;
  let rows = cg * kvol;
  let cols = OD * OH * OW;
  let inVol = D * H * W;
  let C = G * cg;
  let O = G * og;
  let z = wid.z + p[22];
  let n0 = p[23];
  let NS = p[24];
  let itemCount = 1u;`;

/**
 * WGSL: col[r, q] of the sample and group whose channels start at x[base]: row r = (channel, kd, kh,
 * kw), output position q = (od, oh, ow); zero where the window reads padding.
 */
const COLUMN = `fn inputAt(o: u32, tap: u32, dim: u32) -> i32 {
  return i32(o * p[10u + dim] + tap * p[16u + dim]) - i32(p[13u + dim]);
}

fn colValue(base: u32, r: u32, q: u32) -> f32 {
  let kvol = p[7] * p[8] * p[9];
  let c = r / kvol;
  let kr = r % kvol;
  let id = inputAt(q / (p[20] * p[21]), kr / (p[8] * p[9]), 0u);
  let ih = inputAt((q / p[21]) % p[20], (kr / p[9]) % p[8], 1u);
  let iw = inputAt(q % p[21], kr % p[9], 2u);
  if (id < 0 || ih < 0 || iw < 0 || id >= i32(p[4]) || ih >= i32(p[5]) || iw >= i32(p[6])) { return 0.0; }
  return x[base + ((c * p[4] + u32(id)) * p[5] + u32(ih)) * p[6] + u32(iw)];
}`;

/** WGSL: along `dim`, the output index whose window puts kernel tap `tap` on input index i, or -1. */
const OUTPUT_AT = `fn outputAt(i: u32, tap: u32, dim: u32) -> i32 {
  let t = i32(i + p[13u + dim]) - i32(tap * p[16u + dim]);
  if (t < 0) { return -1; }
  let s = i32(p[10u + dim]);
  if (t % s != 0) { return -1; }
  let o = t / s;
  if (o >= i32(p[19u + dim])) { return -1; }
  return o;
}`;

const FORWARD: TiledProduct = {
  key: 'conv-forward',
  declarations: `${bindings(['x', 'w'], ['y'])}\n${COLUMN}`,
  setup: `${SIZES}
  let g = z;
  let M = og;
  let N = NS * cols;
  let K = rows;
  let wBase = g * og * rows;`,
  // Column gc is output position gc % cols of sample n0 + gc / cols.
  loadA: 'v = w[wBase + gr * K + gk];',
  loadB: 'v = colValue(((n0 + gc / cols) * C + g * cg) * inVol, gk, gc % cols);',
  store: 'y[((n0 + gc / cols) * O + g * og + gr) * cols + gc % cols] = value;',
  aAlongK: true,
  bAlongN: true,
};

const BACKWARD_DATA: TiledProduct = {
  key: 'conv-backward-data',
  declarations: `${bindings(['gy', 'w'], ['gx'])}\n${OUTPUT_AT}`,
  setup: `${SIZES}
  let g = z;
  let M = cg;
  let N = NS * inVol;
  let K = og * kvol;
  let wBase = g * og * rows;`,
  // op(A)[c, (o, tap)] = W[o, c, tap]; op(B)[(o, tap), (n, i)] = gy[n, o, the output position for
  // (i, tap)]. Column gc is input position gc % inVol of sample n0 + gc / inVol.
  loadA: 'v = w[wBase + (gk / kvol) * rows + gr * kvol + gk % kvol];',
  loadB: `let kr = gk % kvol;
            let i = gc % inVol;
            let od = outputAt(i / (H * W), kr / (KH * KW), 0u);
            let oh = outputAt((i / W) % H, (kr / KW) % KH, 1u);
            let ow = outputAt(i % W, kr % KW, 2u);
            if (od >= 0 && oh >= 0 && ow >= 0) {
              v = gy[((n0 + gc / inVol) * O + g * og + gk / kvol) * cols + (u32(od) * OH + u32(oh)) * OW + u32(ow)];
            }`,
  store: 'gx[((n0 + gc / inVol) * C + g * cg + gr) * inVol + gc % inVol] = value;',
  aAlongK: true,
  bAlongN: true,
};

const BACKWARD_FILTER: TiledProduct = {
  key: 'conv-backward-filter',
  declarations: `${bindings(['x', 'gy'], ['gw'])}\n${COLUMN}`,
  setup: `${SIZES}
  let g = z;
  let M = og;
  let N = rows;
  let K = NB * cols;`,
  // K runs over (sample, output position): op(A) = gy of the group, op(B) = the sample's col^T.
  loadA: 'v = gy[((gk / cols) * O + g * og + gr) * cols + gk % cols];',
  loadB: 'v = colValue(((gk / cols) * C + g * cg) * inVol, gc, gk % cols);',
  store: 'gw[(g * og + gr) * rows + gc] = value;',
  aAlongK: true,
  bAlongN: false,
};

export function convForward(arrays: DeviceArrays, args: ConvForwardArgs): void {
  const { N, G, og, cols } = convSizes(args);
  if (args.y.length === 0) return;
  const reads = [arrays.input(args.x), arrays.input(args.w)];
  const writes = [arrays.output(args.y)];
  forEachSampleRun(N, cols, (samples) =>
    launchTiled(arrays, FORWARD, reads, writes, og, samples.count * cols, G, (zBase) => convParams(args, zBase, samples)));
}

export function convBackwardData(arrays: DeviceArrays, args: ConvBackwardDataArgs): void {
  const { N, G, cg, inVolume } = convSizes(args);
  if (args.gx.length === 0) return;
  const reads = [arrays.input(args.gy), arrays.input(args.w)];
  const writes = [arrays.output(args.gx)];
  forEachSampleRun(N, inVolume, (samples) =>
    launchTiled(arrays, BACKWARD_DATA, reads, writes, cg, samples.count * inVolume, G, (zBase) => convParams(args, zBase, samples)));
}

export function convBackwardFilter(arrays: DeviceArrays, args: ConvBackwardFilterArgs): void {
  const { N, G, og, rows } = convSizes(args);
  if (args.gw.length === 0) return;
  const reads = [arrays.input(args.x), arrays.input(args.gy)];
  const writes = [arrays.output(args.gw)];
  launchTiled(arrays, BACKWARD_FILTER, reads, writes, og, rows, G, (zBase) => convParams(args, zBase, { first: 0, count: N }));
}
