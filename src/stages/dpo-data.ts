import { readFileSync } from 'node:fs';
import type { StageDecl } from '../config/types.js';
import { DataError } from '../data/data-error.js';
import type { PromptDecl } from '../llm/prompt.js';
import { checkOutputRef, splitStageRef, stageInput } from './output-ref.js';
import type { Json, Resolved, RunContext, StageKind, StageOutput } from './stage-kind.js';
import { checkStudentPrompt, studentMessages, writeSplit } from './training-data.js';

interface DpoStage extends StageDecl {
  kind: 'dpo-data';
  pairs: string;
  prompt: string;
  validation: number;
}

/**
 * `dpo-data`: preference data in TRL's conversational preference format, one example per pair:
 * `{"prompt": [...the student's zero-shot prompt...], "chosen": [{"role": "assistant", ...}],
 * "rejected": [{"role": "assistant", ...}]}`. Split by query into train and validation, with a
 * manifest.
 */
export const dpoDataStage: StageKind = {
  kind: 'dpo-data',
  version: 1,

  refs(decl) {
    const s = decl as DpoStage;
    return typeof s.pairs === 'string' ? [{ stage: splitStageRef(s.pairs, 'pairs').stage, ptr: '/pairs' }] : [];
  },

  check(scope, decl) {
    const s = decl as DpoStage;
    return [...checkOutputRef(scope, 'pairs', s.pairs, 'pairs'), ...checkStudentPrompt(scope, s.prompt)];
  },

  outputs() {
    return ['train', 'validation', 'manifest'];
  },

  resolve(scope, decl): Resolved {
    const s = decl as DpoStage;
    const p = splitStageRef(s.pairs, 'pairs');
    return {
      own: { pairs: `${p.stage}.${p.output}`, prompt: s.prompt, validation: s.validation, seed: scope.doc.seed },
      uses: { [`prompts.${s.prompt}`]: (scope.doc.prompts ?? {})[s.prompt] as Json },
      files: [],
      outputs: ['train', 'validation', 'manifest'],
      publish: {},
    };
  },

  async run(ctx: RunContext): Promise<Record<string, StageOutput>> {
    const own = ctx.resolved.own as { pairs: string; prompt: string; validation: number; seed: number };
    const prompt = ctx.resolved.uses[`prompts.${own.prompt}`] as unknown as PromptDecl;
    const path = stageInput(ctx, own.pairs);
    const examples: { qid: string; record: Json }[] = [];
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '') return;
        let p: { qid?: unknown; query?: unknown; chosen?: { text?: unknown }; rejected?: { text?: unknown } };
        try {
          p = JSON.parse(line);
        } catch (err) {
          throw new DataError(path, i + 1, `invalid JSON: ${(err as Error).message}`);
        }
        if (
          typeof p.qid !== 'string' ||
          typeof p.query !== 'string' ||
          typeof p.chosen?.text !== 'string' ||
          typeof p.rejected?.text !== 'string'
        )
          throw new DataError(path, i + 1, 'expected a pair (qid, query, chosen.text, rejected.text)');
        examples.push({
          qid: p.qid,
          record: {
            prompt: studentMessages(prompt, p.query),
            chosen: [{ role: 'assistant', content: p.chosen.text }],
            rejected: [{ role: 'assistant', content: p.rejected.text }],
          } as unknown as Json,
        });
      });
    return writeSplit(ctx, 'trl-conversational-preference', examples, own.validation, own.seed, prompt, {});
  },
};
