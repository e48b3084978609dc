import type { ExperimentDoc, StageDecl } from '../config/types.js';
import { fromRefs, type StageRef } from './contract.js';
import { lookupStageKind } from './registry.js';

/** Every stage a stage reads: its `from` plus the references its kind declares (evaluate's run and qrels; a generate stage's model trained by a stage). */
export function stageRefs(decl: StageDecl | undefined, doc: ExperimentDoc): StageRef[] {
  if (!decl || typeof decl !== 'object') return [];
  const kind = typeof decl.kind === 'string' ? lookupStageKind(decl.kind) : undefined;
  return [...fromRefs(decl), ...(kind?.refs(decl, doc) ?? [])];
}

/** Names of the stages a stage reads, each once: the edges of the DAG. */
export function upstreamStages(decl: StageDecl | undefined, doc: ExperimentDoc): string[] {
  return [...new Set(stageRefs(decl, doc).map((r) => r.stage))];
}
