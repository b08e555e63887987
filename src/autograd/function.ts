/**
 * Function: one differentiable op, a forward and a backward. `applyFunction` runs the forward and, when
 * an input needs a gradient, records a node of the backward graph that points at the inputs' nodes.
 *
 * A Function keeps only what its backward needs, through `saveForBackward`; the engine frees it after
 * backward unless the graph is retained.
 */
// Types only from tensor.ts: the ops extend Function while their modules load, and tensor.ts loads the
// ops (its methods call them), so this module must be complete without loading tensor.ts first.
import type { Tensor, GradNode } from '../tensor/tensor';
import type { DType } from '../tensor/dtype';
import { formatShape } from '../tensor/shape';
import { isGradEnabled, noGrad } from './grad-mode';
import { kernel } from '../tensor/registry';

export abstract class Function<Saved extends unknown[] = Tensor[]> {
  /** Set before forward: which inputs will receive a gradient, so forward can skip saving the rest. */
  needsInputGrad: boolean[] = [];
  private savedValues: Saved | null = null;
  private released = false;

  get name(): string {
    return this.constructor.name;
  }

  abstract forward(...inputs: (Tensor | null)[]): Tensor;
  /** Gradients for each input of forward (null where an input needs none), same shapes as the inputs. */
  abstract backward(gradOutput: Tensor): (Tensor | null)[];

  protected saveForBackward(...values: Saved): void {
    this.savedValues = values;
  }

  protected get saved(): Saved {
    if (this.released) {
      throw new Error(
        `${this.name}.backward: its saved values were freed by an earlier backward; ` +
          'call backward({ retainGraph: true }) the first time to run backward twice',
      );
    }
    if (this.savedValues === null) throw new Error(`${this.name}.backward: forward saved nothing`);
    return this.savedValues;
  }

  release(): void {
    this.savedValues = null;
    this.released = true;
  }
}

/** What the engine needs to know of an input without keeping it alive. */
export interface InputMeta {
  shape: readonly number[];
  dtype: DType;
}

/** A node of the backward graph. */
export abstract class Node implements GradNode {
  /** Non-leaf tensors whose gradient the user asked to keep (retainGrad). */
  retainedBy: Tensor[] = [];
  abstract readonly name: string;
  abstract readonly next: readonly (Node | null)[];
  abstract readonly inputs: readonly InputMeta[];
  abstract apply(gradOutput: Tensor): (Tensor | null)[];
  abstract release(): void;
}

/** The node recorded for a Function application. */
export class FunctionNode extends Node {
  constructor(
    readonly fn: Function<unknown[]>,
    readonly next: readonly (Node | null)[],
    readonly inputs: readonly InputMeta[],
  ) {
    super();
  }

  get name(): string {
    return `${this.fn.name}Backward`;
  }

  apply(gradOutput: Tensor): (Tensor | null)[] {
    return this.fn.backward(gradOutput);
  }

  release(): void {
    this.fn.release();
  }
}

/** A tensor with its own copy of `t`'s storage, so a stored gradient never aliases another. */
export function copyOf(t: Tensor): Tensor {
  return noGrad(() => t.clone());
}

/** The sink of the graph for a leaf that requires grad: adds the incoming gradient into `leaf.grad`. */
export class AccumulateGrad extends Node {
  readonly next: readonly (Node | null)[] = [];
  readonly inputs: readonly InputMeta[] = [];
  readonly name = 'AccumulateGrad';

  constructor(readonly leaf: Tensor) {
    super();
  }

  apply(gradOutput: Tensor): (Tensor | null)[] {
    const leaf = this.leaf;
    if (leaf.grad === null) {
      leaf.grad = copyOf(gradOutput);
    } else {
      kernel('addInto', leaf.grad.dtype)({ target: leaf.grad.storage, source: gradOutput.storage });
    }
    return [];
  }

  release(): void {}
}

// One accumulator per leaf, so gradients from every use of a leaf meet at one node.
const accumulators = new WeakMap<Tensor, AccumulateGrad>();

/** The node a gradient for `t` flows into, or null when `t` needs no gradient. */
export function gradEdge(t: Tensor | null): Node | null {
  if (t === null || !t.requiresGrad) return null;
  if (t.gradFn !== null) return t.gradFn as Node;
  let acc = accumulators.get(t);
  if (!acc) {
    acc = new AccumulateGrad(t);
    accumulators.set(t, acc);
  }
  return acc;
}

/** Runs `fn.forward` on `inputs` and records it for backward when any input requires grad. */
export function applyFunction(fn: Function<any>, inputs: (Tensor | null)[]): Tensor {
  const record = isGradEnabled() && inputs.some((t) => t !== null && t.requiresGrad);
  fn.needsInputGrad = inputs.map((t) => record && t !== null && t.requiresGrad);
  const out = noGrad(() => fn.forward(...inputs));
  if (!record) {
    fn.release();
    return out;
  }
  const next = inputs.map(gradEdge);
  const meta = inputs.map((t) => ({ shape: t ? t.shape : [], dtype: t ? t.dtype : 'float32' }) as InputMeta);
  // The output of forward may share storage with an input (reshape); give it its own Tensor object.
  const result = out.gradFn === null && !inputs.includes(out) ? out : out.detach();
  result.gradFn = new FunctionNode(fn, next, meta);
  result.requiresGrad = true;
  return result;
}

export function describeShapeMismatch(node: Node, index: number, got: readonly number[]): string {
  return (
    `${node.name}: gradient for input ${index} has shape ${formatShape(got)} ` +
    `but the input has shape ${formatShape(node.inputs[index].shape)}`
  );
}
