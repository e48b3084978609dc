import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { log_history?: Record<string, unknown>[] };
  const rows: { step: number; name: string; value: number }[] = [];
  for (const entry of state.log_history ?? []) {
    const step = Number(entry.step);
    if (!Number.isFinite(step)) continue;
    for (const [name, value] of Object.entries(entry)) {
      if (name === 'step' || typeof value !== 'number' || !Number.isFinite(value)) continue;
      rows.push({ step, name, value });
    }
  }
  return rows;
}
