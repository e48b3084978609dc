import type { Command } from 'commander';
import { DataError } from '../../data/data-error.js';
import { choicesAsked, ledgerAnswerProblem } from '../../llm/ledger-answer.js';
import { exportLedger, LedgerFileError, readLedgerFile } from '../../store/ledger-file.js';
import type { LedgerAnswer, Store } from '../../store/store.js';
import { CliExit, loadOrExit, openStoreForReadingOrExit, openStoreOrExit, storePathFor } from '../common.js';
import { EXIT } from '../exit-codes.js';
import { existingStore, type StoreOptions, withStoreOptions } from '../store-options.js';

/** A bad ledger file (or stage name, or selection) is invalid input: its message, exit 2. */
async function orInvalid<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof LedgerFileError || err instanceof DataError)) throw err;
    process.stderr.write(`qexp: ${err.message}\n`);
    throw new CliExit(EXIT.invalid);
  }
}

interface Selection {
  stage?: string;
  endpoint?: string;
  model?: string;
  bad?: boolean;
}

/** The selection options `ls` and `rm` share. */
function withSelection(cmd: Command): Command {
  return cmd
    .option('--stage <name>', 'answers the last completed run of this generate stage used')
    .option('--endpoint <id>', 'answers of this endpoint (as `ledger ls` shows it)')
    .option('--model <name>', 'answers of this model')
    .option(
      '--bad',
      'answers that are not what their request asks (non-text texts, more texts than n, bad counts, a key that does not match)',
    );
}

/** Answers whose key starts with one of `keys` (all, without keys) that match the selection, each with what is wrong with it. */
async function select(store: Store, keys: string[], s: Selection): Promise<{ answer: LedgerAnswer; problem?: string }[]> {
  let usedBy: string | undefined;
  if (s.stage) {
    usedBy = await store.latestDone(s.stage);
    if (!usedBy) throw new LedgerFileError(`no completed stage named ${s.stage} in ${store.path}`);
  }
  for (const k of keys)
    if (!/^[0-9a-f]{4,64}$/.test(k)) throw new LedgerFileError(`'${k.slice(0, 80)}' is not a key or a key's start (4 to 64 hex digits)`);
  const filter = { endpoint: s.endpoint, model: s.model, usedBy };
  const answers =
    keys.length === 0
      ? await store.selectAnswers(filter)
      : [
          ...new Map(
            (await Promise.all(keys.map((k) => store.selectAnswers({ ...filter, keyPrefix: k })))).flat().map((a) => [a.key, a]),
          ).values(),
        ];
  return answers.map((answer) => ({ answer, problem: ledgerAnswerProblem(answer) })).filter((x) => !s.bad || x.problem !== undefined);
}

function summary(a: LedgerAnswer, problem: string | undefined) {
  return {
    key: a.key,
    model: a.model,
    endpoint: a.endpoint,
    texts: Array.isArray(a.texts) ? a.texts.length : 0,
    n: choicesAsked(a.body),
    prompt_tokens: a.promptTokens,
    completion_tokens: a.completionTokens,
    cost_usd: a.costUsd,
    fingerprint: a.fingerprint,
    problem: problem ?? null,
  };
}

export function registerLedger(program: Command): void {
  const ledger = program.command('ledger').description('list, show, delete, export or import the stored LLM answers (the request ledger)');
  ledger
    .command('export')
    .description('write stored answers as JSONL: all of them, or those a generate stage used')
    .argument('<file>', 'JSONL file to write')
    .option('--stage <name>', "only the answers of this generate stage's last completed run");
  withStoreOptions(ledger.commands.at(-1) as Command).action(async (file: string, opts: StoreOptions & { stage?: string }) => {
    const store = await openStoreForReadingOrExit(existingStore(opts), opts.wait);
    try {
      const n = await orInvalid(() => exportLedger(store, file, opts.stage));
      const result = { file, answers: n, stage: opts.stage ?? null };
      if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(`exported ${n} answers to ${file}\n`);
    } finally {
      store.close();
    }
  });
  ledger
    .command('import')
    .description('add the answers of an exported ledger to the store (answers it already has are kept); every line is checked first')
    .argument('<file>', 'JSONL file written by qexp ledger export');
  withStoreOptions(ledger.commands.at(-1) as Command).action(async (file: string, opts: StoreOptions) => {
    const answers = await orInvalid(() => readLedgerFile(file));
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

  ledger
    .command('ls')
    .description('list stored answers: key, model, endpoint, texts of n, tokens, cost, and what is wrong with a bad one')
    .argument('[keys...]', 'keys, or their first hex digits');
  withStoreOptions(withSelection(ledger.commands.at(-1) as Command)).action(async (keys: string[], opts: StoreOptions & Selection) => {
    const store = await openStoreForReadingOrExit(existingStore(opts), opts.wait);
    try {
      const rows = (await orInvalid(() => select(store, keys, opts))).map((x) => summary(x.answer, x.problem));
      if (opts.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else {
        for (const r of rows)
          process.stdout.write(
            `${r.key.slice(0, 12)}  ${r.model}  ${r.endpoint}  ${r.texts}/${r.n} text(s)  ${r.prompt_tokens}+${r.completion_tokens} tokens  $${Number(r.cost_usd).toFixed(6)}${r.problem ? `  BAD: ${r.problem}` : ''}\n`,
          );
        process.stdout.write(
          `${rows.length} answer(s)${rows.some((r) => r.problem) ? `, ${rows.filter((r) => r.problem).length} bad` : ''}\n`,
        );
      }
    } finally {
      store.close();
    }
  });

  ledger
    .command('show')
    .description('print stored answers in full (request body, texts, usage), as JSON')
    .argument('<keys...>', 'keys, or their first hex digits');
  withStoreOptions(ledger.commands.at(-1) as Command).action(async (keys: string[], opts: StoreOptions) => {
    const store = await openStoreForReadingOrExit(existingStore(opts), opts.wait);
    try {
      const found = await orInvalid(() => select(store, keys, {}));
      if (found.length === 0) {
        process.stderr.write(`qexp: no stored answer has a key starting with ${keys.join(' or ')}\n`);
        throw new CliExit(EXIT.invalid);
      }
      const out = found.map((x) => ({ ...x.answer, problem: x.problem ?? null }));
      process.stdout.write(opts.json ? `${JSON.stringify(out)}\n` : `${out.map((a) => JSON.stringify(a, null, 2)).join('\n')}\n`);
    } finally {
      store.close();
    }
  });

  ledger
    .command('rm')
    .description('delete stored answers (by key, or by --stage/--endpoint/--model/--bad): a later run asks for them again')
    .argument('[keys...]', 'keys, or their first hex digits')
    .option('--dry-run', 'say what would be deleted, delete nothing');
  withStoreOptions(withSelection(ledger.commands.at(-1) as Command)).action(
    async (keys: string[], opts: StoreOptions & Selection & { dryRun?: boolean }) => {
      if (keys.length === 0 && !opts.stage && !opts.endpoint && !opts.model && !opts.bad) {
        process.stderr.write('qexp: say which answers to delete: keys, or --stage, --endpoint, --model or --bad\n');
        throw new CliExit(EXIT.invalid);
      }
      const store = await openStoreOrExit(existingStore(opts), opts.wait);
      try {
        const found = await orInvalid(() => select(store, keys, opts));
        const deleted = opts.dryRun ? 0 : await store.forgetAnswers(found.map((x) => x.answer.key));
        const result = { matched: found.length, deleted, keys: found.map((x) => x.answer.key) };
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else
          process.stdout.write(
            opts.dryRun
              ? `would delete ${found.length} answer(s)\n`
              : `deleted ${deleted} answer(s) from ${store.path}; a run asks for them again\n`,
          );
      } finally {
        store.close();
      }
    },
  );
}
