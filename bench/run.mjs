// `npm run bench`: every benchmark in this folder, one after another. Not part of `npm test`.

import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

for (const f of readdirSync(import.meta.dirname)
  .filter((n) => n.endsWith('.mjs') && n !== 'run.mjs')
  .sort()) {
  console.log(`\n## ${f}`);
  execFileSync('node', [`${import.meta.dirname}/${f}`], { stdio: 'inherit' });
}
