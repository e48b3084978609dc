import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Workspace } from '../helpers/workspace.js';

// What the tests of the generate stage against the chat server share: an experiment, queries, and readers of what it stored.

export const KEY = 'sk-test-0123456789abcdefSECRET';
export const ENV = { TEST_LLM_KEY: KEY };

/** An experiment of one generate stage over `queries.tsv`, with the model's, the stage's and the document's settings overridden. */
export function experiment(
  url: string,
  model: Record<string, unknown> = {},
  stage: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  const m = {
    provider: 'openai',
    base_url: url,
    model: 'test-model',
    api_key_env: 'TEST_LLM_KEY',
    timeout_s: 120,
    max_retries: 3,
    ...model,
  };
  return JSON.stringify({
    name: 'gen',
    datasets: { q: { queries: 'queries.tsv' } },
    models: { teacher: m },
    prompts: { zs: { messages: [{ role: 'user', content: 'Write a passage that answers: {{query}}' }] } },
    stages: {
      data: { kind: 'dataset', dataset: 'q' },
      gen: { kind: 'generate', model: 'teacher', prompt: 'zs', queries: 'data', ...stage },
    },
    ...extra,
  });
}

export const queries = (n: number) => `${Array.from({ length: n }, (_, i) => `q${i}\tquery number ${i}`).join('\n')}\n`;

/** The generate stage's published output, read through the store's artifact table. */
export async function generations(ws: Workspace, stage = 'gen'): Promise<{ qid: string; sample: number; text: string }[]> {
  const rows = await ws.sql(
    `SELECT a.path FROM artifacts a JOIN variant_stages b ON a.fingerprint = b.fingerprint WHERE b.stage = '${stage}' AND a.name = 'generations'`,
  );
  return readFileSync(String(rows[0]?.path), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** Every file under a folder, recursively. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Every row of every table of the store, as text: what a grep of the whole store must search. */
export async function dumpStore(ws: Workspace): Promise<string> {
  const tables = await ws.sql(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name`);
  const out: string[] = [];
  for (const t of tables) {
    const name = String(t.table_name);
    for (const row of await ws.sql(`SELECT * FROM "${name}"`)) out.push(`${name}\t${JSON.stringify(row)}`);
  }
  return out.join('\n');
}
