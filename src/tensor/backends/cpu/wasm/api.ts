/**
 * The part of the WebAssembly JavaScript API this backend uses, typed here because the project's
 * TypeScript libraries (ES2022 and Node, no DOM) do not declare it. Reading it off `globalThis` keeps
 * the declaration local instead of adding a global one that could clash with another package's.
 */
export interface WasmModule {
  readonly __brand: 'WebAssembly.Module';
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** Grows by `pages` 64 KiB pages; returns the previous size in pages. */
  grow(pages: number): number;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** The engine's WebAssembly object, or undefined where there is none. */
export const wasmApi: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** The WebAssembly API, or an error saying this engine has none. */
export function requireWasm(): WasmApi {
  if (!wasmApi) throw new Error('cpu backend: this JavaScript engine has no WebAssembly');
  return wasmApi;
}
