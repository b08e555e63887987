/**
 * The memory-bound elementwise kernels in WebAssembly: the four arithmetic binary ops over a
 * broadcast pattern of up to three dims, and ReLU forward and backward. Each thread runs one call
 * over its own slice (the TypeScript driver, ../elementwise.ts, splits the work and offsets the
 * addresses), so none of these functions needs to know about threads.
 *
 * A binary op's operands are read through byte strides over the output's (n0, n1, n2) dims. The
 * driver merges dims first, so the innermost stride of each operand is 4 (it runs along the row) or
 * 0 (one value for the whole row: a per-channel vector, a scalar); the inner loop has one vector form
 * for each of the three mixes that can occur, and a scalar tail.
 */
import { ModuleBuilder } from '../wasm/module-builder';
import {
  Code, FunctionRef, Local, call, f32, f32x4, forLoop, get, i32, ifThen, increment, select, set, v128, whileAtLeast,
} from '../wasm/instructions';
import { F32 } from './blocking';

/** The op codes the exported `binary` takes, in this order. */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div'] as const;
export type ArithmeticOp = (typeof BINARY_OPS)[number];

export interface ElementwiseFunctions {
  binary: FunctionRef;
  relu: FunctionRef;
  reluBackward: FunctionRef;
}

const c32 = i32.const;
const VECTOR_BYTES = 16;

const VECTOR_OP: Record<ArithmeticOp, (a: Code, b: Code) => Code> = {
  add: f32x4.add, sub: f32x4.sub, mul: f32x4.mul, div: f32x4.div,
};
const SCALAR_OP: Record<ArithmeticOp, (a: Code, b: Code) => Code> = {
  add: f32.add, sub: f32.sub, mul: f32.mul, div: f32.div,
};

export function addElementwiseFunctions(module: ModuleBuilder): ElementwiseFunctions {
  const perOp = BINARY_OPS.map((op) => addBinaryLoops(module, op));
  const binary = module.func(
    'binary',
    {
      op: 'i32', n0: 'i32', n1: 'i32', n2: 'i32',
      a: 'i32', a0: 'i32', a1: 'i32', a2: 'i32',
      b: 'i32', b0: 'i32', b1: 'i32', b2: 'i32', out: 'i32',
    },
    ({ params: { op, ...rest } }) => {
      const args = [rest.n0, rest.n1, rest.n2, rest.a, rest.a0, rest.a1, rest.a2, rest.b, rest.b0, rest.b1, rest.b2, rest.out].map(get);
      // The op is chosen once per call; each op's loops are their own function, monomorphic and tight.
      return perOp.map((fn, code) => ifThen(i32.eq(get(op), c32(code)), [call(fn, ...args)]));
    },
    { exported: true },
  );

  const relu = module.func(
    'relu',
    { x: 'i32', y: 'i32', count: 'i32' },
    ({ params: { x, y, count } }) => [
      // max(v, +0): NaN stays NaN, -0 and -Infinity give +0, as torch.relu.
      whileAtLeast(count, 4,
        v128.store(get(y), f32x4.max(v128.load(get(x)), v128.zero())),
        increment(x, c32(VECTOR_BYTES)), increment(y, c32(VECTOR_BYTES))),
      whileAtLeast(count, 1,
        f32.store(get(y), f32.max(f32.load(get(x)), f32.const(0))),
        increment(x, c32(F32)), increment(y, c32(F32))),
    ],
    { exported: true },
  );

  const reluBackward = module.func(
    'reluBackward',
    { x: 'i32', g: 'i32', dx: 'i32', count: 'i32' },
    ({ params: { x, g, dx, count } }) => [
      // g where x > 0, else +0 (NaN x included): a mask, so no product can turn into NaN or -0.
      whileAtLeast(count, 4,
        v128.store(get(dx), v128.and(v128.load(get(g)), f32x4.gt(v128.load(get(x)), v128.zero()))),
        increment(x, c32(VECTOR_BYTES)), increment(g, c32(VECTOR_BYTES)), increment(dx, c32(VECTOR_BYTES))),
      whileAtLeast(count, 1,
        f32.store(get(dx), select(f32.load(get(g)), f32.const(0), f32.gt(f32.load(get(x)), f32.const(0)))),
        increment(x, c32(F32)), increment(g, c32(F32)), increment(dx, c32(F32))),
    ],
    { exported: true },
  );

  return { binary, relu, reluBackward };
}

/**
 * out = a op b over (n0, n1, n2), out contiguous, a and b at byte strides (a0, a1, a2) and
 * (b0, b1, b2) with a2 and b2 each 4 or 0.
 */
function addBinaryLoops(module: ModuleBuilder, op: ArithmeticOp): FunctionRef {
  const vectorOp = VECTOR_OP[op];
  const scalarOp = SCALAR_OP[op];
  return module.func(
    `binary_${op}`,
    {
      n0: 'i32', n1: 'i32', n2: 'i32',
      a: 'i32', a0: 'i32', a1: 'i32', a2: 'i32',
      b: 'i32', b0: 'i32', b1: 'i32', b2: 'i32', out: 'i32',
    },
    ({ params: p, local }) => {
      const [i0, i1, rowA, rowB, pa, pb, count] = ['i0', 'i1', 'rowA', 'rowB', 'pa', 'pb', 'count'].map((n) => local('i32', n));
      const held = local('v128', 'held');
      const step = (...pointers: Local[]) => pointers.map((ptr) => increment(ptr, c32(VECTOR_BYTES)));
      const row: Code[] = [
        set(pa, get(rowA)), set(pb, get(rowB)), set(count, get(p.n2)),
        ifThen(i32.and(i32.eq(get(p.a2), c32(F32)), i32.eq(get(p.b2), c32(F32))), [
          // Two vectors per pass: the loop's own overhead is then small next to the loads.
          whileAtLeast(count, 8,
            v128.store(get(p.out), vectorOp(v128.load(get(pa)), v128.load(get(pb)))),
            v128.store(get(p.out), vectorOp(v128.load(get(pa), VECTOR_BYTES), v128.load(get(pb), VECTOR_BYTES)), VECTOR_BYTES),
            increment(pa, c32(2 * VECTOR_BYTES)), increment(pb, c32(2 * VECTOR_BYTES)), increment(p.out, c32(2 * VECTOR_BYTES))),
          whileAtLeast(count, 4,
            v128.store(get(p.out), vectorOp(v128.load(get(pa)), v128.load(get(pb)))),
            ...step(pa, pb, p.out)),
        ], [
          ifThen(i32.eq(get(p.a2), c32(F32)), [
            set(held, v128.load32Splat(get(pb))),
            whileAtLeast(count, 4,
              v128.store(get(p.out), vectorOp(v128.load(get(pa)), get(held))),
              ...step(pa, p.out)),
          ], [
            ifThen(i32.eq(get(p.b2), c32(F32)), [
              set(held, v128.load32Splat(get(pa))),
              whileAtLeast(count, 4,
                v128.store(get(p.out), vectorOp(get(held), v128.load(get(pb)))),
                ...step(pb, p.out)),
            ]),
          ]),
        ]),
        whileAtLeast(count, 1,
          f32.store(get(p.out), scalarOp(f32.load(get(pa)), f32.load(get(pb)))),
          increment(pa, get(p.a2)), increment(pb, get(p.b2)), increment(p.out, c32(F32))),
      ];
      return [
        forLoop(i0, c32(0), get(p.n0), c32(1),
          set(rowA, get(p.a)), set(rowB, get(p.b)),
          forLoop(i1, c32(0), get(p.n1), c32(1),
            ...row,
            increment(rowA, get(p.a1)), increment(rowB, get(p.b1))),
          increment(p.a, get(p.a0)), increment(p.b, get(p.b0))),
      ];
    },
  );
}
