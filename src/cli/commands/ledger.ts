import type { Command } from 'commander';
import { exportLedger, LedgerFileError, readLedgerFile } from '../../store/ledger-file.js';
import { CliExit, loadOrExit, openStoreOrExit, storePathFor } from '../common.js';
import { EXIT } from '../exit-codes.js';
import { existingStore, type StoreOptions, withStoreOptions } from '../store-options.js';

/** A bad ledger file (or stage name) is invalid input: its message, exit 2. */
async function orInvalid<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof LedgerFileError)) throw err;
    process.stderr.write(`qexp: ${err.message}\n`);
    throw new CliExit(EXIT.invalid);
  }
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
    .description('add the answers of an exported ledger to the store (answers it already has are kept)')
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
}
