import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import type { Command } from 'commander';
import { buildDag } from '../../dag/build-dag.js';
import { safetyCheck } from '../../dag/effects.js';
import { executeDag, type NodeResult } from '../../dag/execute.js';
import { planDag } from '../../dag/plan.js';
import { SelectionError, selectNodes } from '../../dag/select.js';
import { SnapshotPublisher } from '../../store/snapshot.js';
import { collectSet, loadOrExit, openStoreOrExit, SET_FLAG, storePathFor, VERSION } from '../common.js';
import { withConfigErrors } from '../config-errors.js';
import { EXIT } from '../exit-codes.js';
import { createDisplay, duration, nodeTitle } from '../progress.js';
import { renderPlan, variantsJson } from './plan.js';

interface RunOptions {
  json?: boolean;
  store?: string;
  wait?: number;
  concurrency?: number;
  only?: string[];
  from?: string[];
  until?: string[];
  force?: string[];
  variant?: string[];
  dryRun?: boolean;
  keepGoing?: boolean;
  progress?: 'auto' | 'interactive' | 'plain' | 'none';
  set?: string[];
  safe?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter(Boolean)];
// variant names contain commas (`a=1,b=2`): one name per flag
const collectWhole = (v: string, prev: string[] = []) => [...prev, v];

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the stages that are not done, in dependency order, independent ones concurrently')
    .argument('<file>', 'experiment YAML file')
    .option('--concurrency <n>', 'stages run at once (default: number of CPUs)', Number)
    .option('--only <stage>', 'run only this stage (repeatable; its inputs must be done)', collect)
    .option('--from <stage>', 'run this stage and everything downstream of it (repeatable)', collect)
    .option('--until <stage>', 'run this stage and everything it needs (repeatable)', collect)
    .option('--force <stage>', 're-run this stage and everything downstream even if done (repeatable)', collect)
    .option('--variant <name>', 'only stages of this ablation variant (repeatable)', collectWhole)
    .option('--dry-run', 'show what would run; run nothing')
    .option('--keep-going', 'after a failure, keep running stages that do not depend on it')
    .option('--store <path>', "DuckDB store (default: the experiment's store: or results/qexp.duckdb)")
    .option('--wait <seconds>', 'wait this long for a store another qexp process holds', Number)
    .option('--progress <mode>', 'auto | interactive | plain | none', 'auto')
    .option('--json', 'print a JSON summary (and no progress display)')
    .option(...SET_FLAG, collectSet)
    .option(
      '--safe',
      "refuse every stage that would run a command (for re-running someone else's experiment); say which before anything runs",
    )
    .action(async (file: string, opts: RunOptions) => {
      process.exitCode = await runCommand(file, opts);
    });
}

async function runCommand(file: string, opts: RunOptions): Promise<number> {
  const json = Boolean(opts.json);
  const exp = loadOrExit(file, json, opts.set);
  const storePath = storePathFor(exp, opts.store);
  const store = await openStoreOrExit(storePath, opts.wait);
  // readers (plan, report, view...) read this while the run holds the store
  const snapshots = new SnapshotPublisher(store, `qexp ${process.argv.slice(2).join(' ')}`, (m) => {
    if (!json) process.stderr.write(`qexp: warning: ${m}\n`);
  });
  const abort = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) process.exit(EXIT.interrupted);
    if (!json) process.stderr.write(`\nqexp: ${sig} received: stopping running stages (again to quit at once)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const orphans = await store.markOrphansInterrupted();
    if (orphans > 0 && !json)
      process.stderr.write(`qexp: ${orphans} stage(s) left running by a stopped qexp process are marked interrupted\n`);
    await snapshots.start();
    const dag = await withConfigErrors(() => buildDag(exp, store), json);
    const plan = await planDag(dag, store);
    let chosen: ReturnType<typeof selectNodes>;
    try {
      chosen = selectNodes(dag, plan, { only: opts.only, from: opts.from, until: opts.until, force: opts.force, variants: opts.variant });
    } catch (err) {
      if (!(err instanceof SelectionError)) throw err;
      process.stderr.write(`qexp: ${err.message}\n`);
      return EXIT.invalid;
    }
    if (opts.safe) {
      const { refused, contacts } = safetyCheck(dag, chosen.run);
      if (refused.length > 0) {
        process.stderr.write(
          `qexp: --safe: ${refused.length} stage(s) would run commands on this machine; nothing was run:\n${refused.map((r) => `  ${r}`).join('\n')}\nRead the experiment and run it without --safe if you trust these commands (or run the other stages with --until / --only).\n`,
        );
        return EXIT.invalid;
      }
      if (!json)
        process.stderr.write(
          `qexp: --safe: no stage runs a command; hooks run in their sandbox${contacts.length ? `; requests the ledger does not answer go to:\n${contacts.map((c) => `  ${c}`).join('\n')}` : ''}\n`,
        );
    }
    const nVariants = exp.variants.length;
    const summary = (executed: NodeResult[], status: string) => ({
      experiment: exp.doc.name,
      store: storePath,
      status,
      executed,
      up_to_date: chosen.upToDate.length,
      restored: chosen.restore.length,
      nodes: dag.nodes.size,
      variants: nVariants,
    });

    if (opts.dryRun) {
      if (json)
        process.stdout.write(
          `${JSON.stringify({ ...summary([], 'dry-run'), would_run: chosen.run.map((fp) => ({ fingerprint: fp, stage: dag.nodes.get(fp)?.stage, variants: dag.nodes.get(fp)?.variants })) }, null, 2)}\n`,
        );
      else {
        process.stdout.write(renderPlan(dag, plan, storePath));
        process.stdout.write(
          `dry run: would execute ${chosen.run.length} unit(s) of work: ${chosen.run.map((fp) => nodeTitle(dag.nodes.get(fp) as never, nVariants)).join(', ') || 'none'}\n`,
        );
      }
      return EXIT.ok;
    }

    await store.saveExperiment(exp.doc.name, exp.file, exp.doc.description, exp.doc, variantsJson(exp));

    // with nothing to run, executeDag still restores published copies and records the bindings
    const nothing = chosen.run.length === 0;
    const mode =
      json || opts.progress === 'none'
        ? 'silent'
        : opts.progress === 'interactive'
          ? 'interactive'
          : opts.progress === 'plain'
            ? 'plain'
            : process.stdout.isTTY && !process.env.CI
              ? 'interactive'
              : 'plain';
    if (!json && !nothing) {
      const cached = chosen.upToDate.length;
      process.stdout.write(
        `qexp ${VERSION} · ${exp.doc.name}: running ${chosen.run.length} unit(s) of work${cached ? `, ${cached} up to date` : ''} · store ${storePath}\n`,
      );
    }
    const runNodes = chosen.run.map((fp) => dag.nodes.get(fp)).filter((n) => n !== undefined);
    const display = nothing ? undefined : createDisplay(runNodes, nVariants, mode);
    const runId = newRunId();
    await store.beginRun(runId, exp.doc.name, exp.file, process.argv.slice(2), VERSION);
    snapshots.runId = runId;
    snapshots.request();
    const results = await executeDag({
      store,
      dag,
      run: chosen.run,
      restore: chosen.restore,
      upToDate: chosen.upToDate,
      runId,
      concurrency: opts.concurrency && opts.concurrency > 0 ? opts.concurrency : availableParallelism(),
      signal: abort.signal,
      keepGoing: opts.keepGoing,
      events: {
        ...display?.events,
        end(node, r) {
          display?.events.end?.(node, r);
          snapshots.request();
        },
      },
    }).finally(() => display?.finish());
    const failed = results.filter((r) => r.outcome === 'failed');
    const waiting = results.filter((r) => r.outcome === 'waiting');
    const status = nothing ? 'ok' : abort.signal.aborted ? 'interrupted' : failed.length ? 'failed' : waiting.length ? 'waiting' : 'ok';
    await store.endRun(runId, status);
    if (json) process.stdout.write(`${JSON.stringify(summary(results, status), null, 2)}\n`);
    else if (nothing) {
      const n = plan.stages.length;
      process.stdout.write(
        `nothing to run: all ${n} stage${n === 1 ? '' : 's'}${nVariants > 1 ? ` of ${nVariants} variants` : ''} are up to date (${dag.nodes.size} unit${dag.nodes.size === 1 ? '' : 's'} of work cached)\n`,
      );
      if (chosen.restore.length) process.stdout.write(`restored published outputs of ${chosen.restore.length} stage(s)\n`);
    } else {
      const done = results.filter((r) => r.outcome === 'done').length;
      const skipped = results.filter((r) => r.outcome === 'skipped').length;
      const took = duration(results.reduce((a, r) => Math.max(a, r.durationMs), 0));
      process.stdout.write(
        `ran ${done} of ${results.length} unit(s) of work${failed.length ? `, ${failed.length} failed` : ''}${waiting.length ? `, ${waiting.length} waiting` : ''}${skipped ? `, ${skipped} skipped` : ''} (longest ${took})\n`,
      );
      for (const r of results.filter((x) => x.outcome === 'failed' || x.outcome === 'interrupted' || x.outcome === 'waiting')) {
        process.stderr.write(
          `\n${r.outcome}: ${r.stage}${nVariants > 1 ? ` [${r.variants.join(' | ')}]` : ''}\n  ${(r.error ?? '').split('\n').join('\n  ')}\n  log: ${r.logPath}\n`,
        );
      }
      if (status === 'interrupted')
        process.stderr.write('\ninterrupted: unfinished stages are not recorded as done; `qexp run` again resumes\n');
    }
    // the experiment's report, when it declares one: the table printed, the files written
    if (!json && exp.doc.report && (status === 'ok' || status === 'waiting')) {
      const report = await (await import('../../report/write-report.js')).writeRunReport(dag, store);
      if (report) {
        process.stdout.write(`\n${report.markdown}`);
        process.stdout.write(`\nreport: ${report.files.map((f) => relative(process.cwd(), f) || f).join(', ')}\n`);
      }
    }
    return status === 'ok' ? EXIT.ok : status === 'interrupted' ? EXIT.interrupted : status === 'waiting' ? EXIT.waiting : EXIT.failure;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await snapshots.finish();
    store.close();
  }
}

function newRunId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${process.pid}`;
}
