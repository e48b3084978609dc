import { Type } from '@sinclair/typebox';
import type { FeedbackRecord } from '../artifacts/feedback.js';
import { readFeedback } from '../artifacts/feedback.js';
import type { PromptDecl } from '../llm/prompt.js';
import { defineStage, input, type Json } from './contract.js';
import { Ref, StringEnum } from './schema-parts.js';
import { checkStudentPrompt, studentMessages, VALIDATION_FRACTION, writeSplit } from './training-data.js';

/**
 * `sft-data`: distillation data in TRL's conversational language-modeling format, one example
 * per selected teacher candidate: `{"messages": [...the student's zero-shot prompt..., {"role":
 * "assistant", "content": expansion}]}`. Selection: every candidate, the best per query, or those
 * better than the query alone. Split by query into train and validation, with a manifest.
 */
export const sftDataStage = defineStage({
  kind: 'sft-data',
  version: 1,
  title: 'Writes supervised fine-tuning data.',
  description:
    "SFT data in TRL's conversational format: the student's zero-shot prompt as the user turn and a teacher's expansion as the assistant turn. Outputs `train`, `validation` (JSONL) and `manifest`.",
  inputs: {
    feedback: input({
      accepts: 'feedback',
      output: 'feedback',
      description: "A feedback stage (output `feedback`): the teacher's candidates with their values.",
    }),
  },
  properties: {
    prompt: Ref.name("The student's prompt (zero-shot: no examples)."),
    selection: Type.Optional(
      StringEnum(['all', 'best-per-query', 'above-baseline'], {
        description: '`all` candidates, the `best-per-query` (ties: the first), or those `above-baseline` (better than the query alone).',
        default: 'all',
      }),
    ),
    pools: Type.Optional(
      Type.Array(Ref.name(), {
        description: "Only candidates of these generate stages (default: all of the feedback's pool).",
        minItems: 1,
      }),
    ),
    validation: Type.Optional(VALIDATION_FRACTION),
  },
  required: ['prompt'],
  outputs: { train: 'sft-examples', validation: 'sft-examples', manifest: 'manifest' },

  check: (scope, decl) => checkStudentPrompt(scope, decl.prompt),

  resolve: (scope, decl) => ({
    own: {
      prompt: decl.prompt,
      selection: decl.selection ?? 'all',
      pools: decl.pools ?? null,
      validation: decl.validation ?? 0.1,
      seed: scope.doc.seed,
    },
    uses: { [`prompts.${decl.prompt}`]: scope.doc.prompts?.[decl.prompt] as Json },
  }),

  async run(ctx) {
    const own = ctx.own;
    const prompt = ctx.resolved.uses[`prompts.${own.prompt}`] as unknown as PromptDecl;
    let candidates = await readFeedback(ctx.input.feedback);
    if (own.pools) candidates = candidates.filter((c) => (own.pools as string[]).includes(c.pool));
    let chosen: FeedbackRecord[];
    if (own.selection === 'all') chosen = candidates;
    else if (own.selection === 'above-baseline') chosen = candidates.filter((c) => c.value > c.baseline);
    else {
      const best = new Map<string, FeedbackRecord>();
      for (const c of candidates) {
        const b = best.get(c.qid);
        if (!b || c.value > b.value) best.set(c.qid, c);
      }
      chosen = candidates.filter((c) => best.get(c.qid) === c);
    }
    const examples = chosen.map((c) => ({
      qid: c.qid,
      record: { messages: [...studentMessages(prompt, c.query), { role: 'assistant', content: c.text }] },
    }));
    return writeSplit(ctx, 'trl-conversational-language-modeling', examples, own.validation, own.seed, prompt, {
      selection: own.selection,
      candidates: candidates.length,
      pools: own.pools,
    });
  },
});
