/**
 * Training checkpoints: everything a run needs to continue exactly where it stopped, in ONE safetensors
 * file (so PyTorch tools can open it too):
 *
 *   model.<key>          the model's state dict
 *   optimizer.<path>     each tensor of the optimizer's state, at its path in the state object
 *                        (`optimizer.state.0.momentumBuffer`); scheduler.<path> and extra.<path> alike
 *   __metadata__         format and version, epoch, step, and as JSON: the random generator's state and
 *                        the non-tensor part of the optimizer, scheduler and extra, where each tensor is
 *                        replaced by {"$tensor": "<its key>"}
 *
 * The random generator's state is part of it because dropout and data sampling draw from it: without it,
 * a resumed run would take different random masks than the run that never stopped.
 *
 * Loading checks the file against the model, optimizer and scheduler before it changes any of them; a
 * mismatch throws an error listing every difference and leaves everything as it was.
 */
import { Tensor } from '../tensor/tensor';
import { formatShape, shapesEqual } from '../tensor/shape';
import { defaultGenerator, GeneratorState } from '../tensor/random';
import { describeKind, isPlainObject } from '../tensor/plain-values';
import { loadSafetensors, readSafetensorsHeader, saveSafetensors, SafetensorsMetadata } from '../nn/safetensors';
import type { StateDict } from '../nn/state-dict';

export const CHECKPOINT_FORMAT = 'ssan-ts checkpoint';
export const CHECKPOINT_VERSION = 1;

/** A JSON value, possibly with Tensors anywhere inside: what optimizer and scheduler states are made of. */
export type StateValue = number | boolean | string | null | Tensor | readonly StateValue[] | { readonly [key: string]: StateValue };

/** A model as far as checkpoints care (a Module is one). */
export interface CheckpointModel {
  stateDict(): StateDict;
  loadStateDict(stateDict: StateDict, options?: { strict?: boolean }): unknown;
}

/** An optimizer or a scheduler as far as checkpoints care: a state object of JSON values and Tensors. */
export interface CheckpointStateful {
  stateDict(): object;
  loadStateDict(state: object): unknown;
}

export interface SaveCheckpointOptions {
  model: CheckpointModel;
  optimizer?: CheckpointStateful;
  scheduler?: CheckpointStateful;
  /** Epochs and optimizer steps completed so far. */
  epoch: number;
  step: number;
  /** Anything else to resume with (best accuracy, the config, ...): JSON values and Tensors. */
  extra?: StateValue;
}

export interface LoadCheckpointOptions {
  model: CheckpointModel;
  /** Restored when given; the checkpoint must then hold an optimizer state of the same layout. */
  optimizer?: CheckpointStateful;
  scheduler?: CheckpointStateful;
}

export interface CheckpointProgress {
  epoch: number;
  step: number;
  extra: StateValue;
}

/** What readCheckpointInfo tells without reading the tensors. */
export interface CheckpointInfo extends Omit<CheckpointProgress, 'extra'> {
  version: number;
  /** `extra` as stored: tensors appear as {"$tensor": key} placeholders. */
  extra: unknown;
  hasOptimizer: boolean;
  hasScheduler: boolean;
  /** The model's keys with their shapes, in the file's order. */
  modelShapes: Record<string, number[]>;
}

const TENSOR_TAG = '$tensor';
const NUMBER_TAG = '$number';
const MODEL_PREFIX = 'model.';
/** Parts whose state is stored as JSON with tensor placeholders, by metadata key (also the tensor prefix). */
const STATE_PARTS = ['optimizer', 'scheduler', 'extra'] as const;
type StatePart = (typeof STATE_PARTS)[number];
const MAX_LISTED = 8;

// ---------------------------------------------------------------- state objects <-> JSON + tensors

/**
 * The JSON skeleton of a state value; its tensors go into `tensors` under `path` (their dotted path).
 * Non-finite numbers (a plateau scheduler's initial best of Infinity) are tagged, since JSON has none.
 */
function separateTensors(value: unknown, path: string, tensors: StateDict, what: string): unknown {
  if (value instanceof Tensor) {
    if (Object.prototype.hasOwnProperty.call(tensors, path)) {
      throw new Error(`saveCheckpoint: two tensors of the ${what} state map to the key ${JSON.stringify(path)}; ` +
        "rename keys that contain '.'");
    }
    tensors[path] = value;
    return { [TENSOR_TAG]: path };
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : { [NUMBER_TAG]: String(value) };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v, i) => separateTensors(v, `${path}.${i}`, tensors, what));
  if (isPlainObject(value)) {
    const entries: [string, unknown][] = [];
    for (const [key, v] of Object.entries(value)) {
      if (key === TENSOR_TAG || key === NUMBER_TAG) {
        throw new Error(`saveCheckpoint: the ${what} state uses the reserved key ${JSON.stringify(key)} at ${path}`);
      }
      // As JSON.stringify: an undefined field is an absent field.
      if (v !== undefined) entries.push([key, separateTensors(v, `${path}.${key}`, tensors, what)]);
    }
    return Object.fromEntries(entries);
  }
  throw new Error(`saveCheckpoint: the ${what} state holds ${describeKind(value)} at ${path}; ` +
    'a state can hold numbers, strings, booleans, null, arrays, plain objects and Tensors');
}

/** The inverse of separateTensors: placeholders replaced by the file's tensors (recorded in `used`). */
function restoreTensors(json: unknown, tensors: StateDict, used: Set<string>, problems: string[]): unknown {
  if (Array.isArray(json)) return json.map((v) => restoreTensors(v, tensors, used, problems));
  if (!isPlainObject(json)) return json;
  const keys = Object.keys(json);
  if (keys.length === 1 && keys[0] === NUMBER_TAG) return Number(json[NUMBER_TAG]);
  if (keys.length === 1 && keys[0] === TENSOR_TAG) {
    const key = String(json[TENSOR_TAG]);
    if (!Object.prototype.hasOwnProperty.call(tensors, key)) {
      problems.push(`the metadata refers to tensor ${JSON.stringify(key)}, which the file does not hold`);
      return null;
    }
    used.add(key);
    return tensors[key];
  }
  return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, restoreTensors(v, tensors, used, problems)]));
}

/** A deep copy with every tensor's data copied: a snapshot that later in-place writes cannot change. */
function cloneState(value: unknown): unknown {
  if (value instanceof Tensor) return new Tensor(value.data.slice(), value.shape);
  if (Array.isArray(value)) return value.map(cloneState);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneState(v)]));
  return value;
}

// ---------------------------------------------------------------- saving

function checkCount(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`saveCheckpoint: ${name} must be a non-negative integer; got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Saves model, optimizer, scheduler, progress and the default generator's state to one safetensors file,
 * written under a temporary name and renamed: a crash never leaves half a checkpoint.
 */
export function saveCheckpoint(file: string, options: SaveCheckpointOptions): void {
  const { model, epoch, step } = options;
  if (typeof model?.stateDict !== 'function') throw new Error('saveCheckpoint: options.model must have stateDict()');
  const metadata: SafetensorsMetadata = {
    format: CHECKPOINT_FORMAT,
    version: String(CHECKPOINT_VERSION),
    epoch: String(checkCount(epoch, 'epoch')),
    step: String(checkCount(step, 'step')),
    generator: JSON.stringify(defaultGenerator.getState()),
  };
  const tensors: StateDict = {};
  for (const [key, t] of Object.entries(model.stateDict())) tensors[MODEL_PREFIX + key] = t;
  const states: Record<StatePart, unknown> = {
    optimizer: options.optimizer?.stateDict(),
    scheduler: options.scheduler?.stateDict(),
    extra: options.extra,
  };
  for (const part of STATE_PARTS) {
    if (states[part] !== undefined) metadata[part] = JSON.stringify(separateTensors(states[part], part, tensors, part));
  }
  saveSafetensors(file, tensors, metadata);
}

// ---------------------------------------------------------------- reading the metadata

interface ParsedMetadata {
  version: number;
  epoch: number;
  step: number;
  generator: GeneratorState;
  /** The JSON of each part present. */
  parts: Partial<Record<StatePart, unknown>>;
}

function parseMetadata(metadata: SafetensorsMetadata, where: string): ParsedMetadata {
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new Error(`${where}: not a checkpoint written by saveCheckpoint (metadata format is ` +
      `${JSON.stringify(metadata.format ?? null)}, expected ${JSON.stringify(CHECKPOINT_FORMAT)}); ` +
      'for a file of model weights use nn.load');
  }
  const version = Number(metadata.version);
  if (version !== CHECKPOINT_VERSION) {
    throw new Error(`${where}: checkpoint format version ${JSON.stringify(metadata.version)}; ` +
      `this code reads version ${CHECKPOINT_VERSION}`);
  }
  const json = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key]);
    } catch {
      throw new Error(`${where}: metadata ${JSON.stringify(key)} is missing or not valid JSON`);
    }
  };
  const count = (key: string): number => {
    const value = json(key);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new Error(`${where}: metadata ${JSON.stringify(key)} is ${JSON.stringify(value)}; expected a non-negative integer`);
    }
    return value;
  };
  const generator = json('generator') as GeneratorState;
  if (!isPlainObject(generator) || typeof generator.seed !== 'string' || !isPlainObject(generator.prng)) {
    throw new Error(`${where}: metadata "generator" is not a generator state { seed, prng }`);
  }
  const parts: Partial<Record<StatePart, unknown>> = {};
  for (const part of STATE_PARTS) if (part in metadata) parts[part] = json(part);
  return { version, epoch: count('epoch'), step: count('step'), generator, parts };
}

/** Progress and contents of a checkpoint from its header alone (no tensor is read): for `--resume`. */
export function readCheckpointInfo(file: string): CheckpointInfo {
  const header = readSafetensorsHeader(file);
  const parsed = parseMetadata(header.metadata, `readCheckpointInfo ${JSON.stringify(file)}`);
  const modelShapes: Record<string, number[]> = {};
  for (const [key, entry] of Object.entries(header.entries)) {
    if (key.startsWith(MODEL_PREFIX)) modelShapes[key.slice(MODEL_PREFIX.length)] = entry.shape;
  }
  return {
    version: parsed.version,
    epoch: parsed.epoch,
    step: parsed.step,
    extra: parsed.parts.extra ?? null,
    hasOptimizer: parsed.parts.optimizer !== undefined,
    hasScheduler: parsed.parts.scheduler !== undefined,
    modelShapes,
  };
}

// ---------------------------------------------------------------- loading

function listed(keys: string[]): string {
  const shown = keys.slice(0, MAX_LISTED).join(', ');
  return keys.length > MAX_LISTED ? `${shown} and ${keys.length - MAX_LISTED} more` : shown;
}

/** Differences between the model's state dict and the checkpoint's: keys both ways, then shapes. */
function compareModel(current: StateDict, saved: StateDict): string[] {
  const problems: string[] = [];
  const missing = Object.keys(current).filter((k) => !Object.prototype.hasOwnProperty.call(saved, k));
  // The file holds its tensors by dtype, then name; sorted names read better.
  const unexpected = Object.keys(saved).filter((k) => !Object.prototype.hasOwnProperty.call(current, k)).sort();
  if (missing.length) problems.push(`model: missing keys (in the model, not in the checkpoint): ${listed(missing)}`);
  if (unexpected.length) problems.push(`model: unexpected keys (in the checkpoint, not in the model): ${listed(unexpected)}`);
  for (const [key, t] of Object.entries(saved)) {
    const target = Object.prototype.hasOwnProperty.call(current, key) ? current[key] : undefined;
    if (target && !shapesEqual(t.shape, target.shape)) {
      problems.push(`model: ${key} has shape ${formatShape(t.shape)} in the checkpoint, ${formatShape(target.shape)} in the model`);
    }
  }
  return problems;
}

function paramCount(group: unknown): number | undefined {
  return isPlainObject(group) && Array.isArray(group.params) ? group.params.length : undefined;
}

/**
 * Differences in layout between a current state and a saved one: the parameter groups (count, and
 * parameters per group) where the state has them, and the shape of every tensor found at the same path
 * in both (a momentum buffer saved for a parameter of another shape).
 */
function compareState(current: unknown, saved: unknown, part: string): string[] {
  const problems: string[] = [];
  if (isPlainObject(current) && Array.isArray(current.paramGroups)) {
    const groups = isPlainObject(saved) && Array.isArray(saved.paramGroups) ? saved.paramGroups : undefined;
    if (groups === undefined) {
      problems.push(`${part}: the checkpoint's state has no paramGroups list`);
    } else if (groups.length !== current.paramGroups.length) {
      problems.push(`${part}: ${groups.length} parameter group(s) in the checkpoint, ${current.paramGroups.length} in the ${part}`);
    } else {
      current.paramGroups.forEach((group: unknown, i: number) => {
        const [have, got] = [paramCount(group), paramCount(groups[i])];
        if (have !== got) problems.push(`${part}: parameter group ${i} has ${got} parameter(s) in the checkpoint, ${have} in the ${part}`);
      });
    }
  }
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (a instanceof Tensor && b instanceof Tensor) {
      if (!shapesEqual(a.shape, b.shape)) {
        problems.push(`${part}: ${path} has shape ${formatShape(b.shape)} in the checkpoint, ${formatShape(a.shape)} in the ${part}`);
      }
    } else if ((isPlainObject(a) || Array.isArray(a)) && (isPlainObject(b) || Array.isArray(b))) {
      for (const [key, value] of Object.entries(a)) {
        if (Object.prototype.hasOwnProperty.call(b, key)) walk(value, (b as Record<string, unknown>)[key], `${path}.${key}`);
      }
    }
  };
  walk(current, saved, part);
  return problems;
}

/**
 * Restores a checkpoint into the model (strictly), the optimizer and the scheduler when given, and the
 * default generator; returns the saved progress. Everything is checked first: model keys and shapes,
 * optimizer groups and tensor shapes, the file's own consistency. On any mismatch it throws an error that
 * lists every difference, and nothing has changed.
 */
export function loadCheckpoint(file: string, options: LoadCheckpointOptions): CheckpointProgress {
  const where = `loadCheckpoint ${JSON.stringify(file)}`;
  const { model, optimizer, scheduler } = options;
  if (typeof model?.loadStateDict !== 'function') throw new Error(`${where}: options.model must have loadStateDict()`);
  const { tensors, metadata } = loadSafetensors(file);
  const parsed = parseMetadata(metadata, where);

  const problems: string[] = [];
  const modelState: StateDict = {};
  for (const [key, t] of Object.entries(tensors)) {
    if (key.startsWith(MODEL_PREFIX)) modelState[key.slice(MODEL_PREFIX.length)] = t;
  }
  problems.push(...compareModel(model.stateDict(), modelState));

  const used = new Set<string>();
  const restored: Partial<Record<StatePart, unknown>> = {};
  for (const part of STATE_PARTS) {
    if (part in parsed.parts) restored[part] = restoreTensors(parsed.parts[part], tensors, used, problems);
  }
  const targets: [StatePart, CheckpointStateful | undefined][] = [['optimizer', optimizer], ['scheduler', scheduler]];
  for (const [part, target] of targets) {
    if (target === undefined) continue;
    if (restored[part] === undefined) problems.push(`${part}: the checkpoint holds no ${part} state (it was saved without one)`);
    else problems.push(...compareState(target.stateDict(), restored[part], part));
  }
  const stray = Object.keys(tensors).filter((k) => !k.startsWith(MODEL_PREFIX) && !used.has(k));
  if (stray.length) problems.push(`tensors that no part of the checkpoint refers to: ${listed(stray)}`);

  if (problems.length) {
    throw new Error(`${where}: the checkpoint does not match; nothing was loaded:\n  ${problems.join('\n  ')}`);
  }

  // The optimizer's and scheduler's own loadStateDict may still refuse a value they check more closely;
  // undo what was already loaded so that a refusal changes nothing either.
  const undo: (() => void)[] = [];
  try {
    for (const [part, target] of targets) {
      if (target === undefined) continue;
      const before = cloneState(target.stateDict()) as object;
      target.loadStateDict(restored[part] as object);
      undo.push(() => target.loadStateDict(before));
    }
    model.loadStateDict(modelState, { strict: true });
  } catch (e) {
    for (const step of undo.reverse()) step();
    throw new Error(`${where}: nothing was loaded: ${(e as Error).message}`);
  }
  defaultGenerator.setState(parsed.generator);
  return { epoch: parsed.epoch, step: parsed.step, extra: (restored.extra ?? null) as StateValue };
}
