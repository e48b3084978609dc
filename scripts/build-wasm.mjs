// Compiles every src/**/*.wat to dist/**/*.wasm (part of `npm run build`), with wabt's wat2wasm.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import wabtInit from 'wabt';

const root = join(import.meta.dirname, '..');
const wabt = await wabtInit();
for (const entry of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.wat')) continue;
  const source = join(entry.parentPath, entry.name);
  const rel = relative(join(root, 'src'), source);
  const module = wabt.parseWat(rel, readFileSync(source, 'utf8'));
  module.validate();
  const out = join(root, 'dist', rel.replace(/\.wat$/, '.wasm'));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, module.toBinary({}).buffer);
  module.destroy();
}
