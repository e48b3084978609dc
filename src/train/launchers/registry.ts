import type { Json } from '../../util/json.js';
import type { Launcher } from './launcher.js';
import { localLauncher } from './local.js';
import { manualLauncher } from './manual.js';
import { slurmLauncher } from './slurm.js';

/** Every launcher, in the order the schema lists them. */
const LAUNCHERS: Launcher[] = [localLauncher, slurmLauncher, manualLauncher];

export function launcherKinds(): string[] {
  return LAUNCHERS.map((l) => l.kind);
}

/** The launcher of a kind, or undefined (the schema has rejected the kind then). */
export function findLauncher(kind: unknown): Launcher | undefined {
  return LAUNCHERS.find((l) => l.kind === kind);
}

export function getLauncher(kind: string): Launcher {
  const l = findLauncher(kind);
  if (!l) throw new Error(`unknown launcher '${kind}'; available: ${launcherKinds().join(', ')}`);
  return l;
}

/**
 * The properties of a train stage's `launcher:`: `kind`, then every launcher's settings (a key two
 * launchers declare is declared once, e.g. `timeout_s`); the stage adds its own (`command`).
 */
export function launcherProperties(): Record<string, Json> {
  const properties: Record<string, Json> = {
    kind: { description: `${LAUNCHERS.map((l) => `\`${l.kind}\`: ${l.summary}`).join('; ')}.`, enum: launcherKinds(), default: 'local' },
  };
  for (const l of LAUNCHERS)
    for (const [key, schema] of Object.entries(l.schema)) {
      if (properties[key] !== undefined && properties[key] !== schema)
        throw new Error(`launchers declare '${key}' twice, differently (${l.kind} and another): declare it once and share it`);
      properties[key] = schema;
    }
  return properties;
}
