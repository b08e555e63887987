/**
 * The residual block's closing add and ReLU in WebAssembly, out = max(a + b, 0) over `count` values:
 * one pass instead of an add writing a tensor that a ReLU reads back. The driver (../residual.ts)
 * gives each thread its own slice.
 */
import { ModuleBuilder } from '../wasm/module-builder';
import { f32, f32x4, get, i32, increment, v128, whileAtLeast } from '../wasm/instructions';
import { F32 } from './blocking';

const VECTOR_BYTES = 16;

export function addResidualFunctions(module: ModuleBuilder): void {
  const c32 = i32.const;
  module.func(
    'addRelu',
    { a: 'i32', b: 'i32', out: 'i32', count: 'i32' },
    ({ params: { a, b, out, count } }) => [
      // max(v, +0): NaN stays NaN and -0 gives +0, as torch.relu.
      whileAtLeast(count, 4,
        v128.store(get(out), f32x4.max(f32x4.add(v128.load(get(a)), v128.load(get(b))), v128.zero())),
        increment(a, c32(VECTOR_BYTES)), increment(b, c32(VECTOR_BYTES)), increment(out, c32(VECTOR_BYTES))),
      whileAtLeast(count, 1,
        f32.store(get(out), f32.max(f32.add(f32.load(get(a)), f32.load(get(b))), f32.const(0))),
        increment(a, c32(F32)), increment(b, c32(F32)), increment(out, c32(F32))),
    ],
    { exported: true },
  );
}
