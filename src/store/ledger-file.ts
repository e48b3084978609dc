import { createWriteStream, existsSync } from 'node:fs';
import { RecordError, readJsonl } from '../artifacts/jsonl.js';
import { ledgerAnswerProblem } from '../llm/ledger-answer.js';
import type { LedgerAnswer } from './ledger.js';
import type { Store } from './store.js';

/** A ledger that cannot be exported or read: the message says why. */
export class LedgerFileError extends Error {}

/**
 * Writes stored answers as JSONL, one answer a line: all of them, or those the last completed run
 * of a generate stage used. Returns how many.
 */
export async function exportLedger(store: Store, file: string, stage?: string): Promise<number> {
  let fingerprint: string | undefined;
  if (stage) {
    fingerprint = await store.latestDone(stage);
    if (!fingerprint) throw new LedgerFileError(`no completed stage named ${stage} in ${store.path}`);
  }
  const answers = await store.ledger(fingerprint);
  const out = createWriteStream(file);
  for (const a of answers) if (!out.write(`${JSON.stringify(a)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((r) => out.end(r));
  return answers.length;
}

/**
 * Reads an exported ledger: each line an answer, every field checked against the request it
 * answers (ledgerAnswerProblem); a bad line is a DataError with the file and line.
 */
export async function readLedgerFile(file: string): Promise<LedgerAnswer[]> {
  if (!existsSync(file)) throw new LedgerFileError(`${file}: no such file`);
  return readJsonl(file, (value) => {
    const problem = ledgerAnswerProblem(value);
    if (problem) throw new RecordError(problem);
    return value as LedgerAnswer;
  });
}
