import { ConfigError } from '../config/diagnostics.js';
import { CliExit, diagnosticJson, printDiagnostics } from './common.js';
import { EXIT } from './exit-codes.js';

/** Problems found while building the DAG (unreadable files, conflicting outputs) are invalid input too. */
export async function withConfigErrors<T>(fn: () => Promise<T>, json: boolean): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (json) process.stdout.write(`${JSON.stringify({ valid: false, diagnostics: err.diagnostics.map(diagnosticJson) }, null, 2)}\n`);
    else printDiagnostics(err.diagnostics);
    throw new CliExit(EXIT.invalid);
  }
}
