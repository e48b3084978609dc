import type { Diagnostic } from '../config/diagnostics.js';
import { didYouMean } from '../config/suggest.js';
import type { RunContext, StageScope } from './stage-kind.js';

/** `STAGE` or `STAGE.OUTPUT` (default output given). */
export function splitStageRef(ref: string, output: string): { stage: string; output: string } {
  const dot = ref.indexOf('.');
  return dot < 0 ? { stage: ref, output } : { stage: ref.slice(0, dot), output: ref.slice(dot + 1) };
}

/** A diagnostic when the referenced stage exists but has no such output (a missing stage is reported elsewhere). */
export function checkOutputRef(scope: StageScope, key: string, ref: string, defaultOutput: string, hint = ''): Diagnostic[] {
  const r = splitStageRef(ref, defaultOutput);
  const names = scope.outputsOf(r.stage);
  if (!names || names.includes(r.output)) return [];
  return [
    {
      pos: scope.map.locate(`${scope.ptr}/${key}`),
      path: `stages.${scope.stageName}.${key}`,
      message: `stage '${r.stage}' has no output '${r.output}'${didYouMean(r.output, names)}${hint}`,
    },
  ];
}

/** Path of an upstream output named `STAGE.OUTPUT` (as resolved configs record it), or an error. */
export function stageInput(ctx: RunContext, ref: string): string {
  const { stage, output } = splitStageRef(ref, '');
  const p = ctx.inputs[stage]?.[output];
  if (!p) throw new Error(`stage ${stage} produced no output '${output}'`);
  return p;
}

/** The stage's memory budget for its index (`retrieval.memory_budget`, in its `runtime`), in bytes. */
export const memoryBudgetOf = (ctx: RunContext): number | undefined =>
  (ctx.resolved.runtime as { memory_budget?: number | null } | undefined)?.memory_budget ?? undefined;
