/**
 * The backward pass: walks the graph from a root in dependency order, without recursion, so a
 * graph thousands of ops deep (a ResNet over many frames) cannot overflow the stack.
 */
import { Tensor } from '../tensor/tensor';
import { allocate, convert } from '../tensor/dtype';
import { kernel } from '../tensor/registry';
import { formatShape, shapesEqual } from '../tensor/shape';
import { Node, copyOf, gradEdge, describeShapeMismatch } from './function';
import { noGrad } from './grad-mode';

export interface BackwardOptions {
  /** Keep saved values so backward can run through this graph again. */
  retainGraph?: boolean;
}

/** How many gradient contributions each node reachable from `root` will receive. */
function countDependencies(root: Node): Map<Node, number> {
  const deps = new Map<Node, number>([[root, 0]]);
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const next of node.next) {
      if (next === null) continue;
      const seen = deps.has(next);
      deps.set(next, (deps.get(next) ?? 0) + 1);
      if (!seen) stack.push(next);
    }
  }
  return deps;
}

/**
 * The sum of two gradient contributions of the same shape and dtype, in one pass into a new tensor.
 * A sum the engine made is referenced only by `owned` and the pending map until its node runs, so a
 * third contribution and later ones are added into it in place (a tensor a backward returned may be
 * shared: Add hands the same gradient to both inputs, reshape a view of it).
 */
function addGradients(a: Tensor, b: Tensor, owned?: Set<Tensor>): Tensor {
  if (owned?.has(a)) {
    kernel('addInto', a.dtype)({ target: a.storage, source: b.storage });
    return a;
  }
  const out = new Tensor(allocate(a.dtype, a.storage.length), a.shape);
  kernel('binary', a.dtype)({ op: 'add', a: a.storage, aShape: a.shape, b: b.storage, bShape: b.shape, outShape: a.shape, out: out.storage });
  owned?.add(out);
  return out;
}

export function backward(root: Tensor, gradOutput?: Tensor, opts: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new Error('backward: this tensor does not require grad and has no gradFn; nothing to differentiate');
  }
  let seed: Tensor;
  if (gradOutput === undefined) {
    if (root.numel() !== 1) {
      throw new Error(
        `backward: a gradient can be implied only for a one-element output; this one has shape ` +
          `${formatShape(root.shape)}, so pass gradOutput`,
      );
    }
    seed = new Tensor(convert([1], root.dtype), root.shape);
  } else {
    if (!shapesEqual(gradOutput.shape, root.shape)) {
      throw new Error(
        `backward: gradOutput has shape ${formatShape(gradOutput.shape)} but the output has shape ${formatShape(root.shape)}`,
      );
    }
    seed = gradOutput.dtype === root.dtype ? gradOutput : new Tensor(convert(gradOutput.data, root.dtype), root.shape);
  }

  const rootNode = gradEdge(root)!;
  const pending = countDependencies(rootNode);
  const grads = new Map<Node, Tensor>([[rootNode, seed]]);
  // Sums made by addGradients that no node has received yet: the engine may add into them in place.
  const owned = new Set<Tensor>();
  const ready: Node[] = [rootNode];

  noGrad(() => {
    while (ready.length > 0) {
      const node = ready.pop()!;
      const grad = grads.get(node);
      grads.delete(node);
      if (grad !== undefined) owned.delete(grad);
      // A node that received no gradient (every path to it was non-differentiable) passes none on.
      let inputGrads: (Tensor | null)[] = [];
      if (grad !== undefined) {
        for (const t of node.retainedBy) t.grad = t.grad === null ? copyOf(grad) : addGradients(t.grad, grad);
        inputGrads = node.apply(grad);
      }
      if (!opts.retainGraph) node.release();

      node.next.forEach((next, i) => {
        if (next === null) return;
        let g = inputGrads[i];
        if (g !== null && g !== undefined) {
          const meta = node.inputs[i];
          if (!shapesEqual(g.shape, meta.shape)) throw new Error(describeShapeMismatch(node, i, g.shape));
          // As PyTorch's engine: a gradient takes the dtype of the input it belongs to.
          if (g.dtype !== meta.dtype) g = new Tensor(convert(g.data, meta.dtype), g.shape);
          const previous = grads.get(next);
          grads.set(next, previous === undefined ? g : addGradients(previous, g, owned));
        }
        const left = pending.get(next)! - 1;
        pending.set(next, left);
        if (left === 0) ready.push(next);
      });
    }
  });
}

/** Keeps the gradient of a non-leaf tensor after backward, as PyTorch's retain_grad(). */
export function retainGrad(t: Tensor): void {
  if (!t.requiresGrad) throw new Error('retainGrad: this tensor does not require grad');
  if (t.gradFn === null) return; // leaves keep their gradient anyway
  const node = t.gradFn as Node;
  if (!node.retainedBy.includes(t)) node.retainedBy.push(t);
}
