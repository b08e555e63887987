/**
 * summary(model, inputShape): a table of what a model does to one input, as torchinfo's summary(): for
 * every module call, its name, type, output shape, parameters and multiply-adds (MACs), with totals.
 *
 * How it sees the calls: the framework calls a child as `child.forward(x)`, so summary temporarily puts
 * a recording wrapper in front of every module's forward (an own property on the instance, which
 * shadows the class's method) and runs one forward pass on a zero input. The wrappers are removed in a
 * finally block, so the model is left as it was even when its forward throws.
 *
 * What counts as a multiply-add (docs/model.md#parameters-and-multiply-adds): convolutions and linear
 * layers, counted per call as
 *   Conv2d / Conv3d: output elements × (inChannels / groups) × kernel volume,
 *   Linear:          output elements × inFeatures,
 * plus whatever a module declares through `ownMacs` (the attention products Q·Kᵀ and A·V, which no
 * child module performs). Biases, BatchNorm, ReLU, pooling, softmax, dropout and additions count 0:
 * they are one operation per element, negligible next to the products (the convention of docs/model.md, and
 * torchvision's published 4.09 GMACs for ResNet-50).
 */
import { Tensor } from '../tensor/tensor';
import { DType } from '../tensor/dtype';
import { formatShape } from '../tensor/shape';
import { zeros } from '../tensor/creation';
import { noGrad } from '../autograd/grad-mode';
import { Module } from './module';
import { Conv2d, Conv3d, Linear } from './layers';

/**
 * A module that does products of its own, outside its child modules (an attention block's Q·Kᵀ and
 * A·V). `ownMacs` gets the shape of the first input of the call and returns those multiply-adds only,
 * not the ones its children count themselves.
 */
export interface CountsOwnMacs {
  ownMacs(inputShape: readonly number[]): number;
}

/** Whether `module` declares its own multiply-adds (has an `ownMacs` method). */
export function countsOwnMacs(module: unknown): module is CountsOwnMacs {
  return typeof module === 'object' && module !== null &&
    typeof (module as { ownMacs?: unknown }).ownMacs === 'function';
}

export interface SummaryOptions {
  /** Levels of nesting that toString() shows (default 3); the totals always count everything. */
  depth?: number;
  /** dtype of the zero input (default: that of the model's first parameter, or float32). */
  dtype?: DType;
}

/** One module call, in the order the calls began (a module before the modules it calls). */
export interface SummaryRow {
  /** Dotted name as in namedModules() ('' for the model itself, 'layer1.0.conv1', ...). */
  name: string;
  /** Class name (Conv2d, Bottleneck, ...). */
  type: string;
  /** How many recorded calls enclose this one: 0 for the model, 1 for what it calls, ... */
  depth: number;
  /** Shape of the output; a list of shapes when the module returns several tensors. */
  outputShape: number[] | number[][];
  /**
   * Trainable parameters held by the module itself (not its children). Each Parameter is counted on the
   * first row that uses it only, so that the column adds up: a second call of the same module, or a
   * weight shared with an earlier module, counts 0 here.
   */
  params: number;
  /** Multiply-adds of this call by the module itself (conv / linear formula, plus ownMacs). */
  macs: number;
  /** True when the same module already has an earlier row (it is called more than once). */
  recursive: boolean;
}

export class ModelSummary {
  /** Every parameter of the model, each once (shared ones too): the sum of numel over parameters(). */
  readonly totalParams: number;
  /** The part of totalParams that requires gradients. */
  readonly trainableParams: number;
  /** Multiply-adds of the whole forward pass: the sum of every row's macs. */
  readonly totalMacs: number;

  constructor(
    readonly modelType: string,
    readonly inputShape: readonly number[],
    readonly rows: readonly SummaryRow[],
    parameters: readonly Tensor[],
    /** Levels of nesting that toString() shows by default. */
    readonly depth: number,
  ) {
    this.totalParams = parameters.reduce((n, p) => n + p.numel(), 0);
    this.trainableParams = parameters.reduce((n, p) => n + (p.requiresGrad ? p.numel() : 0), 0);
    this.totalMacs = rows.reduce((n, r) => n + r.macs, 0);
  }

  /**
   * The table, torchinfo style. Rows deeper than `depth` are hidden; a row at that depth whose calls
   * are hidden shows the parameters and multiply-adds of everything below it, so that the visible
   * column still adds up to the totals.
   */
  toString(depth = this.depth): string {
    checkDepth(depth);
    const visible: { row: SummaryRow; label: string; params: string; macs: string }[] = [];
    const siblingCount: number[] = [];
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i];
      siblingCount.length = row.depth + 1;
      siblingCount[row.depth] = (siblingCount[row.depth] ?? 0) + 1;
      if (row.depth > depth) continue;
      const below = row.depth === depth ? this.rowsBelow(i) : [];
      const params = below.reduce((n, r) => n + r.params, row.params);
      const macs = below.reduce((n, r) => n + r.macs, row.macs);
      visible.push({
        row,
        label: treePrefix(this.rows, i) + describeRow(row, siblingCount[row.depth]),
        params: params > 0 ? groupDigits(params) : this.repeatsParams(row) ? '(recursive)' : '--',
        macs: macs > 0 ? groupDigits(macs) : '--',
      });
    }

    const header = ['Layer (type (name):depth-idx)', 'Output Shape', 'Param #', 'Mult-Adds'];
    const cells = visible.map((v) => [v.label, formatOutput(v.row.outputShape), v.params, v.macs]);
    const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
    const line = (cols: string[]) =>
      cols.map((s, c) => (c < 2 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('   ').trimEnd();
    const rule = '='.repeat(widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1));
    return [
      rule,
      line(header),
      rule,
      ...cells.map(line),
      rule,
      `Input shape: ${formatShape(this.inputShape)}`,
      `Total params: ${groupDigits(this.totalParams)}`,
      `Trainable params: ${groupDigits(this.trainableParams)}`,
      `Non-trainable params: ${groupDigits(this.totalParams - this.trainableParams)}`,
      `Total mult-adds: ${groupDigits(this.totalMacs)} (${scaled(this.totalMacs)})`,
      rule,
    ].join('\n');
  }

  /**
   * The calls made inside call i. Rows are in call order and a call's inner calls follow it directly,
   * deeper by one or more: they run up to the next row at row i's depth or shallower.
   */
  private rowsBelow(i: number): readonly SummaryRow[] {
    let end = i + 1;
    while (end < this.rows.length && this.rows[end].depth > this.rows[i].depth) end++;
    return this.rows.slice(i + 1, end);
  }

  /** Whether `row` is a repeated call of a module whose parameters an earlier row counted. */
  private repeatsParams(row: SummaryRow): boolean {
    if (!row.recursive) return false;
    const first = this.rows.find((r) => r.name === row.name && !r.recursive);
    return first !== undefined && first.params > 0;
  }
}

/**
 * The methods through which a parent calls a child module: forward, and forwardRelu, by which the
 * ResNet blocks run a BatchNorm fused with the ReLU after it.
 */
const ENTRY_METHODS = ['forward', 'forwardRelu'] as const;
type EntryMethod = (typeof ENTRY_METHODS)[number];

/**
 * Runs `model` once on a zero input of `inputShape`, without recording gradients and in eval mode, and
 * returns what each module call did. The model is left exactly as it was: its forwards, the train/eval
 * flag of every module, its parameters and its BatchNorm running statistics (eval mode reads them and
 * does not update them). A module that keeps something from its last forward (an attention block's
 * keepAttention maps) will hold what it saw on the zero input.
 *
 * Calls of modules outside the model's tree (made on the fly inside a forward) are not seen.
 */
export function summary(model: Module, inputShape: readonly number[], opts: SummaryOptions = {}): ModelSummary {
  if (!(model instanceof Module)) throw new Error(`summary: expected a Module; got ${String(model)}`);
  if (!Array.isArray(inputShape) || inputShape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`summary: inputShape must be an array of non-negative integers; got ${JSON.stringify(inputShape)}`);
  }
  const depth = opts.depth ?? 3;
  checkDepth(depth);
  const parameters = model.parameters();
  const dtype = opts.dtype ?? parameters[0]?.dtype ?? 'float32';

  const names = new Map<Module, string>();
  for (const [name, m] of model.namedModules()) names.set(m, name);
  const rows: SummaryRow[] = [];
  const counted = new Set<Tensor>();
  const seenModules = new Set<Module>();
  let active = 0;

  /** The wrapper that replaces `module.forward` (or `forwardRelu`) while summary runs. */
  const recording = (module: Module, forward: (...args: unknown[]) => unknown) =>
    (...args: unknown[]): unknown => {
      const row: SummaryRow = {
        name: names.get(module) ?? '',
        type: module.constructor.name,
        depth: active,
        outputShape: [],
        params: newTrainableParams(module, counted),
        macs: 0,
        recursive: seenModules.has(module),
      };
      seenModules.add(module);
      rows.push(row);
      active++;
      try {
        const output = forward.apply(module, args);
        row.outputShape = shapesOf(output);
        const input = args[0];
        row.macs = layerMacs(module, output) +
          (countsOwnMacs(module) && input instanceof Tensor ? module.ownMacs(input.shape) : 0);
        return output;
      } finally {
        active--;
      }
    };

  const wrapped: { module: Module; method: EntryMethod; own: PropertyDescriptor | undefined }[] = [];
  const training = new Map<Module, boolean>();
  try {
    for (const module of names.keys()) {
      training.set(module, module.training);
      for (const method of ENTRY_METHODS) {
        const call = (module as unknown as Record<string, unknown>)[method];
        if (typeof call !== 'function') continue;
        // Keep the instance's own method, if it had one, to put it back; usually it has none and the
        // class's method shows through again once the wrapper is deleted.
        wrapped.push({ module, method, own: Object.getOwnPropertyDescriptor(module, method) });
        Object.defineProperty(module, method, {
          value: recording(module, call as (...args: unknown[]) => unknown), writable: true, configurable: true, enumerable: false,
        });
      }
    }
    model.eval();
    const input = zeros([...inputShape], { dtype });
    noGrad(() => model.forward(input));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(
      `summary: the forward pass of ${model.constructor.name} on an input of shape ${formatShape(inputShape)} ` +
        `failed: ${message}`,
      { cause: e },
    );
  } finally {
    for (const { module, method, own } of wrapped) {
      if (own) Object.defineProperty(module, method, own);
      else delete (module as unknown as Record<string, unknown>)[method];
    }
    for (const [module, mode] of training) module.training = mode;
  }
  return new ModelSummary(model.constructor.name, [...inputShape], rows, parameters, depth);
}

/** Multiply-adds of one call of a conv or linear layer (0 for any other module). */
function layerMacs(module: Module, output: unknown): number {
  if (!(output instanceof Tensor)) return 0;
  if (module instanceof Conv2d || module instanceof Conv3d) {
    const kernelVolume = module.kernelSize.reduce((a, b) => a * b, 1);
    return output.numel() * (module.inChannels / module.groups) * kernelVolume;
  }
  if (module instanceof Linear) return output.numel() * module.inFeatures;
  return 0;
}

/** Trainable parameters of `module` itself not yet counted on an earlier row; marks them counted. */
function newTrainableParams(module: Module, counted: Set<Tensor>): number {
  let n = 0;
  for (const p of module.parameters(false)) {
    if (counted.has(p)) continue;
    counted.add(p);
    if (p.requiresGrad) n += p.numel();
  }
  return n;
}

/** The shape of a tensor output, or the shapes of the tensors in an array or object output. */
function shapesOf(output: unknown): number[] | number[][] {
  if (output instanceof Tensor) return [...output.shape];
  const parts = Array.isArray(output) ? output : output !== null && typeof output === 'object' ? Object.values(output) : [];
  return parts.filter((p): p is Tensor => p instanceof Tensor).map((t) => [...t.shape]);
}

function formatOutput(shape: number[] | number[][]): string {
  if (shape.length > 0 && Array.isArray(shape[0])) return `[${(shape as number[][]).map(formatShape).join(', ')}]`;
  return formatShape(shape as number[]);
}

function checkDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 0) {
    throw new Error(`summary: depth must be a non-negative integer; got ${depth}`);
  }
}

/** `Conv2d (conv1): 2-1`; the model's own row is just its type. */
function describeRow(row: SummaryRow, index: number): string {
  if (row.depth === 0) return row.type;
  const shortName = row.name.slice(row.name.lastIndexOf('.') + 1);
  return `${row.type}${shortName ? ` (${shortName})` : ''}: ${row.depth}-${index}`;
}

/**
 * The tree lines in front of row i: for each enclosing level a bar when that level has more rows to
 * come, then ├─ or └─ depending on whether row i has a later sibling.
 */
function treePrefix(rows: readonly SummaryRow[], i: number): string {
  const d = rows[i].depth;
  if (d === 0) return '';
  // continues[k]: a later row sits at depth k before the tree climbs above depth k.
  const continues = (k: number): boolean => {
    for (let j = i + 1; j < rows.length && rows[j].depth >= k; j++) {
      if (rows[j].depth === k) return true;
    }
    return false;
  };
  let prefix = '';
  for (let k = 2; k <= d; k++) prefix += continues(k - 1) ? '│    ' : '     ';
  return prefix + (continues(d) ? '├─' : '└─');
}

function groupDigits(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 4088000000 → '4.09 G'. */
function scaled(n: number): string {
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [size, unit] of units) if (n >= size) return `${(n / size).toFixed(2)} ${unit}`;
  return String(n);
}
