import { describe, expect, it } from 'vitest';
import { Tensor, noGrad, enableGrad, tensor, zeros } from '../../src';
import { Function, applyFunction, gradcheck } from '../../src/autograd/api';
import { seeded } from '../helpers';

/** A deliberately wrong op: its backward doubles the true gradient of the identity. */
class WrongGradient extends Function<[]> {
  forward(x: Tensor): Tensor {
    return x.clone();
  }
  backward(g: Tensor): Tensor[] {
    return [g.mul(2)];
  }
}

/** A broken op whose backward returns a gradient of the wrong shape. */
class WrongShape extends Function<[]> {
  forward(x: Tensor): Tensor {
    return x.clone();
  }
  backward(g: Tensor): Tensor[] {
    return [g.sum()];
  }
}

describe('autograd engine', () => {
  it('runs backward through a graph 20,000 ops deep without recursion', () => {
    const x = tensor([1], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 20_000; i++) y = y.mul(1.0001);
    y.backward();
    expect(x.grad!.item()).toBeCloseTo(Math.pow(1.0001, 20_000), 2);
  });

  it('accumulates over every path to a leaf and across backward calls', () => {
    const x = tensor([2], { requiresGrad: true });
    const y = x.mul(x).add(x); // dy/dx = 2x + 1 = 5
    y.backward();
    expect(x.grad!.item()).toBe(5);
    x.mul(3).backward();
    expect(x.grad!.item()).toBe(8);
    x.zeroGrad();
    expect(x.grad).toBeNull();
  });

  it('sums many contributions in place without touching a gradient that two inputs share', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = tensor([1, -2, 3], { dtype, requiresGrad: true });
      const y = tensor([0.5, 4, -1], { dtype, requiresGrad: true });
      const a = x.mul(1); // a non-leaf node: its gradient is summed by the engine
      const b = y.mul(1);
      // a + b hands one gradient tensor to both a and b; a gets four more contributions, b one more.
      const out = a.add(b).add(a).add(a.mul(3)).add(a.reshape([1, 3]).reshape([3])).add(b.mul(2)).sum();
      out.backward();
      expect(Array.from(x.grad!.data)).toEqual([6, 6, 6]);
      expect(Array.from(y.grad!.data)).toEqual([3, 3, 3]);
    }
  });

  it('frees saved tensors after backward unless retainGraph is set', () => {
    const x = tensor([3], { requiresGrad: true });
    const y = x.mul(x);
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(x.grad!.item()).toBe(12);
    expect(() => y.backward()).toThrow(/saved values were freed by an earlier backward.*retainGraph/);
  });

  it('noGrad records nothing; enableGrad turns recording back on', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    const z = noGrad(() => enableGrad(() => x.mul(2)));
    expect(z.requiresGrad).toBe(true);
    expect(() => y.sum().backward()).toThrow(/backward: this tensor does not require grad/);
  });

  it('asserts that every gradient has the shape of its input, naming the op', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = applyFunction(new WrongShape(), [x]);
    expect(() => y.sum().backward()).toThrow(/WrongShapeBackward: gradient for input 0 has shape \[\] but the input has shape \[3\]/);
  });

  it('needs gradOutput for a non-scalar output, of the output shape', () => {
    const y = tensor([1, 2], { requiresGrad: true }).mul(2);
    expect(() => y.backward()).toThrow(/backward: a gradient can be implied only for a one-element output/);
    expect(() => y.backward(zeros([3]))).toThrow(/backward: gradOutput has shape \[3\] but the output has shape \[2\]/);
    y.backward(tensor([1, 10]));
  });

  it('keeps non-leaf gradients only with retainGrad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    const k = x.mul(4);
    h.retainGrad();
    h.mul(h).sum().add(k.sum()).backward();
    expect(h.grad!.toArray()).toEqual([6, 12]);
    expect(k.grad).toBeNull();
    expect(x.grad!.toArray()).toEqual([22, 40]); // 18x + 4
  });

  it('stores a leaf gradient that aliases nothing else', () => {
    const a = tensor([1], { requiresGrad: true });
    const b = tensor([1], { requiresGrad: true });
    a.add(b).backward();
    a.grad!.data[0] = 100;
    expect(b.grad!.item()).toBe(1);
  });

  it('sends no gradient into inputs that do not require it', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const c = tensor([5, 6]);
    x.mul(c).sum().backward();
    expect(c.grad).toBeNull();
    expect(x.grad!.toArray()).toEqual([5, 6]);
  });

  it('gradcheck catches a wrong gradient and names where', () => {
    const x = seeded([2, 2], 1);
    expect(() => gradcheck((t) => applyFunction(new WrongGradient(), [t]), [x])).toThrow(
      /gradcheck: d output 0\[0, 0\] \/ d input 0\[0, 0\]: analytic 2 vs numerical 1/,
    );
    expect(gradcheck((t) => applyFunction(new WrongGradient(), [t]), [x], { raiseException: false })).toBe(false);
    expect(gradcheck((t) => t.mul(t), [x])).toBe(true);
  });

  it('gradcheck insists on float64 inputs', () => {
    const x = seeded([2], 1, { dtype: 'float32' });
    expect(() => gradcheck((t) => t.exp(), [x])).toThrow(/gradcheck: input 0 is float32; finite differences need float64/);
  });

  it('only floating-point tensors can require grad', () => {
    expect(() => tensor([1], { dtype: 'int32', requiresGrad: true })).toThrow(/requiresGrad: only floating-point tensors/);
  });
});
