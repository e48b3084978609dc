#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { StoreDamagedError } from '../store/store-damaged.js';
import { CliExit, VERSION } from './cli-exit.js';
import { EXIT } from './exit-codes.js';

/**
 * Each command's module is imported only when that command runs: `qexp eval` must not pay for
 * loading DuckDB and ajv (hundreds of milliseconds), only `qexp --help` loads them all.
 */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  validate: async () => (await import('./commands/validate.js')).registerValidate,
  plan: async () => (await import('./commands/plan.js')).registerPlan,
  run: async () => (await import('./commands/run.js')).registerRun,
  cache: async () => (await import('./commands/cache.js')).registerCache,
  eval: async () => (await import('./commands/eval.js')).registerEval,
  data: async () => (await import('./commands/data.js')).registerData,
  index: async () => (await import('./commands/index-search.js')).registerIndex,
  search: async () => (await import('./commands/index-search.js')).registerSearch,
  ledger: async () => (await import('./commands/ledger.js')).registerLedger,
  report: async () => (await import('./commands/report.js')).registerReport,
  gate: async () => (await import('./commands/report.js')).registerGate,
  baseline: async () => (await import('./commands/report.js')).registerBaseline,
  exp: async () => (await import('./commands/exp.js')).registerExp,
  diff: async () => (await import('./commands/exp.js')).registerDiff,
  view: async () => (await import('./commands/view.js')).registerView,
};

// `qexp ... | head` closes the pipe early: that is not an error
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT.ok);
  throw err;
});

const program = new Command()
  .name('qexp')
  .description('Declarative experiments for distilling LLM query expansion: YAML in, a cached stage DAG, results in DuckDB.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

try {
  const wanted = process.argv[2];
  const names = wanted && wanted in COMMANDS ? [wanted] : Object.keys(COMMANDS);
  for (const name of names) (await (COMMANDS[name] as () => Promise<(p: Command) => void>)())(program);
  for (const cmd of program.commands) {
    cmd.exitOverride();
    for (const sub of cmd.commands) sub.exitOverride();
  }
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CliExit) process.exitCode = err.code;
  else if (err instanceof CommanderError) {
    const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
    process.exitCode = ok ? EXIT.ok : EXIT.invalid;
  } else if (err instanceof StoreDamagedError) {
    process.stderr.write(`qexp: ${err.message}\n`);
    process.exitCode = EXIT.failure;
  } else {
    process.stderr.write(`qexp: internal error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = EXIT.failure;
  }
}
