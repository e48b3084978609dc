import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { canonicalJson } from '../util/canonical-json.js';
import { sha256Text } from '../util/hash.js';
import type { LedgerAnswer } from './ledger.js';
import type { Store } from './store.js';

/** A ledger file that cannot be read or written: the message names the file (and line) and what is wrong. */
export class LedgerFileError extends Error {}

/** The request key an answer must have: what `generate` computes from the endpoint, the body and the template version. */
function keyOf(a: LedgerAnswer): string {
  return sha256Text(canonicalJson({ endpoint: a.endpoint, body: a.body, template: a.templateVersion }));
}

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

/** Reads an exported ledger, checking that each line is an answer whose key matches its request. */
export async function readLedgerFile(file: string): Promise<LedgerAnswer[]> {
  const answers: LedgerAnswer[] = [];
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
    line++;
    if (text.trim() === '') continue;
    let a: LedgerAnswer;
    try {
      a = JSON.parse(text) as LedgerAnswer;
    } catch (err) {
      throw new LedgerFileError(`${file}:${line}: invalid JSON: ${(err as Error).message}`);
    }
    if (typeof a.key !== 'string' || !Array.isArray(a.texts) || typeof a.endpoint !== 'string' || typeof a.templateVersion !== 'string')
      throw new LedgerFileError(`${file}:${line}: not a ledger answer (expected key, endpoint, body, templateVersion, texts, ...)`);
    if (keyOf(a) !== a.key)
      throw new LedgerFileError(
        `${file}:${line}: the key does not match the request body, endpoint and template version: the file was changed`,
      );
    answers.push(a);
  }
  return answers;
}
