import type { StageDecl } from '../config/types.js';
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

/** Every stage a stage reads: its `from` plus the references its kind declares (e.g. evaluate's run and qrels). */
export function stageRefs(decl: StageDecl | undefined): StageRef[] {
  if (!decl || typeof decl !== 'object') return [];
  const kind = typeof decl.kind === 'string' ? lookupStageKind(decl.kind) : undefined;
  return [...fromRefs(decl), ...(kind?.refs?.(decl) ?? [])];
}

/** Names of the stages a stage reads, each once. */
export function stageInputs(decl: StageDecl | undefined): string[] {
  return [...new Set(stageRefs(decl).map((r) => r.stage))];
}
