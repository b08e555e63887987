/**
 * Optimizer: the base of SGD, Adam and AdamW, with PyTorch's contract. It holds parameter groups (the
 * tensors plus their hyperparameters, the defaults filled in per group, as `param_groups`), a state per
 * parameter (momentum buffers, moment estimates), and turns both into a state dict and back.
 *
 * A parameter is any floating-point leaf tensor; the autograd engine fills its `.grad`. `step()` changes
 * `param.data` in place, a group at a time through the registry's update kernels (so nothing is
 * recorded for backward). The TypeScript reference computes in float64 and rounds a float32 parameter
 * or buffer when it stores it; the cpu backend's kernels compute float32 in float32, as PyTorch does.
 * Either way float32 results agree with PyTorch's to float32 precision only.
 */
import { Tensor } from '../tensor/tensor';
import { DType, convert, isFloat } from '../tensor/dtype';
import { formatShape, shapesEqual } from '../tensor/shape';
import { enableGrad } from '../autograd/grad-mode';
import { describeValue, isRecord, withoutUndefined } from '../tensor/plain-values';
import { isNumberArray, sameKind } from './state-checks';

/** A hyperparameter: what JSON can carry (the state dict's groups are written as JSON metadata). */
export type HyperparameterValue = number | boolean | string | null | readonly number[];

/** The hyperparameters every optimizer here has; schedulers read and write `lr`. */
export interface OptimizerHyperparameters {
  lr: number;
  weightDecay: number;
}

/**
 * A parameter group: its tensors and every hyperparameter. `initialLr` is set by the first LR scheduler
 * attached to the optimizer (PyTorch's `initial_lr`), so that schedulers restart from the same base.
 */
export type ParamGroup<H extends OptimizerHyperparameters = OptimizerHyperparameters> = H & {
  params: Tensor[];
  initialLr?: number;
};

/** A group as the user describes it: its tensors and the hyperparameters that differ from the defaults. */
export type ParamGroupOptions<H extends OptimizerHyperparameters = OptimizerHyperparameters> = Partial<H> & {
  params: Iterable<Tensor> | Tensor;
  initialLr?: number;
};

/** What an optimizer is built from: the parameters, or a list of groups (PyTorch's two forms). */
export type ParamsArgument<H extends OptimizerHyperparameters = OptimizerHyperparameters> =
  | Iterable<Tensor>
  | Iterable<ParamGroupOptions<H>>;

/** The state of one parameter: named buffers (same shape as the parameter) and counters. */
export type ParamState = { [key: string]: Tensor | number | undefined };

/** Which keys a parameter's state holds, for the checks of loadStateDict. */
export interface StateKeys {
  tensors: readonly string[];
  numbers: readonly string[];
}

/** One parameter's state in a state dict: buffers (copies) and counters. */
export type ParamStateDict = { [key: string]: Tensor | number };

/** One group in a state dict: its hyperparameters, and its parameters as indices counted across groups. */
export interface ParamGroupStateDict {
  params: number[];
  [hyperparameter: string]: HyperparameterValue;
}

/**
 * PyTorch's optimizer state dict: `state` maps a parameter's index (its position counted through all
 * groups in order) to its state; `paramGroups` lists each group's hyperparameters and indices. Everything
 * but the tensors is JSON, so a checkpoint can store the tensors in safetensors and the rest as metadata.
 */
export interface OptimizerStateDict {
  state: { [paramIndex: number]: ParamStateDict };
  paramGroups: ParamGroupStateDict[];
}

function copyHyperparameter(value: unknown): unknown {
  return Array.isArray(value) ? [...value] : value;
}

function isHyperparameterValue(value: unknown): boolean {
  const kind = typeof value;
  return value === null || kind === 'number' || kind === 'boolean' || kind === 'string' || isNumberArray(value);
}

export abstract class Optimizer<
  H extends OptimizerHyperparameters = OptimizerHyperparameters,
  S extends ParamState = ParamState,
> {
  /** The hyperparameters a group gets for every key it does not set. */
  readonly defaults: H;
  readonly paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state, created by the first step that parameter takes part in. */
  readonly state = new Map<Tensor, S>();

  constructor(params: ParamsArgument<H>, defaults: H) {
    const name = this.constructor.name;
    if (params instanceof Tensor) throw new Error(`${name}: params is a single Tensor; pass an iterable of tensors, e.g. [param]`);
    if (params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
      throw new Error(`${name}: params must be an iterable of tensors or of parameter groups; got ${describeValue(params)}`);
    }
    this.checkHyperparameters(defaults, `${name}: the defaults`);
    this.defaults = Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, copyHyperparameter(v)])) as unknown as H;
    const items: unknown[] = [...params];
    if (items.length === 0) throw new Error(`${name}: got an empty parameter list`);
    if (items.every((x) => x instanceof Tensor)) {
      this.addParamGroup({ params: items as Tensor[] } as unknown as ParamGroupOptions<H>);
    } else if (items.every((x) => isRecord(x) && 'params' in x)) {
      for (const group of items as ParamGroupOptions<H>[]) this.addParamGroup(group);
    } else {
      throw new Error(`${name}: params must be all tensors or all parameter groups ({ params, ... }), not a mix`);
    }
  }

  /** The hyperparameters' rules (lr >= 0, betas in [0, 1), ...); throws naming `where`. */
  protected abstract checkHyperparameters(hyperparameters: H, where: string): void;

  /** The keys a parameter's state holds under these hyperparameters. */
  protected abstract stateKeys(hyperparameters: H): StateKeys;

  /** Updates one parameter in place from its gradient; the grad's shape is already checked. */
  protected abstract updateParam(param: Tensor, grad: ArrayLike<number>, group: ParamGroup<H>): void;

  /**
   * Updates the parameters of `group` that have a gradient. By default one at a time; SGD and Adam
   * hand the whole group to one kernel call, so a backend can update a model's parameters at once.
   */
  protected updateGroup(group: ParamGroup<H>, params: Tensor[]): void {
    for (const p of params) this.updateParam(p, p.grad!.storage, group);
  }

  /** Adds a group, as PyTorch's add_param_group: missing hyperparameters come from the defaults. */
  addParamGroup(options: ParamGroupOptions<H>): void {
    const name = this.constructor.name;
    const where = `parameter group ${this.paramGroups.length}`;
    const { params, ...given } = options;
    if (!(params instanceof Tensor) && (typeof params !== 'object' || params === null || !(Symbol.iterator in params))) {
      throw new Error(`${name}: ${where}: params must be a Tensor or an iterable of tensors; got ${describeValue(params)}`);
    }
    const list: unknown[] = params instanceof Tensor ? [params] : [...params];
    const seen = new Set<Tensor>(this.paramGroups.flatMap((g) => g.params));
    list.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new Error(`${name}: ${where}, params[${i}] is ${describeValue(p)}; expected a Tensor`);
      if (!isFloat(p.dtype)) throw new Error(`${name}: ${where}, params[${i}] is ${p.dtype}; only floating-point tensors can be optimized`);
      if (!p.isLeaf) throw new Error(`${name}: ${where}, params[${i}] is not a leaf tensor (it has a gradFn); optimize the leaves`);
      if (seen.has(p)) throw new Error(`${name}: ${where}, params[${i}] appears more than once in the optimizer's groups`);
      seen.add(p);
    });
    const overrides = withoutUndefined(given);
    for (const [key, value] of Object.entries(overrides)) {
      if (key === 'initialLr') {
        if (typeof value !== 'number') throw new Error(`${name}: ${where}, initialLr is ${describeValue(value)}; expected a number`);
        continue;
      }
      if (!(key in this.defaults)) {
        throw new Error(`${name}: ${where} sets '${key}', which is not a hyperparameter of ${name} (${Object.keys(this.defaults).join(', ')})`);
      }
      if (!sameKind(value, (this.defaults as Record<string, unknown>)[key])) {
        throw new Error(`${name}: ${where} sets ${key} to ${describeValue(value)}; expected a value like the default ${describeValue((this.defaults as Record<string, unknown>)[key])}`);
      }
    }
    const group = { ...this.defaults, ...overrides } as Record<string, unknown>;
    for (const key of Object.keys(group)) group[key] = copyHyperparameter(group[key]);
    this.checkHyperparameters(group as unknown as H, `${name}: ${where}`);
    this.paramGroups.push({ ...group, params: list as Tensor[] } as ParamGroup<H>);
  }

  /**
   * Forgets every gradient. With `setToNone` (the default, as PyTorch 2; PyTorch 1.13 defaulted to false)
   * the grads become null, which saves memory and lets step() skip parameters that got no gradient;
   * with false they are filled with zeros in place.
   */
  zeroGrad(setToNone = true): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (setToNone) p.grad = null;
        else if (p.grad !== null) p.grad.data.fill(0);
      }
    }
  }

  /**
   * One update of every parameter that has a gradient (the others are skipped, as PyTorch). A closure,
   * when given, is run first with gradient recording on (it recomputes the loss) and its result returned.
   */
  step(): void;
  step<T>(closure: () => T): T;
  step<T>(closure?: () => T): T | undefined {
    const loss = closure === undefined ? undefined : enableGrad(closure);
    // Checked before any update, so a bad gradient leaves every parameter as it was.
    this.paramGroups.forEach((group, gi) => {
      group.params.forEach((p, i) => {
        if (p.grad !== null && !shapesEqual(p.grad.shape, p.shape)) {
          throw new Error(
            `${this.constructor.name}.step: group ${gi}, params[${i}] has shape ${formatShape(p.shape)} ` +
              `but its grad has shape ${formatShape(p.grad.shape)}`,
          );
        }
      });
    });
    for (const group of this.paramGroups) this.updateGroup(group, group.params.filter((p) => p.grad !== null));
    return loss;
  }

  /** A snapshot of the state (tensors copied) and of the groups' hyperparameters, in PyTorch's layout. */
  stateDict(): OptimizerStateDict {
    const state: { [paramIndex: number]: ParamStateDict } = {};
    let index = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const { params, ...hyperparameters } = group as ParamGroup<H> & Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(hyperparameters)) out[key] = copyHyperparameter(value);
      const ids: number[] = [];
      for (const p of params) {
        const s = this.state.get(p);
        if (s !== undefined) {
          const entry: ParamStateDict = {};
          for (const [key, value] of Object.entries(s)) {
            if (value instanceof Tensor) entry[key] = new Tensor(value.data.slice(), value.shape);
            else if (value !== undefined) entry[key] = value;
          }
          state[index] = entry;
        }
        ids.push(index++);
      }
      return { ...out, params: ids } as ParamGroupStateDict;
    });
    return { state, paramGroups };
  }

  /**
   * Restores a state dict made by stateDict() of an optimizer of the same kind over parameters of the same
   * shapes, in the same group layout. Hyperparameters (lr included) come from the dict, tensors are copied
   * into the parameters' dtypes. Everything is checked first: on any mismatch it throws and changes nothing.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const where = `${this.constructor.name}.loadStateDict`;
    if (!isRecord(stateDict) || !isRecord(stateDict.state) || !Array.isArray(stateDict.paramGroups)) {
      throw new Error(`${where}: expected { state: {...}, paramGroups: [...] }; got ${describeValue(stateDict)}`);
    }
    const saved = stateDict.paramGroups as unknown[];
    if (saved.length !== this.paramGroups.length) {
      throw new Error(`${where}: the state dict has ${saved.length} parameter group(s); this optimizer has ${this.paramGroups.length}`);
    }
    // As PyTorch, saved indices map to this optimizer's parameters by position, group by group.
    const paramOf = new Map<number, { param: Tensor; group: number }>();
    const newHyperparameters = saved.map((g, gi) => {
      const current = this.paramGroups[gi];
      if (!isRecord(g) || !isNumberArray(g.params)) {
        throw new Error(`${where}: paramGroups[${gi}] must be an object with a params array of indices; got ${describeValue(g)}`);
      }
      if (g.params.length !== current.params.length) {
        throw new Error(
          `${where}: paramGroups[${gi}] has ${g.params.length} parameter(s) in the state dict; this optimizer's group has ${current.params.length}`,
        );
      }
      g.params.forEach((id, i) => {
        if (!Number.isInteger(id) || paramOf.has(id)) throw new Error(`${where}: paramGroups[${gi}].params[${i}] = ${id} is not a new integer index`);
        paramOf.set(id, { param: current.params[i], group: gi });
      });
      return this.checkSavedHyperparameters(g, `${where}: paramGroups[${gi}]`);
    });

    const newState = new Map<Tensor, S>();
    for (const [key, entry] of Object.entries(stateDict.state as Record<string, unknown>)) {
      const target = paramOf.get(Number(key));
      if (target === undefined) throw new Error(`${where}: state has an entry for parameter index ${key}, which no group lists`);
      const s = this.checkSavedParamState(entry, target.param, newHyperparameters[target.group], `${where}: state[${key}]`);
      if (Object.keys(s).length > 0) newState.set(target.param, s);
    }

    this.paramGroups.forEach((group, gi) => {
      const record = group as unknown as Record<string, unknown>;
      for (const key of Object.keys(record)) if (key !== 'params') delete record[key];
      Object.assign(record, newHyperparameters[gi]);
    });
    this.state.clear();
    for (const [p, s] of newState) this.state.set(p, s);
  }

  /** A saved group's hyperparameters (copied), checked against the defaults' keys and kinds and the rules. */
  private checkSavedHyperparameters(saved: Record<string, unknown>, where: string): H {
    const defaults = this.defaults as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(saved)) {
      if (key === 'params') continue;
      if (key !== 'initialLr' && !(key in defaults)) {
        throw new Error(`${where} has '${key}', which is not a hyperparameter of ${this.constructor.name}`);
      }
      if (!isHyperparameterValue(value)) throw new Error(`${where}.${key} is ${describeValue(value)}; expected a number, boolean, string or array of numbers`);
      out[key] = copyHyperparameter(value);
    }
    for (const key of Object.keys(defaults)) {
      if (!(key in out)) throw new Error(`${where} lacks the hyperparameter '${key}'`);
      if (!sameKind(out[key], defaults[key])) {
        throw new Error(`${where}.${key} is ${describeValue(out[key])}; expected a value like ${describeValue(defaults[key])}`);
      }
    }
    if ('initialLr' in out && typeof out.initialLr !== 'number') throw new Error(`${where}.initialLr is ${describeValue(out.initialLr)}; expected a number`);
    this.checkHyperparameters(out as unknown as H, where);
    return out as unknown as H;
  }

  /** A saved parameter state (tensors copied into the parameter's dtype), checked against the expected keys and shapes. */
  private checkSavedParamState(entry: unknown, param: Tensor, hyperparameters: H, where: string): S {
    if (!isRecord(entry)) throw new Error(`${where} must be an object; got ${describeValue(entry)}`);
    const { tensors, numbers } = this.stateKeys(hyperparameters);
    const expected = [...tensors, ...numbers];
    for (const key of Object.keys(entry)) {
      if (!expected.includes(key)) throw new Error(`${where} has '${key}'; ${this.constructor.name} keeps [${expected.join(', ')}] per parameter`);
    }
    const out: Record<string, Tensor | number> = {};
    for (const key of tensors) {
      const t = entry[key];
      if (!(t instanceof Tensor)) throw new Error(`${where}.${key} is ${describeValue(t)}; expected a Tensor`);
      if (!shapesEqual(t.shape, param.shape)) {
        throw new Error(`${where}.${key} has shape ${formatShape(t.shape)}; its parameter has shape ${formatShape(param.shape)}`);
      }
      out[key] = new Tensor(convert(t.data, param.dtype), param.shape);
    }
    for (const key of numbers) {
      const n = entry[key];
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`${where}.${key} is ${describeValue(n)}; expected a finite number`);
      out[key] = n;
    }
    return out as S;
  }
}

/** The check every optimizer makes of its numeric hyperparameters: finite and within [min, max). */
export function checkRange(value: number, name: string, where: string, min: number, maxExclusive = Infinity): void {
  if (!Number.isFinite(value) || value < min || value >= maxExclusive) {
    const range = maxExclusive !== Infinity ? ` in [${min}, ${maxExclusive})` : min !== -Infinity ? ` >= ${min}` : '';
    throw new Error(`${where}: ${name} must be a finite number${range}; got ${value}`);
  }
}

/**
 * The parameters split by dtype, each part with its dtype: a kernel is chosen per dtype (float64
 * parameters run on the reference whatever the backend).
 */
export function byDType(params: Tensor[]): [DType, Tensor[]][] {
  const parts = new Map<DType, Tensor[]>();
  for (const p of params) {
    const part = parts.get(p.dtype);
    if (part) part.push(p);
    else parts.set(p.dtype, [p]);
  }
  return [...parts];
}
