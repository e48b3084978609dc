import { didYouMean } from '../config/suggest.js';
import type { Dag } from './build-dag.js';
import type { Plan } from './plan.js';

export interface Selection {
  only?: string[];
  from?: string[];
  until?: string[];
  force?: string[];
  variants?: string[];
}

/** A problem with the command line's selection (exit code 2). */
export class SelectionError extends Error {
  override name = 'SelectionError';
}

export interface Chosen {
  /** Nodes to execute, in topological order. */
  run: string[];
  /** Done nodes whose published copies are restored. */
  restore: string[];
  /** Done nodes in the selection (nothing to compute). */
  upToDate: string[];
}

/**
 * Which nodes a run executes: the ones not done, narrowed by --only/--from/--until/--variant,
 * widened by --force (the stage and everything downstream of it).
 */
export function selectNodes(dag: Dag, plan: Plan, sel: Selection): Chosen {
  const stageNames = [...new Set(dag.variantStages.map((v) => v.stage))];
  const variantNames = dag.experiment.variants.map((v) => v.name);
  const check = (names: string[] | undefined, flag: string) => {
    for (const n of names ?? []) {
      if (!stageNames.includes(n)) throw new SelectionError(`${flag} ${n}: no such stage${didYouMean(n, stageNames, 'one of')}`);
    }
  };
  check(sel.only, '--only');
  check(sel.from, '--from');
  check(sel.until, '--until');
  check(sel.force, '--force');
  for (const v of sel.variants ?? []) {
    if (!variantNames.includes(v)) throw new SelectionError(`--variant ${v}: no such variant${didYouMean(v, variantNames, 'one of')}`);
  }

  const children = new Map<string, Set<string>>();
  for (const node of dag.nodes.values()) {
    for (const up of Object.values(node.inputs)) {
      if (!children.has(up)) children.set(up, new Set());
      children.get(up)?.add(node.fingerprint);
    }
  }
  const nodesOf = (stages: string[]) => new Set(dag.variantStages.filter((v) => stages.includes(v.stage)).map((v) => v.fingerprint));
  const closure = (start: Set<string>, next: (fp: string) => Iterable<string>) => {
    const seen = new Set(start);
    const stack = [...start];
    while (stack.length) {
      for (const n of next(stack.pop() as string)) {
        if (seen.has(n)) continue;
        seen.add(n);
        stack.push(n);
      }
    }
    return seen;
  };
  const up = (fp: string) => Object.values(dag.nodes.get(fp)?.inputs ?? {});
  const down = (fp: string) => children.get(fp) ?? [];

  let scope = new Set(dag.order);
  if (sel.variants?.length) {
    scope = new Set(dag.variantStages.filter((v) => sel.variants?.includes(v.variant)).map((v) => v.fingerprint));
  }
  const restrict = (s: Set<string>) => {
    scope = new Set([...scope].filter((fp) => s.has(fp)));
  };
  if (sel.only?.length) restrict(nodesOf(sel.only));
  if (sel.from?.length) restrict(closure(nodesOf(sel.from), down));
  if (sel.until?.length) restrict(closure(nodesOf(sel.until), up));
  const forced = sel.force?.length ? closure(nodesOf(sel.force), down) : new Set<string>();

  const run = new Set<string>();
  for (const fp of scope) if (!plan.nodes.get(fp)?.done || forced.has(fp)) run.add(fp);
  for (const fp of run) {
    for (const [name, dep] of Object.entries(dag.nodes.get(fp)?.inputs ?? {})) {
      if (!run.has(dep) && !plan.nodes.get(dep)?.done) {
        const stage = dag.nodes.get(fp)?.stage;
        throw new SelectionError(
          `stage ${stage} reads ${name}, which is not done and not selected; widen the selection (e.g. --until ${stage}) or run ${name} first`,
        );
      }
    }
  }
  const order = dag.order.filter((fp) => scope.has(fp));
  return {
    run: order.filter((fp) => run.has(fp)),
    restore: order.filter((fp) => !run.has(fp) && (plan.nodes.get(fp)?.restore.length ?? 0) > 0),
    upToDate: order.filter((fp) => !run.has(fp)),
  };
}
