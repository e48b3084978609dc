import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { LedgerAnswer } from '../../store/store.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { sha256Text } from '../../util/hash.js';
import { CliExit, loadOrExit, openStoreOrExit, storePathFor } from '../common.js';
import { EXIT } from '../exit-codes.js';
import { existingStore, type StoreOptions, withStoreOptions } from '../store-options.js';

/** The request key an answer must have: what `generate` computes from the endpoint, the body and the template version. */
function keyOf(a: LedgerAnswer): string {
  return sha256Text(canonicalJson({ endpoint: a.endpoint, body: a.body, template: a.templateVersion }));
}

function fail(message: string): never {
  process.stderr.write(`qexp: ${message}\n`);
  throw new CliExit(EXIT.invalid);
}

export function registerLedger(program: Command): void {
  const ledger = program
    .command('ledger')
    .description('export or import the stored LLM answers (the request ledger), so that another store replays them');
  ledger
    .command('export')
    .description('write stored answers as JSONL: all of them, or those a generate stage used')
    .argument('<file>', 'JSONL file to write')
    .option('--stage <name>', "only the answers of this generate stage's last completed run");
  withStoreOptions(ledger.commands.at(-1) as Command).action(async (file: string, opts: StoreOptions & { stage?: string }) => {
    const store = await openStoreOrExit(existingStore(opts), opts.wait);
    try {
      let fingerprint: string | undefined;
      if (opts.stage) {
        fingerprint = await store.latestDone(opts.stage);
        if (!fingerprint) fail(`no completed stage named ${opts.stage} in ${store.path}`);
      }
      const answers = await store.ledger(fingerprint);
      const out = createWriteStream(file);
      for (const a of answers) if (!out.write(`${JSON.stringify(a)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
      await new Promise<void>((r) => out.end(r));
      const result = { file, answers: answers.length, stage: opts.stage ?? null };
      if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(`exported ${answers.length} answers to ${file}\n`);
    } finally {
      store.close();
    }
  });
  ledger
    .command('import')
    .description('add the answers of an exported ledger to the store (answers it already has are kept)')
    .argument('<file>', 'JSONL file written by qexp ledger export');
  withStoreOptions(ledger.commands.at(-1) as Command).action(async (file: string, opts: StoreOptions) => {
    const answers: LedgerAnswer[] = [];
    let line = 0;
    for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
      line++;
      if (text.trim() === '') continue;
      let a: LedgerAnswer;
      try {
        a = JSON.parse(text) as LedgerAnswer;
      } catch (err) {
        fail(`${file}:${line}: invalid JSON: ${(err as Error).message}`);
      }
      if (typeof a.key !== 'string' || !Array.isArray(a.texts) || typeof a.endpoint !== 'string' || typeof a.templateVersion !== 'string')
        fail(`${file}:${line}: not a ledger answer (expected key, endpoint, body, templateVersion, texts, ...)`);
      if (keyOf(a) !== a.key)
        fail(`${file}:${line}: the key does not match the request body, endpoint and template version: the file was changed`);
      answers.push(a);
    }
    const exp = opts.experiment ? loadOrExit(opts.experiment, Boolean(opts.json)) : undefined;
    const store = await openStoreOrExit(storePathFor(exp, opts.store), opts.wait);
    try {
      const added = await store.recordAnswers(answers, true);
      const result = { file, answers: answers.length, added, already: answers.length - added };
      if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(`imported ${added} new answers (${answers.length - added} already stored) into ${store.path}\n`);
    } finally {
      store.close();
    }
  });
}
