// `npm run schema`: writes schemas/experiment.schema.json from the stage kinds and the sections
// (for editors); `npm run schema -- --check` exits 1 when the committed file differs (CI).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { experimentSchema } from '../dist/stages/experiment-schema.js';

const file = join(import.meta.dirname, '..', 'schemas', 'experiment.schema.json');
const text = `${JSON.stringify(experimentSchema(), null, 2)}\n`;
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {}
  if (committed !== text) {
    console.error(`${file} is not what the stage kinds declare: run \`npm run schema\` and commit the result`);
    process.exit(1);
  }
  console.log(`${file} is up to date`);
} else {
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
