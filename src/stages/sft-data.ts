import type { StageDecl } from '../config/types.js';
import type { Scored } from '../feedback/select-pairs.js';
import type { PromptDecl } from '../llm/prompt.js';
import { checkOutputRef, splitStageRef, stageInput } from './output-ref.js';
import { readFeedback } from './pairs.js';
import type { Json, Resolved, RunContext, StageKind, StageOutput } from './stage-kind.js';
import { checkStudentPrompt, studentMessages, writeSplit } from './training-data.js';

interface SftStage extends StageDecl {
  kind: 'sft-data';
  feedback: string;
  prompt: string;
  selection: 'all' | 'best-per-query' | 'above-baseline';
  pools?: string[];
  validation: number;
}

/**
 * `sft-data`: distillation data in TRL's conversational language-modeling format, one example
 * per selected teacher candidate: `{"messages": [...the student's zero-shot prompt..., {"role":
 * "assistant", "content": expansion}]}`. Selection: every candidate, the best per query, or those
 * better than the query alone. Split by query into train and validation, with a manifest.
 */
export const sftDataStage: StageKind = {
  kind: 'sft-data',
  version: 1,

  refs(decl) {
    const s = decl as SftStage;
    return typeof s.feedback === 'string' ? [{ stage: splitStageRef(s.feedback, 'feedback').stage, ptr: '/feedback' }] : [];
  },

  check(scope, decl) {
    const s = decl as SftStage;
    return [...checkOutputRef(scope, 'feedback', s.feedback, 'feedback'), ...checkStudentPrompt(scope, s.prompt)];
  },

  outputs() {
    return ['train', 'validation', 'manifest'];
  },

  resolve(scope, decl): Resolved {
    const s = decl as SftStage;
    const f = splitStageRef(s.feedback, 'feedback');
    return {
      own: {
        feedback: `${f.stage}.${f.output}`,
        prompt: s.prompt,
        selection: s.selection,
        pools: s.pools ?? null,
        validation: s.validation,
        seed: scope.doc.seed,
      },
      uses: { [`prompts.${s.prompt}`]: (scope.doc.prompts ?? {})[s.prompt] as Json },
      files: [],
      outputs: ['train', 'validation', 'manifest'],
      publish: {},
    };
  },

  async run(ctx: RunContext): Promise<Record<string, StageOutput>> {
    const own = ctx.resolved.own as {
      feedback: string;
      prompt: string;
      selection: SftStage['selection'];
      pools: string[] | null;
      validation: number;
      seed: number;
    };
    const prompt = ctx.resolved.uses[`prompts.${own.prompt}`] as unknown as PromptDecl;
    let candidates = readFeedback(stageInput(ctx, own.feedback));
    if (own.pools) candidates = candidates.filter((c) => (own.pools as string[]).includes(c.pool));
    let chosen: Scored[];
    if (own.selection === 'all') chosen = candidates;
    else if (own.selection === 'above-baseline') chosen = candidates.filter((c) => c.value > c.baseline);
    else {
      const best = new Map<string, Scored>();
      for (const c of candidates) {
        const b = best.get(c.qid);
        if (!b || c.value > b.value) best.set(c.qid, c);
      }
      chosen = candidates.filter((c) => best.get(c.qid) === c);
    }
    const examples = chosen.map((c) => ({
      qid: c.qid,
      record: { messages: [...studentMessages(prompt, c.query), { role: 'assistant', content: c.text }] } as unknown as Json,
    }));
    return writeSplit(ctx, 'trl-conversational-language-modeling', examples, own.validation, own.seed, prompt, {
      selection: own.selection,
      candidates: candidates.length,
      pools: own.pools,
    });
  },
};
