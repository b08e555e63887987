import { describe, expect, it } from 'vitest';
import { maxRelativeError, onWebGpu, random, runOnDevice, runOnReference } from './harness';
import type { UnaryOp } from '../../../../../src/tensor/kernels/unary';
import type { BinaryOp } from '../../../../../src/tensor/kernels/binary';

describe.skipIf(!onWebGpu())('WGSL elementwise kernels', () => {
  it('relu, reluBackward and addRelu match the reference, NaN kept as torch.relu keeps it', () => {
    const x = random(1000, 1), g = random(1000, 2), b = random(1000, 3);
    x[5] = NaN;
    x[6] = -0;
    for (const [name, args] of [
      ['relu', () => ({ x, y: new Float32Array(1000) })],
      ['reluBackward', () => ({ x, g, dx: new Float32Array(1000) })],
      ['addRelu', () => ({ a: x, b, out: new Float32Array(1000) })],
    ] as const) {
      const onDevice = args() as never, reference = args() as never;
      runOnDevice(name, onDevice);
      runOnReference(name, reference);
      const out = (o: Record<string, Float32Array>) => o.y ?? o.dx ?? o.out;
      expect(out(onDevice), name).toEqual(out(reference));
    }
  });

  it('addInto accumulates in place, also when source and target are one array', () => {
    const target = random(300, 4), source = random(300, 5);
    const expected = target.map((v, i) => Math.fround(v + source[i]));
    runOnDevice('addInto', { target, source });
    expect(target).toEqual(expected);
    const twice = random(50, 6);
    const doubled = twice.map((v) => v * 2);
    runOnDevice('addInto', { target: twice, source: twice });
    expect(twice).toEqual(doubled);
  });

  it('unary ops and their gradients match the reference', () => {
    const x = random(500, 7).map((v) => v + 1.5); // positive, for log and sqrt
    const g = random(500, 8);
    for (const op of ['neg', 'exp', 'log', 'sqrt', 'abs', 'sigmoid', 'tanh'] as UnaryOp[]) {
      const y = new Float32Array(500), yRef = new Float32Array(500);
      runOnDevice('unary', { op, x, y });
      runOnReference('unary', { op, x, y: yRef });
      expect(maxRelativeError(y, yRef), op).toBeLessThan(1e-5);
      const dx = new Float32Array(500), dxRef = new Float32Array(500);
      runOnDevice('unaryBackward', { op, x, y: yRef, g, dx });
      runOnReference('unaryBackward', { op, x, y: yRef, g, dx: dxRef });
      expect(maxRelativeError(dx, dxRef), `${op} backward`).toBeLessThan(1e-5);
    }
  });

  it('clamp and its gradient, with infinite bounds', () => {
    const x = random(200, 9, 6);
    for (const [min, max] of [[-1, 0.5], [-Infinity, 0], [0, Infinity]]) {
      const y = new Float32Array(200), yRef = new Float32Array(200);
      runOnDevice('clamp', { x, y, min, max });
      runOnReference('clamp', { x, y: yRef, min, max });
      expect(y).toEqual(yRef);
      const g = random(200, 10), dx = new Float32Array(200), dxRef = new Float32Array(200);
      runOnDevice('clampBackward', { x, g, dx, min, max });
      runOnReference('clampBackward', { x, g, dx: dxRef, min, max });
      expect(dx).toEqual(dxRef);
    }
  });

  it('binary ops broadcast as the reference does', () => {
    const cases: [number[], number[]][] = [[[4, 5], [4, 5]], [[2, 3, 4], [3, 1]], [[1], [6, 2]], [[5, 1, 3], [1, 4, 1]]];
    for (const op of ['add', 'sub', 'mul', 'div', 'pow'] as BinaryOp[]) {
      for (const [aShape, bShape] of cases) {
        const outShape = aShape.length >= bShape.length ? [...aShape] : [...bShape];
        const off = outShape.length - Math.min(aShape.length, bShape.length);
        const short = aShape.length < bShape.length ? aShape : bShape;
        short.forEach((d, i) => { outShape[off + i] = Math.max(outShape[off + i], d); });
        const n = outShape.reduce((p, d) => p * d, 1);
        const a = random(aShape.reduce((p, d) => p * d, 1), 11);
        // pow: integer exponents, so negative bases are defined.
        const b = op === 'pow' ? random(bShape.reduce((p, d) => p * d, 1), 12, 6).map(Math.round) : random(bShape.reduce((p, d) => p * d, 1), 12);
        const out = new Float32Array(n), ref = new Float32Array(n);
        runOnDevice('binary', { op, a, aShape, b, bShape, outShape, out });
        runOnReference('binary', { op, a, aShape, b, bShape, outShape, out: ref });
        expect(maxRelativeError(out, ref), `${op} ${aShape} ${bShape}`).toBeLessThan(1e-5);
      }
    }
  });
});
