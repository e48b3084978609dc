import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// the one WebAssembly declaration used here (the project's lib has no DOM types, which carry it)
const wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object } }).WebAssembly;

/**
 * A compiled WebAssembly module of the build: `beside` (a .wasm URL beside the calling module in
 * dist/) or, where the caller runs from src/ (tests run the TypeScript), the built one at
 * `distPath` under dist/.
 */
export function wasmModule(beside: URL, distPath: string): object {
  const built = new URL(`../../dist/${distPath}`, import.meta.url);
  const path = [beside, built].map((u) => fileURLToPath(u)).find((p) => existsSync(p));
  if (!path) throw new Error(`${distPath} is missing beside ${fileURLToPath(beside)}: run \`npm run build\``);
  return new wasm.Module(readFileSync(path));
}
