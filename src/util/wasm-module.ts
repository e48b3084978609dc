import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// the WebAssembly declarations used here (the project's lib has no DOM types, which carry them)
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (desc: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

/** A module's exported memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** WebAssembly's page: memories grow by whole pages. */
export const WASM_PAGE = 65536;

/**
 * A shared memory of `pages` that may grow to `maximum` (a module imports it as `env.memory`).
 * Its buffer is a SharedArrayBuffer, which growing does not detach: views of the old one stay
 * valid, and V8 keeps the thread's typed-array accesses free of detachment checks.
 */
export function sharedMemory(pages: number, maximum: number): WasmMemory {
  return new wasm.Memory({ initial: pages, maximum, shared: true });
}

/** The modules compiled so far, by path: each is compiled once per thread. */
const compiled = new Map<string, object>();

/**
 * A new instance (its exports) of a WebAssembly module of the build: `beside` (a .wasm URL beside
 * the calling module in dist/) or, where the caller runs from src/ (tests run the TypeScript), the
 * built one at `distPath` under dist/; `imports` are the module's imports (a shared memory, say).
 */
export function wasmInstance(beside: URL, distPath: string, imports: object = {}): unknown {
  let module = compiled.get(distPath);
  if (!module) {
    const built = new URL(`../../dist/${distPath}`, import.meta.url);
    const path = [beside, built].map((u) => fileURLToPath(u)).find((p) => existsSync(p));
    if (!path) throw new Error(`${distPath} is missing beside ${fileURLToPath(beside)}: run \`npm run build\``);
    module = new wasm.Module(readFileSync(path));
    compiled.set(distPath, module);
  }
  return new wasm.Instance(module, imports).exports;
}
