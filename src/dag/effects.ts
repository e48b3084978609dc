import { type StageEffects, stageKind } from '../stages/registry.js';
import type { Dag } from './build-dag.js';

export interface NodeEffects {
  fingerprint: string;
  stage: string;
  kind: string;
  effects: StageEffects;
}

/** What the given units of work would do beyond qexp's own files: commands and addresses. */
export function effectsOf(dag: Dag, fps: readonly string[]): NodeEffects[] {
  return fps.flatMap((fp) => {
    const node = dag.nodes.get(fp);
    if (!node) return [];
    return [{ fingerprint: fp, stage: node.stage, kind: node.kind, effects: stageKind(node.kind).effects(node.resolved) }];
  });
}

/**
 * `qexp run --safe`, for a reviewer re-running someone else's experiment: the units that would
 * run a command (a shell stage, a trainer, a model server, offline generation) are refused, all
 * of them named before anything runs. Declared LLM endpoints stay allowed (a replayed ledger
 * answers what it holds without a request); they are listed with the variables whose values
 * would be sent. Hooks run in their sandbox.
 */
export function safetyCheck(dag: Dag, toRun: readonly string[]): { refused: string[]; contacts: string[] } {
  const refused: string[] = [];
  const contacts = new Set<string>();
  for (const n of effectsOf(dag, toRun)) {
    for (const c of n.effects.commands) refused.push(`stage ${n.stage} (${n.kind}) would run: ${c}`);
    for (const a of n.effects.network)
      contacts.add(
        `${a.url} (${a.what}${a.credentials.length ? `; sends the value of ${a.credentials.map((v) => `$${v}`).join(', ')}` : ''})`,
      );
  }
  return { refused, contacts: [...contacts] };
}
