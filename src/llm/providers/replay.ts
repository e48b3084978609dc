import { join } from 'node:path';
import { type Recorded, readRecorded } from '../recorded.js';
import type { Json } from '../types.js';
import { defineProvider } from './provider.js';

/** Generations recorded earlier: a file, or a generate stage's stored generations. */
export interface ReplayModelDecl {
  provider: 'replay';
  description?: string;
  file?: string;
  stage?: string;
}

interface ReplayIdentity {
  [k: string]: Json;
  provider: 'replay';
  /** Recorded path (checksummed). */
  file: string | null;
  stage: string | null;
}

/**
 * `replay`: answers recorded earlier — a file (see `readRecorded`) or the latest completed run of
 * a generate stage in this store. Sample s of a query is its s-th recorded text; a query (or
 * sample) the recording lacks is an error that names it.
 */
export const replayProvider = defineProvider<ReplayModelDecl, ReplayIdentity, null>({
  name: 'replay',
  noun: 'recorded generations (`replay`)',
  summary: 'answers recorded earlier',
  schema: {
    file: {
      description:
        "For `replay`: recorded generations — JSONL with `qid` and `text` (optionally `sample`; a generate stage's `generations` output), a JSON list of `[qid, query, text]`, or TSV `qid<TAB>text`.",
      $ref: '#/$defs/path',
    },
    stage: {
      description: 'For `replay`: a generate stage whose stored generations (in this store) are replayed.',
      $ref: '#/$defs/name',
    },
  },
  fewShot: false,

  refs: () => [],

  check: (m) => (!m.file && !m.stage ? [{ key: [], message: "a 'replay' model needs 'file' or 'stage'" }] : []),

  resolve(m, scope) {
    const file = m.file ? scope.resolvePath('file', m.file) : undefined;
    return {
      identity: { provider: 'replay', file: file ? scope.recordPath(file) : null, stage: m.stage ?? null },
      runtime: null,
      files: file ? [file] : [],
    };
  },

  async *answer(requests, { identity: m }, ctx) {
    let recorded: Recorded;
    let source: string;
    if (m.file) {
      source = m.file;
      recorded = readRecorded(join(ctx.root, m.file));
    } else {
      const fp = await ctx.stored.latestDone(m.stage as string);
      if (!fp)
        throw new Error(`replay: no stage '${m.stage}' has completed in ${ctx.stored.path}; run it first, or replay an exported file`);
      source = `stage ${m.stage} (${fp.slice(0, 12)})`;
      recorded = new Map();
      for (const r of await ctx.stored.generations(fp)) {
        const list = recorded.get(r.qid) ?? [];
        list[r.sample] = r.text;
        recorded.set(r.qid, list);
      }
    }
    // every text is checked before any is given: a recording that lacks one fails the stage whole
    const samples = requests.some((r) => r.sample > 0);
    const texts = requests.map((r) => {
      const text = recorded.get(r.qid)?.[r.sample];
      if (text === undefined)
        throw new Error(`replay: ${source} has no generation for query ${r.qid}${samples ? ` (sample ${r.sample})` : ''} ("${r.query}")`);
      return text;
    });
    ctx.log(`replayed ${requests.length} generations for ${new Set(requests.map((r) => r.qid)).size} queries from ${source}`);
    for (const [i, request] of requests.entries())
      yield {
        kind: 'answer',
        request,
        completion: {
          texts: [texts[i] as string],
          finishReasons: [null],
          promptTokens: 0,
          completionTokens: 0,
          estimated: false,
          latencyMs: 0,
          endpoint: source,
        },
        costUsd: 0,
      };
    yield { kind: 'done', about: { source } };
  },
});
