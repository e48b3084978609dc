import type { RunContext } from './stage-types.js';

/** Path of an upstream output named `STAGE.OUTPUT` (as resolved configs record it), or an error. */
export function stageInput(ctx: RunContext, ref: string): string {
  const dot = ref.indexOf('.');
  const stage = dot < 0 ? ref : ref.slice(0, dot);
  const output = dot < 0 ? '' : ref.slice(dot + 1);
  const p = ctx.inputs[stage]?.[output];
  if (!p) throw new Error(`stage ${stage} produced no output '${output}'`);
  return p;
}
