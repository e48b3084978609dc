import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { type DpoExample, type SftExample, writeExamples } from '../artifacts/training-examples.js';
import type { Diagnostic } from '../config/diagnostics.js';
import { didYouMean } from '../config/suggest.js';
import { type PromptDecl, renderMessages, templateVersion } from '../llm/prompt.js';
import { isValidation } from '../train/validation-split.js';
import type { Json, RunContext, StageOutput, StageScope } from './stage-types.js';

/** `validation:` of the data stages. */
export const VALIDATION_FRACTION = Type.Number({
  description: 'Fraction of queries (chosen by a seeded hash of the query id) whose examples go to validation.jsonl.',
  minimum: 0,
  maximum: 1,
  default: 0.1,
});

/** The student's prompt must exist and be zero-shot: at inference it gets no exemplars. */
export function checkStudentPrompt(scope: StageScope, name: string): Diagnostic[] {
  const prompts = scope.doc.prompts ?? {};
  const p = prompts[name] as PromptDecl | undefined;
  if (!p) return [scope.at('prompt', `no prompt '${name}' under prompts${didYouMean(name, Object.keys(prompts))}`)];
  if (p.examples || p.messages.some((m) => /\{\{\s*examples\s*\}\}/.test(m.content)))
    return [scope.at('prompt', `prompt '${name}' is few-shot; the student is prompted zero-shot (no examples)`)];
  return [];
}

/** The student's messages for a query (its zero-shot prompt, rendered). */
export function studentMessages(prompt: PromptDecl, query: string) {
  return renderMessages(prompt, query, []);
}

/**
 * Writes examples split by query (`train.jsonl`, `validation.jsonl`) and a manifest beside them:
 * counts, the format, the source stages and their fingerprints, the split, the prompt's version.
 */
export async function writeSplit(
  ctx: RunContext,
  format: string,
  examples: { qid: string; record: SftExample | DpoExample }[],
  fraction: number,
  seed: number,
  prompt: PromptDecl,
  extra: Record<string, Json>,
): Promise<Record<string, StageOutput>> {
  const train: (SftExample | DpoExample)[] = [];
  const validation: (SftExample | DpoExample)[] = [];
  const qTrain = new Set<string>();
  const qVal = new Set<string>();
  for (const e of examples) {
    const val = isValidation(e.qid, fraction, seed);
    (val ? validation : train).push(e.record);
    (val ? qVal : qTrain).add(e.qid);
  }
  const trainPath = join(ctx.tmpDir, 'train.jsonl');
  const valPath = join(ctx.tmpDir, 'validation.jsonl');
  await writeExamples(trainPath, train);
  await writeExamples(valPath, validation);
  const manifest = {
    format,
    stage: ctx.stageName,
    fingerprint: ctx.fingerprint,
    sources: ctx.inputFingerprints,
    counts: { train: train.length, validation: validation.length, queries_train: qTrain.size, queries_validation: qVal.size },
    split: { by: 'query', validation_fraction: fraction, seed },
    prompt_template_version: templateVersion(prompt),
    ...extra,
  };
  const manifestPath = join(ctx.tmpDir, 'manifest.json');
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  ctx.log(`${format}: ${train.length} train and ${validation.length} validation examples (${qTrain.size} + ${qVal.size} queries)`);
  return {
    train: { path: trainPath, managed: true },
    validation: { path: valPath, managed: true },
    manifest: { path: manifestPath, managed: true },
  };
}
