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
  // threads: a shared memory (dictionary-kernel.wat's, which grows without detaching its buffer)
  const features = { threads: true };
  const module = wabt.parseWat(rel, readFileSync(source, 'utf8'), features);
  module.validate(features);
  const out = join(root, 'dist', rel.replace(/\.wat$/, '.wasm'));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, module.toBinary({}).buffer);
  module.destroy();
}
