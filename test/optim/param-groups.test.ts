import { describe, expect, it } from 'vitest';
import { Tensor, tensor } from '../../src';
import { SGD, paramGroupsNoDecay } from '../../src/optim';
import { seeded } from '../helpers';

/** The parameters of a conv + batch-norm + linear model, as namedParameters() would yield them. */
function namedParams(): [string, Tensor][] {
  return [
    ['conv1.weight', seeded([4, 3, 3, 3], 1)],
    ['bn1.weight', seeded([4], 2)],
    ['bn1.bias', seeded([4], 3)],
    ['fc.weight', seeded([5, 4], 4)],
    ['fc.bias', seeded([5], 5)],
  ];
}

describe('paramGroupsNoDecay', () => {
  it('puts matrices and kernels in the decayed group and 1-D parameters in the other, in order', () => {
    const named = namedParams();
    const byName = new Map(named);
    const [decay, noDecay] = paramGroupsNoDecay(named, 5e-4);
    expect(decay).toEqual({ params: [byName.get('conv1.weight'), byName.get('fc.weight')], weightDecay: 5e-4 });
    expect(noDecay).toEqual({ params: [byName.get('bn1.weight'), byName.get('bn1.bias'), byName.get('fc.bias')], weightDecay: 0 });
  });

  it('accepts { name, tensor } items, leaves frozen parameters out and keeps shared ones once', () => {
    const named = namedParams();
    named[3][1].requiresGrad = false; // a frozen fc.weight
    const items = [...named, ['fc2.weight', named[0][1]] as [string, Tensor]].map(([name, t]) => ({ name, tensor: t }));
    const [decay, noDecay] = paramGroupsNoDecay(items, 0.1, { lr: 0.02 });
    expect(decay.params).toEqual([named[0][1]]);
    expect(noDecay.params.length).toBe(3);
    expect(decay.lr).toBe(0.02);
    expect(noDecay.lr).toBe(0.02);
  });

  it('takes a custom rule for which parameters skip decay', () => {
    const [decay, noDecay] = paramGroupsNoDecay(namedParams(), 0.1, { skipDecay: (name) => name.startsWith('bn') });
    expect(decay.params.length).toBe(3);
    expect(noDecay.params.length).toBe(2);
  });

  it('makes groups an optimizer takes: only the decayed group shrinks under a zero gradient', () => {
    const named = namedParams();
    const opt = new SGD(paramGroupsNoDecay(named, 0.5), { lr: 0.1 });
    const before = named.map(([, p]) => Array.from(p.data));
    for (const [, p] of named) p.grad = tensor(new Float64Array(p.numel()), { shape: [...p.shape], dtype: 'float64' });
    opt.step();
    named.forEach(([name, p], i) => {
      const shrink = p.ndim >= 2 ? 1 - 0.1 * 0.5 : 1;
      p.data.forEach((x, j) => expect(x, name).toBeCloseTo(before[i][j] * shrink, 14));
    });
  });

  it('rejects a bad weight decay and items that are not tensors', () => {
    expect(() => paramGroupsNoDecay(namedParams(), -1)).toThrow(/paramGroupsNoDecay: weightDecay must be a finite number >= 0; got -1/);
    expect(() => paramGroupsNoDecay([['w', [1, 2] as never]], 0.1)).toThrow(/parameter 'w' is not a Tensor/);
  });
});
