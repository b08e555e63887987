/**
 * The per-channel bias of conv and linear layers in WGSL, over [n, c, volume]: the forward adds in
 * place with one thread per element; the backward sums each channel's gradient with one workgroup per
 * channel (threads stride over the channel's n * volume values, then a tree reduction in workgroup
 * memory), or, when a channel has few values, with one thread per channel summing them in order.
 * The reference sums in a JS number; this sums in float32, in another order.
 */
import type { ChannelBiasArgs, ChannelBiasBackwardArgs } from '../../../kernels/bias';
import type { Shader } from '../device';
import { DeviceArrays, Params } from '../device-arrays';
import { FLAT_MAIN, flatGrid } from './grid';
import { bindings } from './source';

// Parameters: count, c, volume.
const BIAS: Shader = {
  key: 'channelBias',
  code: `${bindings(['bias'], ['out'])}
${FLAT_MAIN}
  if (i >= p[0]) { return; }
  out[i] = out[i] + bias[(i / p[2]) % p[1]];
}`,
};

const REDUCE_THREADS = 256;
const MAX_GROUPS = 65535;

// Parameters: n, c, volume. Workgroup (x + y * groups.x) sums channel ch.
const BIAS_BACKWARD: Shader = {
  key: 'channelBiasBackward',
  code: `${bindings(['g'], ['gb'])}
var<workgroup> partial: array<f32, ${REDUCE_THREADS}>;
@compute @workgroup_size(${REDUCE_THREADS})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) groups: vec3u) {
  let n = p[0];
  let c = p[1];
  let volume = p[2];
  let ch = wid.x + wid.y * groups.x;
  // The whole workgroup leaves together, so the barriers below stay uniform.
  if (ch >= c) { return; }
  let count = n * volume;
  var acc = 0.0;
  for (var k = t; k < count; k += ${REDUCE_THREADS}u) {
    let sample = k / volume;
    acc += g[(sample * c + ch) * volume + k % volume];
  }
  partial[t] = acc;
  workgroupBarrier();
  for (var half = ${REDUCE_THREADS / 2}u; half > 0u; half = half / 2u) {
    if (t < half) { partial[t] = partial[t] + partial[t + half]; }
    workgroupBarrier();
  }
  if (t == 0u) { gb[ch] = partial[0]; }
}`,
};

/** At most this many values per channel: one thread per channel rather than a workgroup. */
const SERIAL_MAX = 64;

// Parameters: n, c, volume. Thread ch sums channel ch, samples in order and each run in order.
const BIAS_BACKWARD_SERIAL: Shader = {
  key: 'channelBiasBackward-serial',
  code: `${bindings(['g'], ['gb'])}
${FLAT_MAIN}
  let n = p[0];
  let c = p[1];
  let volume = p[2];
  if (i >= c) { return; }
  var acc = 0.0;
  for (var sample = 0u; sample < n; sample++) {
    let start = (sample * c + i) * volume;
    for (var k = start; k < start + volume; k++) { acc += g[k]; }
  }
  gb[i] = acc;
}`,
};

export function channelBias(arrays: DeviceArrays, { out, bias, n, c, volume }: ChannelBiasArgs): void {
  const count = n * c * volume;
  if (count === 0) return;
  const params = new Params().u32(count, c, volume).build();
  arrays.launch(BIAS, [arrays.input(bias as never)], [arrays.inout(out)], params, flatGrid(count));
}

export function channelBiasBackward(arrays: DeviceArrays, { g, gb, n, c, volume }: ChannelBiasBackwardArgs): void {
  if (c === 0) return;
  const params = new Params().u32(n, c, volume).build();
  if (n * volume <= SERIAL_MAX) {
    arrays.launch(BIAS_BACKWARD_SERIAL, [arrays.input(g as never)], [arrays.output(gb)], params, flatGrid(c));
    return;
  }
  const groups: [number, number, number] = [Math.min(c, MAX_GROUPS), Math.ceil(c / MAX_GROUPS), 1];
  arrays.launch(BIAS_BACKWARD, [arrays.input(g as never)], [arrays.output(gb)], params, groups);
}
