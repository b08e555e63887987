/**
 * Assembles a WebAssembly module from functions built with ./instructions: the binary format's
 * sections (types, the imported memory, functions, exports, code) written with ./encoding.
 *
 * The modules here import one memory, `env.memory`, so the main thread and every worker run their
 * own instance of the same module over the same (shared) memory.
 */
import { nameBytes, unsignedLeb128, vector } from './encoding';
import { Code, FunctionRef, Local, seq } from './instructions';
import { OP, VALUE_TYPE, ValueType } from './opcodes';

export interface MemoryImport {
  /** Sizes in 64 KiB pages. */
  initialPages: number;
  maximumPages: number;
  shared: boolean;
}

/** The locals of a function under construction: its named parameters and the extra locals it asks for. */
export interface FunctionScope<P extends Record<string, ValueType>> {
  params: { [K in keyof P]: Local };
  /** A new local of `type` (zero on entry, like every WebAssembly local). */
  local(type: ValueType, name?: string): Local;
}

interface BuiltFunction extends FunctionRef {
  typeIndex: number;
  exported: boolean;
  /** The locals after the parameters, in order. */
  locals: ValueType[];
  body: Code;
}

const SECTION = { type: 1, import: 2, function: 3, export: 7, code: 10 } as const;
const FUNCTION_TYPE = 0x60;
const EXPORT_FUNCTION = 0x00;
const IMPORT_MEMORY = 0x02;
/** Memory limits flags: bit 0 = has a maximum, bit 1 = shared between threads. */
const LIMITS_WITH_MAXIMUM = 0x01;
const LIMITS_SHARED = 0x02;

export class ModuleBuilder {
  private readonly typeKeys: string[] = [];
  private readonly typeBytes: number[][] = [];
  private readonly functions: BuiltFunction[] = [];

  constructor(private readonly memory: MemoryImport) {}

  /**
   * Adds a function. `params` names the parameters in order; `build` returns the body's statements.
   * Functions are numbered in the order they are added, so a function can call any added before it.
   */
  func<P extends Record<string, ValueType>>(
    name: string,
    params: P,
    build: (scope: FunctionScope<P>) => Code[],
    options: { exported?: boolean; results?: ValueType[] } = {},
  ): FunctionRef {
    const paramNames = Object.keys(params);
    const named = {} as { [K in keyof P]: Local };
    paramNames.forEach((p, i) => {
      (named as Record<string, Local>)[p] = new Local(i, params[p], p);
    });
    const locals: ValueType[] = [];
    const scope: FunctionScope<P> = {
      params: named,
      local: (type, localName = `local${locals.length}`) => {
        locals.push(type);
        return new Local(paramNames.length + locals.length - 1, type, localName);
      },
    };
    const body = seq(...build(scope));
    const fn: BuiltFunction = {
      index: this.functions.length,
      name,
      paramCount: paramNames.length,
      typeIndex: this.typeIndex(paramNames.map((p) => params[p]), options.results ?? []),
      exported: options.exported ?? false,
      locals,
      body,
    };
    this.functions.push(fn);
    return fn;
  }

  /** The names of the exported functions, in index order. */
  exportNames(): string[] {
    return this.functions.filter((f) => f.exported).map((f) => f.name);
  }

  /** The module's binary. */
  bytes(): Uint8Array {
    const memoryLimits = [
      LIMITS_WITH_MAXIMUM | (this.memory.shared ? LIMITS_SHARED : 0),
      ...unsignedLeb128(this.memory.initialPages),
      ...unsignedLeb128(this.memory.maximumPages),
    ];
    const imports = vector([[...nameBytes('env'), ...nameBytes('memory'), IMPORT_MEMORY, ...memoryLimits]]);
    const functionTypes = vector(this.functions.map((f) => unsignedLeb128(f.typeIndex)));
    const exports = vector(
      this.functions.filter((f) => f.exported).map((f) => [...nameBytes(f.name), EXPORT_FUNCTION, ...unsignedLeb128(f.index)]),
    );
    const code = vector(this.functions.map((f) => withSize(functionBody(f))));
    const magicAndVersion = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    return Uint8Array.from([
      ...magicAndVersion,
      ...section(SECTION.type, vector(this.typeBytes)),
      ...section(SECTION.import, imports),
      ...section(SECTION.function, functionTypes),
      ...section(SECTION.export, exports),
      ...section(SECTION.code, code),
    ]);
  }

  /** Function types are shared by every function with the same signature. */
  private typeIndex(params: ValueType[], results: ValueType[]): number {
    const key = `${params.join(',')}->${results.join(',')}`;
    const known = this.typeKeys.indexOf(key);
    if (known >= 0) return known;
    this.typeKeys.push(key);
    this.typeBytes.push([
      FUNCTION_TYPE,
      ...vector(params.map((t) => [VALUE_TYPE[t]])),
      ...vector(results.map((t) => [VALUE_TYPE[t]])),
    ]);
    return this.typeKeys.length - 1;
  }
}

/** Locals are declared as runs of one type: (count, type) pairs. */
function functionBody(fn: BuiltFunction): number[] {
  const runs: number[][] = [];
  let i = 0;
  while (i < fn.locals.length) {
    let j = i;
    while (j < fn.locals.length && fn.locals[j] === fn.locals[i]) j++;
    runs.push([...unsignedLeb128(j - i), VALUE_TYPE[fn.locals[i]]]);
    i = j;
  }
  return [...vector(runs), ...fn.body, OP.END];
}

function withSize(bytes: number[]): number[] {
  return [...unsignedLeb128(bytes.length), ...bytes];
}

function section(id: number, contents: number[]): number[] {
  return [id, ...withSize(contents)];
}
