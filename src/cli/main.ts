#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerCache } from './commands/cache.js';
import { registerData } from './commands/data.js';
import { registerEval } from './commands/eval.js';
import { registerPlan } from './commands/plan.js';
import { registerRun } from './commands/run.js';
import { registerValidate } from './commands/validate.js';
import { CliExit, VERSION } from './common.js';
import { EXIT } from './exit-codes.js';

const program = new Command()
  .name('qexp')
  .description('Declarative experiments for distilling LLM query expansion: YAML in, a cached stage DAG, results in DuckDB.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();
registerValidate(program);
registerPlan(program);
registerRun(program);
registerCache(program);
registerEval(program);
registerData(program);
for (const cmd of program.commands) {
  cmd.exitOverride();
  for (const sub of cmd.commands) sub.exitOverride();
}

// `qexp ... | head` closes the pipe early: that is not an error
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT.ok);
  throw err;
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CliExit) process.exitCode = err.code;
  else if (err instanceof CommanderError) {
    const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
    process.exitCode = ok ? EXIT.ok : EXIT.invalid;
  } else {
    process.stderr.write(`qexp: internal error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = EXIT.failure;
  }
}
