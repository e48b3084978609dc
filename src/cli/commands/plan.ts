import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import type { Command } from 'commander';
import type { Experiment } from '../../config/types.js';
import { buildDag, type Dag } from '../../dag/build-dag.js';
import { type Plan, planDag } from '../../dag/plan.js';
import { collectSet, loadOrExit, openStoreForReadingOrExit, SET_FLAG, storePathFor } from '../common.js';
import { withConfigErrors } from '../config-errors.js';

export interface PlanOptions {
  json?: boolean;
  store?: string;
  wait?: number;
  set?: string[];
  verify?: boolean;
}

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('show every stage of every variant as done, stale (with the reason) or pending')
    .argument('<file>', 'experiment YAML file')
    .option('--json', 'machine-readable output')
    .option('--store <path>', "DuckDB store (default: the experiment's store: or results/qexp.duckdb)")
    .option('--wait <seconds>', 'wait this long for a store another process holds without publishing a snapshot', Number)
    .option(...SET_FLAG, collectSet)
    .option(
      '--verify',
      "hash every stage's outputs again (by default an output whose size and modification time are unchanged keeps its checksum)",
    )
    .action(async (file: string, opts: PlanOptions) => {
      const exp = loadOrExit(file, Boolean(opts.json), opts.set);
      const storePath = storePathFor(exp, opts.store);
      const store = existsSync(storePath) ? await openStoreForReadingOrExit(storePath, opts.wait) : undefined;
      try {
        const dag = await withConfigErrors(() => buildDag(exp, store), Boolean(opts.json));
        const plan = await planDag(dag, store, { verify: opts.verify });
        if (opts.json) process.stdout.write(`${JSON.stringify(planJson(dag, plan, storePath), null, 2)}\n`);
        else process.stdout.write(renderPlan(dag, plan, storePath));
      } finally {
        store?.close();
      }
    });
}

/** Variants as stored and printed: name and the (axis, value) overrides. */
export function variantsJson(exp: Experiment) {
  return exp.variants.map((v) => ({ name: v.name, overrides: v.overrides.map((o) => ({ axis: o.axis, value: o.value })) }));
}

export function planJson(dag: Dag, plan: Plan, storePath: string) {
  const count = (s: string) => plan.stages.filter((p) => p.status === s).length;
  return {
    experiment: dag.experiment.doc.name,
    file: dag.experiment.file,
    settings: dag.experiment.settings,
    store: storePath,
    variants: variantsJson(dag.experiment),
    nodes: dag.nodes.size,
    summary: { done: count('done'), running: count('running'), stale: count('stale'), pending: count('pending') },
    stages: plan.stages,
  };
}

export function renderPlan(dag: Dag, plan: Plan, storePath: string): string {
  const exp = dag.experiment;
  const nVariants = exp.variants.length;
  const nStages = Object.keys(exp.doc.stages).length;
  const lines: string[] = [];
  const where = relative(process.cwd(), storePath) || storePath;
  lines.push(
    `experiment ${exp.doc.name}: ${nStages} stage${nStages === 1 ? '' : 's'}` +
      (nVariants > 1 ? ` × ${nVariants} variants = ${dag.nodes.size} distinct units of work` : '') +
      ` (store ${where})`,
  );
  if (exp.settings.length > 0) lines.push(`settings from the command line: ${exp.settings.map((s) => `-S ${s}`).join(' ')}`);
  const width = Math.max(...plan.stages.map((s) => s.stage.length));
  let current = '';
  for (const s of plan.stages) {
    if (nVariants > 1 && s.variant !== current) {
      current = s.variant;
      lines.push('', `variant ${s.variant}`);
    }
    const shared =
      nVariants > 1 && s.sharedWith.length > 0
        ? ` [shared with ${s.sharedWith.length} other variant${s.sharedWith.length === 1 ? '' : 's'}]`
        : '';
    const head = `  ${s.status.padEnd(8)} ${s.stage.padEnd(width)}  ${s.fingerprint.slice(0, 12)}${shared}`;
    lines.push(head);
    for (const r of s.reasons) lines.push(`  ${''.padEnd(8)} ${''.padEnd(width)}  - ${r}`);
    for (const c of s.effects.commands) lines.push(`  ${''.padEnd(8)} ${''.padEnd(width)}  runs: ${c}`);
    for (const a of s.effects.network)
      lines.push(
        `  ${''.padEnd(8)} ${''.padEnd(width)}  reaches: ${a.url}${a.credentials.length ? ` (with ${a.credentials.map((v) => `$${v}`).join(', ')})` : ''}`,
      );
  }
  const count = (st: string) => plan.stages.filter((p) => p.status === st).length;
  const toRun = [...plan.nodes.values()].filter((n) => !n.done).length;
  lines.push(
    '',
    `${count('done')} done, ${count('running') ? `${count('running')} running, ` : ''}${count('stale')} stale, ${count('pending')} pending; ` +
      (count('running') ? 'a run is in progress' : `\`qexp run\` would execute ${toRun} unit${toRun === 1 ? '' : 's'} of work`),
    '',
  );
  return lines.join('\n');
}
