import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A trainer's output that cannot be read as what it should be: names the file and what is wrong. */
export class TrainerOutputError extends Error {}

/**
 * One JSON file a trainer wrote, checked to be a JSON object: a folder in its place, an empty or
 * cut-off file, `null` or a list each get a message naming the file, not a bare JavaScript error.
 */
export function readTrainerJson(file: string, what: string): Record<string, unknown> {
  const fail = (why: string) =>
    new TrainerOutputError(`${file}: ${why}; the trainer's ${what} is damaged: run the stage again (qexp run --force STAGE)`);
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw fail('is a folder, not a file');
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof TrainerOutputError) throw err;
    throw fail(`cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw fail(text.trim() === '' ? 'is empty' : `is not JSON (cut off while it was written?): ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw fail(`holds ${value === null ? 'null' : Array.isArray(value) ? 'a list' : JSON.stringify(value)}, not a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * Checks that a finished trainer left a usable checkpoint: model or adapter files, the trainer's
 * state and qexp's metrics. Returns a message naming what is missing, or undefined.
 */
export function checkpointProblem(dir: string, backend: 'trl' | 'llamafactory'): string | undefined {
  if (!existsSync(dir)) return `the trainer finished but wrote no checkpoint: ${dir} does not exist`;
  const files = new Set(readdirSync(dir));
  const missing: string[] = [];
  if (!files.has('adapter_config.json') && !files.has('config.json')) missing.push('adapter_config.json or config.json (the model)');
  if (!files.has('trainer_state.json')) missing.push('trainer_state.json');
  if (!files.has('metrics.json')) missing.push('metrics.json');
  // qexp's TRL trainer writes qexp-done.json last: without it the save was cut off
  if (backend === 'trl' && !files.has('qexp-done.json')) missing.push('qexp-done.json (the trainer stopped while saving?)');
  return missing.length ? `the trainer finished but its checkpoint ${dir} lacks ${missing.join(', ')}` : undefined;
}

/** The highest complete `checkpoint-N` folder (with its trainer_state.json) under a trainer's output folder: what a resumed run continues from. */
export function lastCheckpoint(outputDir: string): string | undefined {
  if (!existsSync(outputDir)) return undefined;
  const steps = readdirSync(outputDir)
    .map((n) => /^checkpoint-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(outputDir, m[0], 'trainer_state.json')))
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  return steps[0] ? join(outputDir, steps[0][0]) : undefined;
}

/** The curves a trainer logged (`log_history` of trainer_state.json): one row per step and numeric value. */
export function trainCurves(stateFile: string): { step: number; name: string; value: number }[] {
  const state = readTrainerJson(stateFile, 'state');
  const history = state.log_history ?? [];
  if (!Array.isArray(history))
    throw new TrainerOutputError(
      `${stateFile}: log_history is ${JSON.stringify(history)}, not a list of log entries; the trainer's state is damaged: run the stage again (qexp run --force STAGE)`,
    );
  const rows: { step: number; name: string; value: number }[] = [];
  for (const entry of history as unknown[]) {
    if (entry === null || typeof entry !== 'object') continue;
    const step = Number((entry as Record<string, unknown>).step);
    if (!Number.isFinite(step)) continue;
    for (const [name, value] of Object.entries(entry as Record<string, unknown>)) {
      if (name === 'step' || typeof value !== 'number' || !Number.isFinite(value)) continue;
      rows.push({ step, name, value });
    }
  }
  return rows;
}
