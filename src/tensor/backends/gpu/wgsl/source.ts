/**
 * Pieces of WGSL source the kernels share: the binding declarations in the order DeviceArrays.launch
 * binds them, a cache of shaders by key, a workgroup tree reduction, and float constants and tests
 * that WGSL's constant expressions cannot express.
 */
import type { Shader } from '../device';
import { GROUP } from './grid';

/** WGSL: the parameter words every kernel gets at binding 0. */
export const PARAMS = '@group(0) @binding(0) var<storage, read> p: array<u32>;';

/** One binding: its WGSL name and element type. */
export type Binding = readonly [name: string, type: 'f32' | 'i32' | 'u32'];

/** WGSL declarations: params at 0, the read-only `reads` at 1.., then the writable `writes`. */
export function declare(reads: readonly Binding[], writes: readonly Binding[]): string {
  const lines = [PARAMS];
  reads.forEach(([name, type], i) => lines.push(`@group(0) @binding(${i + 1}) var<storage, read> ${name}: array<${type}>;`));
  writes.forEach(([name, type], i) =>
    lines.push(`@group(0) @binding(${reads.length + i + 1}) var<storage, read_write> ${name}: array<${type}>;`));
  return lines.join('\n');
}

const shaderCache = new Map<string, Shader>();

/** The shader cached under `key`, made by `code()` the first time. */
export function cachedShader(key: string, code: () => string): Shader {
  let shader = shaderCache.get(key);
  if (!shader) {
    shader = { key, code: code() };
    shaderCache.set(key, shader);
  }
  return shader;
}

/**
 * WGSL: a tree reduction of one f32 per thread across the workgroup, `combine(a, b)` being a WGSL
 * function the shader defines. Every thread of the workgroup must call it (it has barriers) and
 * every thread gets the result. `scratchName` names the var<workgroup> array<f32, GROUP> to use.
 */
export function treeReduce(fnName: string, combine: string, scratchName = 'partial'): string {
  return `var<workgroup> ${scratchName}: array<f32, ${GROUP}>;
fn ${fnName}(t: u32, value: f32) -> f32 {
  workgroupBarrier();
  ${scratchName}[t] = value;
  workgroupBarrier();
  for (var width = ${GROUP / 2}u; width > 0u; width = width / 2u) {
    if (t < width) { ${scratchName}[t] = ${combine}(${scratchName}[t], ${scratchName}[t + width]); }
    workgroupBarrier();
  }
  let result = ${scratchName}[0];
  workgroupBarrier();
  return result;
}`;
}

/** WGSL: float constants that constant expressions cannot hold (infinities), as functions. */
export const FLOAT_BITS = `fn posInf() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }
fn negInf() -> f32 { var b = 0xff800000u; return bitcast<f32>(b); }
fn nan() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }
// By the bits: the compiler may fold v != v to false (SwiftShader's does).
fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }`;

/** WGSL declarations of arrays of one type: the read-only `reads` at bindings 1.., then the writable `writes`. */
export function bindings(reads: readonly string[], writes: readonly string[], type: Binding[1] = 'f32'): string {
  return declare(reads.map((name) => [name, type] as const), writes.map((name) => [name, type] as const));
}
