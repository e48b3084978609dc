// Makes the built CLI executable (part of `npm run build`): `npx qexp`, the README's command, runs
// the package's bin file itself, and tsc writes it without the execute bit.
import { chmodSync } from 'node:fs';
import { join } from 'node:path';

chmodSync(join(import.meta.dirname, '..', 'dist', 'cli', 'main.js'), 0o755);
