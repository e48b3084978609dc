import type { ExperimentDoc, StageDecl } from '../config/types.js';
import { lookupStageKind } from './registry.js';

/** A reference from one stage to another, with the JSON Pointer (below the stage) where it is written. */
export interface StageRef {
  stage: string;
  ptr: string;
}

/** Stages named in `from` (a name or a list). */
export function fromRefs(decl: StageDecl | undefined): StageRef[] {
  const from = decl?.from;
  if (from === undefined) return [];
  if (Array.isArray(from)) return from.flatMap((s, i) => (typeof s === 'string' ? [{ stage: s, ptr: `/from/${i}` }] : []));
  return typeof from === 'string' ? [{ stage: from, ptr: '/from' }] : [];
}

/** Every stage a stage reads: its `from` plus the references its kind declares (e.g. evaluate's run and qrels; a generate stage's model trained by a stage). */
export function stageRefs(decl: StageDecl | undefined, doc?: ExperimentDoc): StageRef[] {
  if (!decl || typeof decl !== 'object') return [];
  const kind = typeof decl.kind === 'string' ? lookupStageKind(decl.kind) : undefined;
  return [...fromRefs(decl), ...(kind?.refs?.(decl, doc) ?? [])];
}

/** Names of the stages a stage reads, each once. */
export function stageInputs(decl: StageDecl | undefined, doc?: ExperimentDoc): string[] {
  return [...new Set(stageRefs(decl, doc).map((r) => r.stage))];
}
