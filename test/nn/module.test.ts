import { describe, expect, it } from 'vitest';
import { Tensor, manualSeed, nn, ones, randn, tensor, zeros } from '../../src';

const { Module, Parameter, Linear, BatchNorm2d, Dropout, ReLU, Sequential } = nn;

/** Two levels of nesting, with a container. */
class Net extends Module {
  readonly first = new Linear(4, 3);
  readonly body = new Sequential(new ReLU(), new Dropout(0.5));
  readonly last = new Linear(3, 2);
  forward(x: Tensor): Tensor {
    return this.last.forward(this.body.forward(this.first.forward(x)));
  }
}

function values(t: Tensor): number[] {
  return Array.from(t.data);
}

describe('Module: registration and names', () => {
  it('fields holding Parameters and Modules are registered, in field order, with dotted names', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'first.weight', 'first.bias', 'last.weight', 'last.bias',
    ]);
    expect(net.namedChildren().map(([n]) => n)).toEqual(['first', 'body', 'last']);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'first', 'body', 'body.0', 'body.1', 'last']);
    expect(net.modules()[0]).toBe(net);
    expect(net.parameters()[0]).toBe(net.first.weight);
    expect(net.namedParameters('model').map(([n]) => n)[0]).toBe('model.first.weight');
    expect(net.namedParameters('', false)).toEqual([]);
  });

  it('registerParameter / registerModule / registerBuffer, and PyTorch\'s state-dict order (own params, own buffers, children)', () => {
    class Ordered extends Module {
      constructor() {
        super();
        this.registerModule('child', new Linear(1, 1));
        this.registerBuffer('running', zeros([2]));
        this.registerParameter('w', new Parameter(ones([2])));
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new Ordered();
    expect(Object.keys(m.stateDict())).toEqual(['w', 'running', 'child.weight', 'child.bias']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['running']);
    expect(m.getBuffer('running')?.shape).toEqual([2]);
    expect(m.addModule('other', new ReLU())).toBeInstanceOf(ReLU);
    expect(m.children().length).toBe(2);
  });

  it('a parameter shared by two modules is listed once by parameters() but under both names in the state dict', () => {
    const a = new Linear(2, 2);
    const b = new Linear(2, 2);
    b.weight = a.weight;
    const pair = new Sequential(a, b);
    expect(pair.parameters().length).toBe(3);
    expect(Object.keys(pair.stateDict())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
  });

  it('non-persistent buffers are buffers but stay out of the state dict; null slots are skipped', () => {
    class WithCache extends Module {
      constructor() {
        super();
        this.registerBuffer('kept', ones([1]));
        this.registerBuffer('cache', zeros([3]), { persistent: false });
        this.registerBuffer('absent', null);
        this.registerParameter('none', null);
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new WithCache();
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['kept', 'cache']);
    expect(Object.keys(m.stateDict())).toEqual(['kept']);
    expect(m.getBuffer('absent')).toBeNull();
    expect(() => m.getBuffer('nope')).toThrow(/WithCache.getBuffer: no buffer 'nope'; it has kept, cache, absent/);
  });

  it('rejects bad names, wrong kinds and names already taken, naming the module and the name', () => {
    class Empty extends Module {
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new Empty();
    expect(() => m.registerParameter('a.b', new Parameter(zeros([1])))).toThrow(/Empty.registerParameter: name must be a non-empty string without '.'; got "a.b"/);
    expect(() => m.registerParameter('w', zeros([1]) as unknown as nn.Parameter)).toThrow(/'w' must be a Parameter \(wrap the tensor/);
    expect(() => m.registerModule('f', {} as unknown as nn.Module)).toThrow(/Empty.registerModule: 'f' must be a Module or null; got a Object/);
    expect(() => m.registerParameter('forward', new Parameter(zeros([1])))).toThrow(/'forward' is already used by function/);
    m.registerModule('child', new ReLU());
    expect(() => m.registerParameter('child', new Parameter(zeros([1])))).toThrow(/'child' is already used by a ReLU/);
    m.registerBuffer('buf', zeros([1]));
    expect(() => m.registerModule('buf', new ReLU())).toThrow(/'buf' is already used by a buffer/);
    expect(() => m.registerBuffer('child', zeros([1]))).toThrow(/Empty.registerBuffer: 'child' is already a field of the module/);
    expect(() => m.registerBuffer('', zeros([1]))).toThrow(/name must be a non-empty string/);
  });
});

describe('Module: modes, gradients, apply', () => {
  it('train() / eval() switch every module, and with them Dropout and BatchNorm', () => {
    manualSeed(1);
    const model = new Sequential(new BatchNorm2d(4), new Dropout(0.5));
    const bn = model.get(0) as nn.BatchNorm2d;
    expect(model.training).toBe(true);
    model.eval();
    expect(model.modules().every((m) => !m.training)).toBe(true);
    const x = randn([2, 4, 3, 3]);
    // Eval: Dropout is the identity and BatchNorm uses the running statistics (0 and 1), so y = x / sqrt(1 + eps).
    const evalOut = model.forward(x);
    expect(Math.max(...values(evalOut.sub(x.div(Math.sqrt(1 + 1e-5))).abs()))).toBeLessThan(1e-6);
    expect(values(bn.runningMean as Tensor)).toEqual([0, 0, 0, 0]);
    expect(bn.numBatchesTracked?.item()).toBe(0);
    model.train();
    expect(model.modules().every((m) => m.training)).toBe(true);
    const trainOut = model.forward(x);
    // Train: about half the outputs dropped, the running statistics moved, one batch counted.
    const dropped = values(trainOut).filter((v) => v === 0).length;
    expect(dropped).toBeGreaterThan(20);
    expect(dropped).toBeLessThan(52);
    expect(values(bn.runningMean as Tensor).some((v) => v !== 0)).toBe(true);
    expect(bn.numBatchesTracked?.item()).toBe(1);
  });

  it('zeroGrad drops every gradient (set to none) or fills them with zeros', () => {
    const net = new Net().eval();
    net.forward(randn([3, 4])).sum().backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    const grads = net.parameters().map((p) => p.grad as Tensor);
    net.zeroGrad(false);
    expect(net.parameters().every((p, i) => p.grad === grads[i] && values(grads[i]).every((v) => v === 0))).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('apply visits children before their parent, every module once, and returns the module', () => {
    const net = new Net();
    const seen: string[] = [];
    expect(net.apply((m) => seen.push(m.constructor.name))).toBe(net);
    expect(seen).toEqual(['Linear', 'ReLU', 'Dropout', 'Sequential', 'Linear', 'Net']);
    net.apply((m) => {
      if (m instanceof Linear) nn.init.constant_(m.weight, 0.5);
    });
    expect(values(net.last.weight).every((v) => v === 0.5)).toBe(true);
  });

  it('to(float64) converts parameters and float buffers, keeps int32 counters, and keeps shared parameters shared', () => {
    const a = new Linear(2, 2);
    const b = new Linear(2, 2);
    b.weight = a.weight;
    const model = new Sequential(a, b, new BatchNorm2d(2)).double();
    const [first, second, bn] = [model.get(0) as nn.Linear, model.get(1) as nn.Linear, model.get(2) as nn.BatchNorm2d];
    expect(model.parameters().every((p) => p.dtype === 'float64' && p instanceof Parameter && p.requiresGrad)).toBe(true);
    expect(second.weight).toBe(first.weight);
    expect(bn.runningVar?.dtype).toBe('float64');
    expect(bn.numBatchesTracked?.dtype).toBe('int32');
    expect(model.float().parameters()[0].dtype).toBe('float32');
  });
});

describe('Module: state dict', () => {
  it('round trip: loading one model\'s state dict into another makes them compute the same', () => {
    manualSeed(1);
    const a = new Net().eval();
    const b = new Net().eval();
    const x = randn([5, 4]);
    expect(values(b.forward(x))).not.toEqual(values(a.forward(x)));
    const result = b.loadStateDict(a.stateDict());
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(values(b.forward(x))).toEqual(values(a.forward(x)));
    // Loading copies: changing a afterwards leaves b alone, and b keeps its own Parameter objects.
    const before = b.first.weight;
    a.first.weight.data.fill(0);
    expect(values(b.first.weight).some((v) => v !== 0)).toBe(true);
    expect(b.first.weight).toBe(before);
  });

  it('state-dict tensors share storage with the module, are leaves, and include BatchNorm buffers', () => {
    const bn = new BatchNorm2d(3);
    const sd = bn.stateDict();
    expect(Object.keys(sd)).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(sd.num_batches_tracked.shape).toEqual([]);
    expect(sd.weight.requiresGrad).toBe(false);
    sd.weight.data[0] = 7;
    expect(bn.weight?.data[0]).toBe(7);
  });

  it('converts dtypes on load: float64 values into float32 weights, a float counter into int32', () => {
    const bn = new BatchNorm2d(2);
    bn.loadStateDict({
      weight: tensor([0.1, 0.2], { dtype: 'float64' }),
      bias: tensor([1, 2], { dtype: 'float64' }),
      running_mean: tensor([3, 4]),
      running_var: tensor([5, 6]),
      num_batches_tracked: tensor(12, { dtype: 'float64' }),
    });
    expect(bn.weight?.dtype).toBe('float32');
    expect(values(bn.weight as Tensor)).toEqual([Math.fround(0.1), Math.fround(0.2)]);
    expect(bn.numBatchesTracked?.dtype).toBe('int32');
    expect(bn.numBatchesTracked?.item()).toBe(12);
  });

  it('strict load: missing and unexpected keys throw, naming them, and change nothing', () => {
    const net = new Net();
    const before = net.stateDict();
    const snapshot = Object.fromEntries(Object.entries(before).map(([k, t]) => [k, values(t)]));
    const sd = new Net().stateDict();
    delete sd['last.bias'];
    sd['extra.weight'] = zeros([1]);
    expect(() => net.loadStateDict(sd)).toThrow(
      /Net.loadStateDict: 2 problem\(s\); nothing was loaded:\n {2}missing key\(s\): last.bias\n {2}unexpected key\(s\): extra.weight/,
    );
    for (const [k, t] of Object.entries(net.stateDict())) expect(values(t), k).toEqual(snapshot[k]);
  });

  it('lists every shape mismatch in one error, strict or not, and changes nothing', () => {
    const net = new Net();
    const snapshot = Object.fromEntries(Object.entries(net.stateDict()).map(([k, t]) => [k, values(t)]));
    const sd = new Net().stateDict();
    sd['first.weight'] = zeros([3, 5]);
    sd['last.bias'] = zeros([4]);
    sd['first.bias'] = 'oops' as unknown as Tensor;
    for (const strict of [true, false]) {
      let message = '';
      try {
        net.loadStateDict(sd, { strict });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain('3 problem(s); nothing was loaded');
      expect(message).toContain('first.weight: shape [3, 5] in the state dict, [3, 4] in the model');
      expect(message).toContain('last.bias: shape [4] in the state dict, [2] in the model');
      expect(message).toContain('first.bias: expected a Tensor, got string');
      // The good entries (last.weight) were not copied either.
      for (const [k, t] of Object.entries(net.stateDict())) expect(values(t), k).toEqual(snapshot[k]);
    }
  });

  it('non-strict load copies what matches and returns the missing and unexpected keys', () => {
    const a = new Net();
    const b = new Net();
    const sd = a.stateDict();
    delete sd['first.weight'];
    sd['head.weight'] = zeros([2]);
    const firstBefore = values(b.first.weight);
    expect(b.loadStateDict(sd, { strict: false })).toEqual({ missingKeys: ['first.weight'], unexpectedKeys: ['head.weight'] });
    expect(values(b.first.weight)).toEqual(firstBefore);
    expect(values(b.last.weight)).toEqual(values(a.last.weight));
  });

  it('rejects something that is not an object of tensors', () => {
    expect(() => new Net().loadStateDict(null as unknown as nn.StateDict)).toThrow(/Net.loadStateDict: expected an object of tensors by name; got null/);
  });
});

describe('Module: toString', () => {
  it('prints the tree as PyTorch does: one line for a leaf, indented children otherwise', () => {
    expect(new Net().toString()).toBe(
      [
        'Net(',
        '  (first): Linear(in_features=4, out_features=3, bias=True)',
        '  (body): Sequential(',
        '    (0): ReLU()',
        '    (1): Dropout(p=0.5, inplace=False)',
        '  )',
        '  (last): Linear(in_features=3, out_features=2, bias=True)',
        ')',
      ].join('\n'),
    );
    expect(new ReLU().toString()).toBe('ReLU()');
  });

  it('puts extra settings before the children when a module has both', () => {
    class Scaled extends Module {
      readonly inner = new ReLU();
      extraRepr(): string {
        return 'factor=2.0';
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(new Scaled().toString()).toBe('Scaled(\n  factor=2.0\n  (inner): ReLU()\n)');
  });
});

describe('Parameter', () => {
  it('is a leaf tensor that requires grad and shares the storage it wraps', () => {
    const t = randn([2, 2]).mul(2);
    const p = new Parameter(t);
    expect(p).toBeInstanceOf(Tensor);
    expect(p.isLeaf).toBe(true);
    expect(p.requiresGrad).toBe(true);
    expect(p.data).toBe(t.data);
    expect(new Parameter(t, false).requiresGrad).toBe(false);
    expect(p.toString()).toMatch(/^Parameter containing:\nTensor\(/);
  });

  it('rejects non-tensors and int32 tensors that would require grad', () => {
    expect(() => new Parameter([1, 2] as unknown as Tensor)).toThrow(/Parameter: expected a Tensor; got object/);
    expect(() => new Parameter(zeros([2], { dtype: 'int32' }))).toThrow(/Parameter: an int32 tensor \[2\] cannot require gradients/);
    expect(new Parameter(zeros([2], { dtype: 'int32' }), false).dtype).toBe('int32');
  });
});
