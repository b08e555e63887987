/**
 * Where the time of a training step goes, by kind of op: the kernels of the registry (conv forward,
 * backward-data, backward-filter, GEMM, ...), each differentiable op's forward and backward outside
 * its kernels (BatchNorm, ReLU, add, pooling, softmax, ...), the optimizer update, and what is left:
 * the module code and graph recording of the forward pass, and the backward engine.
 *
 * It instruments from the outside, for the benchmark only, and changes no behaviour of the library:
 * - every backend's kernel table (`backend.kernels[name]`, which the registry reads on each call) gets
 *   a timing wrapper in place of each kernel;
 * - the Function classes are not exported, so they are found in the graph of one step (each recorded
 *   node's `fn`), and the prototype that defines their forward and backward gets timing wrappers; an op
 *   that never records a node (all its inputs constant, or run under noGrad) stays untimed and counts
 *   as the forward's remainder;
 * - AccumulateGrad (the leaves' gradient sums) likewise, through its exported class.
 * Everything is put back by `restore()`. Time is exclusive: a kernel's time is taken out of the op that
 * called it, and an op run inside another op (a backward that calls tensor ops) counts as that op.
 * Each wrapper costs two clock reads, a few microseconds per op; the script prints the step's time
 * with and without the instrumentation so the difference shows.
 */
import { AccumulateGrad, Function as AutogradFunction, FunctionNode, Node } from '../src/autograd/function';
import { registeredBackends } from '../src/tensor/registry';
import type { Tensor } from '../src/tensor/tensor';

/** Labels of the three phases; time inside a phase that no op or kernel claims is its remainder. */
export const PHASES = { forward: 'phase:forward', backward: 'phase:backward', update: 'phase:update' } as const;

/** Time by label, exclusive of nested labels. */
export class ExclusiveTimer {
  readonly milliseconds = new Map<string, number>();
  readonly calls = new Map<string, number>();
  private readonly stack: string[] = [];
  private last = 0;
  /** Inside a Function's forward or backward: ops it calls are its own work. */
  inOp = false;

  enter(label: string, now = performance.now()): void {
    this.charge(now);
    this.stack.push(label);
    this.calls.set(label, (this.calls.get(label) ?? 0) + 1);
  }

  exit(now = performance.now()): void {
    this.charge(now);
    this.stack.pop();
  }

  private charge(now: number): void {
    const top = this.stack[this.stack.length - 1];
    if (top !== undefined) this.milliseconds.set(top, (this.milliseconds.get(top) ?? 0) + (now - this.last));
    this.last = now;
  }

  time<T>(label: string, fn: () => T): T {
    this.enter(label);
    try {
      return fn();
    } finally {
      this.exit();
    }
  }
}

type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

/** Wrappers put in place, and how to take them out again. */
export class Instrumentation {
  private readonly undo: (() => void)[] = [];
  private readonly patchedPrototypes = new Set<object>();
  /** The timer the wrappers report to; null lets every wrapped call through untimed. */
  timer: ExclusiveTimer | null = null;
  /** Kernel tables that could not be wrapped (frozen), named in the report. */
  readonly untimedBackends: string[] = [];

  private replace(owner: Record<string, unknown>, key: string, wrapped: unknown): void {
    const descriptor = Object.getOwnPropertyDescriptor(owner, key);
    owner[key] = wrapped;
    this.undo.push(() => {
      if (descriptor) Object.defineProperty(owner, key, descriptor);
      else delete owner[key];
    });
  }

  /** Wraps every kernel of every registered backend. */
  instrumentKernels(): void {
    for (const backend of registeredBackends()) {
      const table = backend.kernels as Record<string, unknown>;
      if (Object.isFrozen(table)) {
        this.untimedBackends.push(backend.name);
        continue;
      }
      for (const [name, kernel] of Object.entries(table)) {
        if (typeof kernel !== 'function') continue;
        const original = kernel as AnyMethod;
        const label = `kernel:${name}`;
        const self = this;
        this.replace(table, name, function (this: unknown, ...args: unknown[]) {
          const timer = self.timer;
          if (timer === null) return original.apply(this, args);
          timer.enter(label);
          try {
            return original.apply(this, args);
          } finally {
            timer.exit();
          }
        });
      }
    }
  }

  /** A wrapper that times an op's forward or backward, unless it runs inside another op. */
  private opWrapper(original: AnyMethod, phase: 'forward' | 'backward' | null): AnyMethod {
    const self = this;
    return function (this: unknown, ...args: unknown[]) {
      const timer = self.timer;
      if (timer === null || timer.inOp) return original.apply(this, args);
      const name = phase === null ? 'AccumulateGrad' : `${(this as AutogradFunction<unknown[]>).name} ${phase}`;
      timer.inOp = true;
      timer.enter(name);
      try {
        return original.apply(this, args);
      } finally {
        timer.exit();
        timer.inOp = false;
      }
    };
  }

  /** The prototype that defines `key` for `instance`, below Function itself. */
  private definingPrototype(instance: object, key: string): Record<string, unknown> | null {
    for (let p = Object.getPrototypeOf(instance); p !== null && p !== AutogradFunction.prototype; p = Object.getPrototypeOf(p)) {
      if (Object.prototype.hasOwnProperty.call(p, key)) return p as Record<string, unknown>;
    }
    return null;
  }

  /**
   * Wraps the forward and backward of every op class in the graph below `loss` (call it before
   * backward frees nothing it needs: only the nodes' functions are read), and AccumulateGrad's apply.
   * Returns how many op classes were wrapped now.
   */
  instrumentGraph(loss: Tensor): number {
    let added = 0;
    const seen = new Set<Node>();
    const stack = loss.gradFn ? [loss.gradFn as Node] : [];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      for (const next of node.next) if (next !== null) stack.push(next);
      if (!(node instanceof FunctionNode)) continue;
      for (const phase of ['forward', 'backward'] as const) {
        const proto = this.definingPrototype(node.fn, phase);
        if (proto === null || this.patchedPrototypes.has(proto[phase] as object)) continue;
        const wrapped = this.opWrapper(proto[phase] as AnyMethod, phase);
        this.replace(proto, phase, wrapped);
        this.patchedPrototypes.add(wrapped);
        if (phase === 'forward') added++;
      }
    }
    const accumulate = AccumulateGrad.prototype as unknown as Record<string, unknown>;
    if (!this.patchedPrototypes.has(accumulate)) {
      this.replace(accumulate, 'apply', this.opWrapper(accumulate.apply as AnyMethod, null));
      this.patchedPrototypes.add(accumulate);
    }
    return added;
  }

  restore(): void {
    while (this.undo.length > 0) this.undo.pop()!();
    this.patchedPrototypes.clear();
    this.timer = null;
  }
}

/** The op kinds of the breakdown, from a label: the kernels by name, the ops by their Function's name. */
const KERNEL_KINDS: Record<string, string> = {
  convForward: 'conv forward (kernel)',
  convBackwardData: 'conv backward-data (kernel)',
  convBackwardFilter: 'conv backward-filter (kernel)',
  gemm: 'matmul / linear (GEMM kernel)',
  batchedGemm: 'bmm (batched GEMM kernel)',
};

// The ops by their Function's name (src/autograd/ops, src/nn/functional); a name not listed is shown
// as it is, so an op added later appears under its own name rather than vanishing into a group.
const OP_GROUPS: [RegExp, string | ((name: string) => string)][] = [
  [/^Conv/, 'conv, outside the kernels,'],
  [/^BatchNorm/, 'BatchNorm'],
  [/^Relu$/, 'ReLU'],
  [/^(Add|Sub)$/, 'add / sub'],
  [/^(Mul|Div)$/, 'mul / div'],
  [/^MaxPool/, 'max-pool'],
  [/^(AvgPool|AdaptiveAvgPool)/, 'avg-pool'],
  [/Softmax$/, 'softmax'],
  [/^(MatMul|Linear)$/, 'matmul / linear, outside the kernels,'],
  // Layout changes: a permute, slice, cat or pad copies its input; a reshape shares its storage.
  [/^(Reshape|Permute|Expand|Slice|Cat|Pad)$/, (name) => `${name.toLowerCase()} (shape op)`],
  [/^Dropout$/, 'dropout'],
  [/^CrossEntropy$/, 'cross-entropy'],
  [/^(Sum|Mean|Max|Min|Prod|Var|Std)$/, 'reductions'],
];

export function opKind(label: string): string {
  if (label.startsWith('kernel:')) {
    const name = label.slice('kernel:'.length);
    return KERNEL_KINDS[name] ?? `${name} (kernel)`;
  }
  switch (label) {
    case PHASES.forward: return 'forward: module code, graph recording, untimed ops';
    case PHASES.backward: return 'backward: engine (graph walk, gradient sums, checks)';
    case PHASES.update: return 'SGD update (optimizer.step)';
    case 'AccumulateGrad': return 'backward: gradients into the parameters (AccumulateGrad)';
  }
  const match = /^(.*) (forward|backward)$/.exec(label);
  if (!match) return label;
  const [, name, phase] = match;
  const found = OP_GROUPS.find(([pattern]) => pattern.test(name));
  const group = found === undefined ? name : typeof found[1] === 'string' ? found[1] : found[1](name);
  return `${group} ${phase}`;
}

/**
 * The coarse families of the breakdown, for a summary over kernels and ops together: a
 * BatchNorm's kernel and the rest of its op are one BatchNorm, whatever kernels the backends grow.
 * Matched on the label's name, so a kernel or op added later lands in its family when its name says
 * what it is (batchNormBackward, reluBackward, sgdUpdate), and in 'other' when it does not.
 */
const FAMILIES: [RegExp, string][] = [
  [/^kernel:convForward$/, 'conv forward (kernel)'],
  [/^kernel:convBackwardData$/, 'conv backward-data (kernel)'],
  [/^kernel:convBackwardFilter$/, 'conv backward-filter (kernel)'],
  [/^Conv\w* (forward|backward)$/, 'conv, outside the kernels'],
  [/batchnorm.*backward/i, 'BatchNorm backward'],
  [/batchnorm/i, 'BatchNorm forward'],
  [/pool/i, 'pooling'],
  [/softmax/i, 'softmax'],
  [/^(kernel:(gemm|batchedGemm)|(MatMul|Linear) (forward|backward))$/, 'matmul / bmm'],
  [/^(Reshape|Permute|Expand|Slice|Cat|Pad) /, 'shape ops (permute, slice, cat: copies)'],
  [/^phase:update$|sgd|adam|optimizer/i, 'SGD update'],
  [/^(phase:(forward|backward)|AccumulateGrad)$/, 'autograd bookkeeping (module code, graph, engine, leaf gradients)'],
  [/relu|add|sub|mul|div|binary|elementwise|unary/i, 'ReLU, add and other elementwise'],
];

export function opFamily(label: string): string {
  return FAMILIES.find(([pattern]) => pattern.test(label))?.[1] ?? 'other (dropout, loss, reductions, ...)';
}

/** Whether a label is a kernel of the products (convolutions, GEMM, batched GEMM). */
export function isProductKernel(label: string): boolean {
  return label.startsWith('kernel:') && label.slice('kernel:'.length) in KERNEL_KINDS;
}

export interface BreakdownRow {
  kind: string;
  /** Milliseconds per step. */
  ms: number;
  /** Calls per step. */
  calls: number;
}

/** The timer's labels summed into kinds (or families), per step, largest first. */
export function breakdown(timer: ExclusiveTimer, steps: number, kindOf: (label: string) => string = opKind): BreakdownRow[] {
  const rows = new Map<string, BreakdownRow>();
  for (const [label, ms] of timer.milliseconds) {
    const kind = kindOf(label);
    const row = rows.get(kind) ?? { kind, ms: 0, calls: 0 };
    row.ms += ms / steps;
    // A phase is entered once per step; its "calls" say nothing about the work.
    if (!label.startsWith('phase:')) row.calls += (timer.calls.get(label) ?? 0) / steps;
    rows.set(kind, row);
  }
  return [...rows.values()].sort((a, b) => b.ms - a.ms);
}
