import { canonicalJson } from '../util/canonical-json.js';
import { sha256Text } from '../util/hash.js';
import type { Json } from '../util/json.js';

/**
 * Everything a stage's result depends on. The fingerprint is sha256 of its canonical JSON, so
 * two stages (in any variant or experiment) with equal parts are the same work, done once.
 */
export interface FingerprintParts {
  kind: string;
  /** The stage kind's implementation version. */
  version: number;
  config: { own: Json; uses: Record<string, Json> };
  /** Upstream stage name → its fingerprint. */
  inputs: Record<string, string>;
  /** Recorded path (relative to the project root) → sha256 of each file the stage reads. */
  files: Record<string, string>;
}

export function fingerprintOf(parts: FingerprintParts): string {
  return sha256Text(canonicalJson(parts));
}
