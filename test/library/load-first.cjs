'use strict';
/**
 * Run by import-alone.test.ts in a fresh Node process: loads ONE compiled module of the library before
 * anything else, calls into it, then uses the whole library, whose other modules now load after it.
 * Prints "ok" or throws. Usage: node load-first.cjs <compiled src folder> <module path relative to it>
 */
const assert = require('assert');
const path = require('path');

const [rootArg, file] = process.argv.slice(2);
const root = path.resolve(rootArg);
const load = (rel) => require(path.join(root, rel));
const first = load(file);

// A cycle that bit while loading shows up as an export left undefined.
for (const [name, value] of Object.entries(first)) {
  assert.notStrictEqual(value, undefined, `${file}: export '${name}' is undefined after loading it first`);
}

// Inputs come from creation.js, which the module under test has already loaded (or loads now, after it).
const tensors = () => load('tensor/creation.js');
const finite = (t) => {
  assert.ok(Number.isFinite(t.item()), `${file}: expected a finite value, got ${t.item()}`);
  return t;
};

/** For the modules a user is likely to import directly, a call using that module's own exports. */
const OWN_CALLS = {
  'tensor/tensor.js': (m) => assert.strictEqual(new m.Tensor(new Float32Array([1, 2, 3]), [3]).mul(2).sum().item(), 12),
  'tensor/creation.js': (m) => {
    const x = m.randn([2, 3], { requiresGrad: true });
    finite(x.exp().sum()).backward();
    assert.deepStrictEqual(x.grad.shape, [2, 3]);
  },
  'tensor/index.js': (m) => finite(m.randn([2, 3]).relu().mean()),
  'tensor/registry.js': (m) => {
    const names = m.registeredBackends().map((b) => b.name);
    assert.deepStrictEqual(names, ['ts', 'cpu', 'gpu'], `${file}: the built-in backends are registered without any other import`);
  },
  'autograd/ops/binary.js': (m) => {
    const a = tensors().randn([2, 3], { requiresGrad: true });
    m.mul(a, 3).sum().backward();
    assert.strictEqual(a.grad.data[0], 3);
  },
  'autograd/index.js': (m) => finite(m.matmul(tensors().randn([2, 3]), tensors().randn([3, 4])).sum()),
  'nn/functional/conv.js': (m) => {
    const w = tensors().randn([3, 2, 3, 3], { requiresGrad: true });
    finite(m.conv2d(tensors().randn([1, 2, 5, 5]), w, null, { padding: 1 }).sum()).backward();
    assert.deepStrictEqual(w.grad.shape, [3, 2, 3, 3]);
  },
  'nn/functional/index.js': (m) => finite(m.crossEntropy(tensors().randn([2, 4]), tensors().tensor([1, 3], { dtype: 'int32' }))),
  'nn/layers/conv.js': (m) => finite(new m.Conv2d(2, 3, 3).forward(tensors().randn([1, 2, 5, 5])).mean()),
  'nn/layers/linear.js': (m) => finite(new m.Linear(3, 2).forward(tensors().randn([4, 3])).sum()),
  'nn/index.js': (m) => finite(new m.Sequential(new m.Linear(3, 4), new m.ReLU(), new m.Linear(4, 1)).forward(tensors().randn([2, 3])).sum()),
  'optim/sgd.js': (m) => {
    const p = tensors().ones([2], { requiresGrad: true });
    p.sum().backward();
    new m.SGD([p], { lr: 0.5 }).step();
    assert.deepStrictEqual([...p.data], [0.5, 0.5]);
  },
  'ssan/models/ssa.js': (m) => finite(new m.SSA(8, { numSegments: 2 }).forward(tensors().randn([2, 8, 4, 4])).sum()),
  'ssan/models/create-model.js': (m) => {
    const model = m.createModel({ arch: 'ssan', depth: 50, width: 4, numClasses: 3, numSegments: 2 });
    assert.deepStrictEqual(model.forward(tensors().randn([1, 2, 3, 32, 32])).shape, [1, 3]);
  },
  'index.js': (m) => finite(m.F.relu(m.randn([3])).sum()),
};
OWN_CALLS[file]?.(first);

// Then the whole library, loaded after the module under test.
const { randn, F, nn, optim, ssan } = load('index.js');
const w = randn([3, 2, 3, 3], { requiresGrad: true });
finite(F.conv2d(randn([1, 2, 5, 5]), w, null, { padding: 1 }).relu().sum()).backward();
const layer = new nn.Linear(3, 2);
finite(layer.forward(randn([4, 3])).pow(2).mean()).backward();
new optim.SGD(layer.parameters(), { lr: 0.1, momentum: 0.9 }).step();
finite(new ssan.SSA(8, { numSegments: 2 }).forward(randn([2, 8, 4, 4])).sum());
console.log('ok');
