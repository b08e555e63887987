/**
 * Module: the base class of every layer and model, with PyTorch's nn.Module contract.
 *
 * How a module knows its parts: a module's parameters and children are simply its own fields that
 * hold a Parameter or a Module. Writing a layer is therefore plain TypeScript,
 *
 *     class Block extends Module {
 *       readonly conv = new Conv2d(8, 8, 3, { padding: 1 });   // a child named 'conv'
 *       readonly scale = new Parameter(ones([8]));             // a parameter named 'scale'
 *       forward(x: Tensor): Tensor { ... }
 *     }
 *
 * and every field is typed. The order of the fields (the order JavaScript keeps object keys in) is the
 * order of `parameters()` and of the state dict, as PyTorch's registration order. Two caveats of
 * finding parts by looking at fields: an array of modules is not looked into (use ModuleList), and
 * keys that look like array indices ('0', '1', ...) come first in numeric order; only containers use
 * such names, and for them that is the order wanted.
 *
 * Buffers (state that is saved but not learned, like BatchNorm's running mean) cannot be told apart
 * from other tensors by their type, so they are registered explicitly with `registerBuffer`, under the
 * exact name the state dict uses (torchvision's snake_case `running_mean`).
 * `registerParameter` / `registerModule` do the same for names chosen at run time ('0', '1' in
 * Sequential); they store the value in a field of that name, so both ways lead to the same place.
 */
import { Tensor } from '../tensor/tensor';
import { convert } from '../tensor/dtype';
import { formatShape, shapesEqual } from '../tensor/shape';
import { describeValue } from '../tensor/plain-values';
import { Parameter } from './parameter';
import { StateDict } from './state-dict';
import { indentTail } from './repr';

export interface LoadStateDictOptions {
  /** Require the keys to match exactly (default true); shape mismatches are errors either way. */
  strict?: boolean;
}

/** The keys that did not match, as PyTorch's `_IncompatibleKeys`. */
export interface LoadStateDictResult {
  /** Keys the module has that the state dict lacks (their values were left as they were). */
  missingKeys: string[];
  /** Keys of the state dict that the module does not have (ignored). */
  unexpectedKeys: string[];
}

export interface RegisterBufferOptions {
  /** Whether the buffer is part of the state dict (default true). */
  persistent?: boolean;
}

function joinName(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

export abstract class Module {
  /** Train mode (the default) or eval mode; changes Dropout and BatchNorm. Set it with train() / eval(). */
  training = true;
  // Buffers by state-dict name, in registration order; null keeps a place for an absent buffer.
  private readonly bufferTable = new Map<string, Tensor | null>();
  private readonly nonPersistentBuffers = new Set<string>();

  /**
   * The computation. Each subclass declares its own signature (`forward(x: Tensor): Tensor`); the base
   * type is as loose as it must be to accept them all.
   */
  abstract forward(...inputs: any[]): any;

  // ------------------------------------------------------------------ registration

  private checkName(kind: string, name: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new Error(
        `${this.constructor.name}.register${kind}: name must be a non-empty string without '.'; ` +
          `got ${JSON.stringify(name)}`,
      );
    }
  }

  /** Throws unless `name` is free, or already holds a value that `allowed` accepts (re-registration). */
  private checkFree(kind: string, name: string, allowed: (v: unknown) => boolean): void {
    const current = (this as Record<string, unknown>)[name];
    const taken = (name in this && current !== undefined && current !== null && !allowed(current)) ||
      this.bufferTable.has(name);
    if (taken) {
      throw new Error(
        `${this.constructor.name}.register${kind}: '${name}' is already used by ` +
          `${this.bufferTable.has(name) ? 'a buffer' : describeValue(current)}`,
      );
    }
  }

  /** Stores `param` as the field `name`, which makes it a parameter; null leaves the slot empty. */
  registerParameter<P extends Parameter | null>(name: string, param: P): P {
    this.checkName('Parameter', name);
    if (param !== null && !(param instanceof Parameter)) {
      throw new Error(
        `${this.constructor.name}.registerParameter: '${name}' must be a Parameter (wrap the tensor in ` +
          `new Parameter(t)) or null; got ${describeValue(param)}`,
      );
    }
    this.checkFree('Parameter', name, (v) => v instanceof Parameter);
    this.defineField(name, param);
    return param;
  }

  /** Stores `module` as the field `name`, which makes it a child. */
  registerModule<M extends Module | null>(name: string, module: M): M {
    this.checkName('Module', name);
    if (module !== null && !(module instanceof Module)) {
      throw new Error(`${this.constructor.name}.registerModule: '${name}' must be a Module or null; got ${describeValue(module)}`);
    }
    this.checkFree('Module', name, (v) => v instanceof Module);
    this.defineField(name, module);
    return module;
  }

  /** PyTorch's other name for registerModule. */
  addModule<M extends Module | null>(name: string, module: M): M {
    return this.registerModule(name, module);
  }

  /**
   * Registers a tensor that belongs to the module's state but is not learned (running statistics).
   * Non-persistent buffers stay out of the state dict. Registering the same name again replaces it.
   */
  registerBuffer<T extends Tensor | null>(name: string, tensor: T, opts: RegisterBufferOptions = {}): T {
    this.checkName('Buffer', name);
    if (tensor !== null && !(tensor instanceof Tensor)) {
      throw new Error(`${this.constructor.name}.registerBuffer: '${name}' must be a Tensor or null; got ${describeValue(tensor)}`);
    }
    if (name in this) {
      throw new Error(`${this.constructor.name}.registerBuffer: '${name}' is already a field of the module`);
    }
    this.bufferTable.set(name, tensor);
    if (opts.persistent ?? true) this.nonPersistentBuffers.delete(name);
    else this.nonPersistentBuffers.add(name);
    return tensor;
  }

  /** The buffer registered as `name` (null when registered empty). */
  getBuffer(name: string): Tensor | null {
    if (!this.bufferTable.has(name)) {
      const known = [...this.bufferTable.keys()];
      throw new Error(
        `${this.constructor.name}.getBuffer: no buffer '${name}'; ` +
          (known.length ? `it has ${known.join(', ')}` : 'it has none'),
      );
    }
    return this.bufferTable.get(name) ?? null;
  }

  private defineField(name: string, value: unknown): void {
    Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
  }

  // ------------------------------------------------------------------ own parts, from the fields

  private ownParameters(): [string, Parameter][] {
    return Object.entries(this).filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
  }

  private ownChildren(): [string, Module][] {
    return Object.entries(this).filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  private ownBuffers(): [string, Tensor][] {
    return [...this.bufferTable].filter((e): e is [string, Tensor] => e[1] !== null);
  }

  // ------------------------------------------------------------------ traversal

  /** Direct children by field name, each module once. */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    return this.ownChildren().filter(([, m]) => !seen.has(m) && seen.add(m));
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module (named `prefix`, '' by default) and every module below it, depth first, each once. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (module: Module, name: string): void => {
      if (seen.has(module)) return;
      seen.add(module);
      out.push([name, module]);
      for (const [childName, child] of module.ownChildren()) visit(child, joinName(name, childName));
    };
    visit(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with dotted names (`layer1.0.conv1.weight`), each tensor once even when shared. */
  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    return this.collect(prefix, recurse, (m) => m.ownParameters());
  }

  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  /** Buffers with dotted names (`bn1.running_mean`), each tensor once. */
  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    return this.collect(prefix, recurse, (m) => m.ownBuffers());
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  private collect<T extends Tensor>(prefix: string, recurse: boolean, own: (m: Module) => [string, T][]): [string, T][] {
    const modules: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    const seen = new Set<T>();
    const out: [string, T][] = [];
    for (const [moduleName, module] of modules) {
      for (const [name, t] of own(module)) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([joinName(moduleName, name), t]);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ modes and helpers

  /** Sets train mode (or eval mode with false) on this module and every module below it. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Clears every parameter's gradient. The default drops it (null), as PyTorch 2's set_to_none=True:
   * the next backward then writes instead of adds. setToNone = false fills the existing ones with 0.
   */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (setToNone || p.grad === null) p.grad = null;
      else p.grad.data.fill(0);
    }
  }

  /** Calls fn on every module below this one (children first) and then on this one, as PyTorch. */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Converts every floating-point parameter and buffer to `dtype`, as PyTorch's module.to(dtype)
   * (int32 buffers such as num_batches_tracked stay). A tensor's storage cannot change type in place,
   * so converted parameters are new Parameter objects: convert before giving parameters() to an
   * optimiser. A parameter shared by two modules stays shared.
   */
  to(dtype: 'float32' | 'float64'): this {
    if (dtype !== 'float32' && dtype !== 'float64') {
      throw new Error(`${this.constructor.name}.to: dtype must be 'float32' or 'float64'; got ${JSON.stringify(dtype)}`);
    }
    const converted = new Map<Tensor, Tensor>();
    const convertOnce = <T extends Tensor>(t: T, make: (c: Tensor) => T): T => {
      if (!converted.has(t)) converted.set(t, make(new Tensor(convert(t.data, dtype), t.shape)));
      return converted.get(t) as T;
    };
    for (const m of this.modules()) {
      for (const [name, p] of m.ownParameters()) {
        if (p.dtype !== dtype) m.defineField(name, convertOnce(p, (c) => new Parameter(c, p.requiresGrad)));
      }
      for (const [name, b] of m.ownBuffers()) {
        if (b.dtype !== 'int32' && b.dtype !== dtype) m.bufferTable.set(name, convertOnce(b, (c) => c));
      }
    }
    return this;
  }

  double(): this {
    return this.to('float64');
  }

  float(): this {
    return this.to('float32');
  }

  // ------------------------------------------------------------------ state dict

  /**
   * Every parameter and persistent buffer by dotted name, in PyTorch's order: a module's own
   * parameters, then its own buffers, then each child's entries. The tensors share storage with the
   * module's (as PyTorch's, detached from the graph): write through them and the module changes.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [name, t] of this.stateEntries('')) out[name] = t.detach();
    return out;
  }

  /** The live tensors behind stateDict(), so that loading can write into them. */
  private stateEntries(prefix: string): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, p] of this.ownParameters()) out.push([joinName(prefix, name), p]);
    for (const [name, b] of this.ownBuffers()) {
      if (!this.nonPersistentBuffers.has(name)) out.push([joinName(prefix, name), b]);
    }
    for (const [name, child] of this.ownChildren()) out.push(...child.stateEntries(joinName(prefix, name)));
    return out;
  }

  /**
   * Copies the values of `stateDict` into this module's parameters and buffers, in place (so optimisers
   * and other references keep working), converting the dtype when it differs (an int32 counter from an
   * int64 or float file, float64 values into float32 weights).
   *
   * Everything is checked before anything is written: a shape mismatch (all of them listed), or with
   * strict (the default) any missing or unexpected key, throws and leaves the module unchanged.
   */
  loadStateDict(stateDict: StateDict, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    if (stateDict === null || typeof stateDict !== 'object') {
      throw new Error(`${this.constructor.name}.loadStateDict: expected an object of tensors by name; got ${describeValue(stateDict)}`);
    }
    const targets = new Map(this.stateEntries(''));
    const missingKeys: string[] = [];
    const problems: string[] = [];
    const copies: [Tensor, Tensor][] = [];
    for (const [key, target] of targets) {
      if (!Object.prototype.hasOwnProperty.call(stateDict, key)) {
        missingKeys.push(key);
        continue;
      }
      const source: unknown = stateDict[key];
      if (!(source instanceof Tensor)) {
        problems.push(`${key}: expected a Tensor, got ${describeValue(source)}`);
      } else if (!shapesEqual(source.shape, target.shape)) {
        problems.push(`${key}: shape ${formatShape(source.shape)} in the state dict, ${formatShape(target.shape)} in the model`);
      } else {
        copies.push([source, target]);
      }
    }
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !targets.has(k));
    if (strict && unexpectedKeys.length) problems.unshift(`unexpected key(s): ${unexpectedKeys.join(', ')}`);
    if (strict && missingKeys.length) problems.unshift(`missing key(s): ${missingKeys.join(', ')}`);
    if (problems.length) {
      throw new Error(
        `${this.constructor.name}.loadStateDict: ${problems.length} problem(s); nothing was loaded:\n  ` +
          problems.join('\n  '),
      );
    }
    // TypedArray.set converts between element types (float64 to float32 rounds, float to int32 truncates).
    for (const [source, target] of copies) target.data.set(source.data);
    return { missingKeys, unexpectedKeys };
  }

  // ------------------------------------------------------------------ printing

  /** The module's own settings for toString, as PyTorch's extra_repr (`in_features=4, ...`). */
  extraRepr(): string {
    return '';
  }

  /** The module tree as PyTorch prints it: `Name(extra)`, or one `(child): ...` line per child. */
  toString(): string {
    const extraLines = this.extraRepr() ? this.extraRepr().split('\n') : [];
    const childLines = this.ownChildren().map(([name, child]) => `(${name}): ${indentTail(child.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let body = '';
    if (extraLines.length === 1 && childLines.length === 0) body = extraLines[0];
    else if (lines.length) body = `\n  ${lines.join('\n  ')}\n`;
    return `${this.constructor.name}(${body})`;
  }

  /** What console.log shows in Node: the tree, not the internal fields. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
