import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// the WebAssembly declarations used here (the project's lib has no DOM types, which carry them)
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

/** A module's exported memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The modules compiled so far, by path: each is compiled once per thread. */
const compiled = new Map<string, object>();

/**
 * A new instance (its exports) of a WebAssembly module of the build: `beside` (a .wasm URL beside
 * the calling module in dist/) or, where the caller runs from src/ (tests run the TypeScript), the
 * built one at `distPath` under dist/.
 */
export function wasmInstance(beside: URL, distPath: string): unknown {
  let module = compiled.get(distPath);
  if (!module) {
    const built = new URL(`../../dist/${distPath}`, import.meta.url);
    const path = [beside, built].map((u) => fileURLToPath(u)).find((p) => existsSync(p));
    if (!path) throw new Error(`${distPath} is missing beside ${fileURLToPath(beside)}: run \`npm run build\``);
    module = new wasm.Module(readFileSync(path));
    compiled.set(distPath, module);
  }
  return new wasm.Instance(module, {}).exports;
}
