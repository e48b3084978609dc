import { Type } from '@sinclair/typebox';
import { readPairs } from '../artifacts/pairs.js';
import type { PromptDecl } from '../llm/prompt.js';
import { defineStage, input, type Json } from './contract.js';
import { Ref } from './schema-parts.js';
import { checkStudentPrompt, studentMessages, VALIDATION_FRACTION, writeSplit } from './training-data.js';

/**
 * `dpo-data`: preference data in TRL's conversational preference format, one example per pair:
 * `{"prompt": [...the student's zero-shot prompt...], "chosen": [{"role": "assistant", ...}],
 * "rejected": [{"role": "assistant", ...}]}`. Split by query into train and validation, with a
 * manifest.
 */
export const dpoDataStage = defineStage({
  kind: 'dpo-data',
  version: 1,
  title: 'Writes preference data.',
  description:
    "DPO data in TRL's conversational preference format (`prompt`, `chosen`, `rejected`). Outputs `train`, `validation` (JSONL) and `manifest`.",
  inputs: {
    pairs: input({ accepts: 'pairs', output: 'pairs', description: 'A pairs stage (output `pairs`).' }),
  },
  properties: {
    prompt: Ref.name("The student's prompt (zero-shot: no examples)."),
    validation: Type.Optional(VALIDATION_FRACTION),
  },
  required: ['prompt'],
  outputs: { train: 'dpo-examples', validation: 'dpo-examples', manifest: 'manifest' },

  check: (scope, decl) => checkStudentPrompt(scope, decl.prompt),

  resolve: (scope, decl) => ({
    own: { prompt: decl.prompt, validation: decl.validation ?? 0.1, seed: scope.doc.seed },
    uses: { [`prompts.${decl.prompt}`]: scope.doc.prompts?.[decl.prompt] as Json },
  }),

  async run(ctx) {
    const prompt = ctx.resolved.uses[`prompts.${ctx.own.prompt}`] as unknown as PromptDecl;
    const examples = (await readPairs(ctx.input.pairs)).map((p) => ({
      qid: p.qid,
      record: {
        prompt: studentMessages(prompt, p.query),
        chosen: [{ role: 'assistant', content: p.chosen.text }],
        rejected: [{ role: 'assistant', content: p.rejected.text }],
      },
    }));
    return writeSplit(ctx, 'trl-conversational-preference', examples, ctx.own.validation, ctx.own.seed, prompt, {});
  },
});
