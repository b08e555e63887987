/**
 * Containers: Sequential runs its modules one after another; ModuleList only holds them (for models
 * whose forward picks its own order). Both name their children '0', '1', ... so that the state-dict
 * keys are torchvision's (`layer1.0.conv1.weight`, `downsample.1.running_mean`).
 */
import { Tensor } from '../../tensor/tensor';
import { Module } from '../module';

/** What both containers share: numbered children. */
abstract class IndexedModules<M extends Module> extends Module {
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** The module at `index` (negative counts from the end). */
  get(index: number): M {
    const i = index < 0 ? index + this.count : index;
    if (!Number.isInteger(index) || i < 0 || i >= this.count) {
      throw new Error(`${this.constructor.name}.get: index ${index} is out of range for ${this.count} modules`);
    }
    return (this as unknown as Record<string, M>)[String(i)];
  }

  /** Adds `module` at the end, under the next number. */
  append(module: M): this {
    this.registerModule(String(this.count), module);
    this.count++;
    return this;
  }

  *[Symbol.iterator](): Iterator<M> {
    for (let i = 0; i < this.count; i++) yield this.get(i);
  }
}

/** Feeds the input through each module in turn, as torch.nn.Sequential. */
export class Sequential<M extends Module = Module> extends IndexedModules<M> {
  // NoInfer: `new Sequential(conv, bn)` holds Modules; a narrower type is asked for explicitly, as
  // `new Sequential<Bottleneck>(...)`, rather than guessed from the first argument.
  constructor(...modules: NoInfer<M>[]) {
    super();
    for (const m of modules) this.append(m);
  }

  forward(input: Tensor): Tensor {
    let x = input;
    for (const m of this) x = m.forward(x);
    return x;
  }
}

/** Holds modules so that they are registered (parameters, state dict, train / eval), as torch.nn.ModuleList. */
export class ModuleList<M extends Module = Module> extends IndexedModules<M> {
  constructor(modules: Iterable<NoInfer<M>> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  forward(): never {
    throw new Error('ModuleList has no forward: iterate over it and call each module yourself');
  }
}
