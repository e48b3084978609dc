import type { Pos } from './source-map.js';

/** One problem found in an experiment, with where it is and (when known) the key path. */
export interface Diagnostic {
  pos: Pos;
  /** Dotted key path, e.g. `stages.score.command`; empty for the document itself. */
  path: string;
  message: string;
}

/** Thrown when an experiment cannot be used; carries every problem found, not just the first. */
export class ConfigError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'ConfigError';
  }
}

/** `file:line:col: error: message (at key.path)` — the form editors and terminals turn into links. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.path ? ` (at ${d.path})` : '';
  return `${d.pos.file}:${d.pos.line}:${d.pos.col}: error: ${d.message}${where}`;
}

/** Stable order for reports: by file, then line, then column. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique = list.filter((d) => {
    const key = `${d.pos.file}:${d.pos.line}:${d.pos.col}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) => a.pos.file.localeCompare(b.pos.file) || a.pos.line - b.pos.line || a.pos.col - b.pos.col);
}
