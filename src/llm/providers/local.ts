import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStreaming } from '../../util/run-streaming.js';
import { streamOf } from '../event-stream.js';
import type { Json, Sampling } from '../types.js';
import { FROM_SCHEMA, SAMPLING_SCHEMA } from './common-schema.js';
import { defineProvider, type KeyedRequest } from './provider.js';

/** A model run on this machine by trainers/generate.py (vLLM offline, else transformers). */
export interface LocalModelDecl {
  provider: 'local';
  description?: string;
  /** A train stage whose checkpoint is the model. */
  from?: string;
  /** A model folder or Hugging Face id, instead of `from`. */
  path?: string;
  engine: 'auto' | 'vllm' | 'transformers';
  sampling?: Sampling;
  chat_template_kwargs?: Record<string, unknown>;
  /** What runs generate.py (default python3). */
  command?: string;
  cuda_visible_devices?: string;
  batch_size: number;
}

interface LocalIdentity {
  [k: string]: Json;
  provider: 'local';
  model: string;
  from: string | null;
  /** A folder here (recorded path, checksummed), or a hub id. */
  path: string | null;
  endpoint: string;
  engine: string;
  sampling: Json;
  chat_template_kwargs: Json;
}

interface LocalRuntime {
  command: string;
  cuda_visible_devices?: string;
  batch_size: number;
}

/** A line of trainers/generate.py --stream: one answer. */
const ANSWER = 'qexp:answer ';

const SCRIPT = fileURLToPath(new URL('../../../trainers/generate.py', import.meta.url));

/**
 * `local`: trainers/generate.py on this machine answers the requests (a trained student, a model
 * folder or a hub id). Each answer it prints is streamed at once, so a stopped or failed run keeps
 * what it answered and a rerun asks only for the rest.
 */
export const localProvider = defineProvider<LocalModelDecl, LocalIdentity, LocalRuntime>({
  name: 'local',
  noun: 'a model run on this machine by trainers/generate.py (`local`)',
  summary: "offline generation with trainers/generate.py (vLLM's offline engine, else transformers)",
  schema: {
    sampling: SAMPLING_SCHEMA,
    from: FROM_SCHEMA,
    ...{
      path: {
        description: 'For `local`: a model folder (relative to this file) or a Hugging Face id, instead of `from`.',
        type: 'string',
        minLength: 1,
      },
      engine: {
        description: 'For `local`: `vllm` (offline engine), `transformers` (generate), or `auto` (vLLM when installed).',
        enum: ['auto', 'vllm', 'transformers'],
        default: 'auto',
      },
      chat_template_kwargs: {
        description: 'For `local`: arguments of the chat template (e.g. `enable_thinking: false` for Qwen3).',
        type: 'object',
      },
      command: {
        description: "For `local`: what runs trainers/generate.py (default `python3`; e.g. a virtual environment's python).",
        type: 'string',
        minLength: 1,
      },
      cuda_visible_devices: {
        description: 'For `local`: CUDA_VISIBLE_DEVICES of the generation.',
        type: 'string',
      },
      batch_size: {
        description: 'For `local`: requests per batch.',
        type: 'integer',
        minimum: 1,
        default: 32,
      },
    },
  },
  fewShot: true,

  refs: (m) =>
    typeof m.from === 'string' ? [{ key: 'from', ref: m.from, output: 'checkpoint', kind: 'train', what: 'its checkpoint' }] : [],

  check: (m) =>
    (m.from === undefined) === (m.path === undefined)
      ? [{ key: [], message: "a 'local' model needs 'from' (a train stage) or 'path' (a model folder or id), one of them" }]
      : [],

  resolve(m, scope) {
    const files: string[] = [];
    let path: string | null = null;
    if (m.path !== undefined) {
      // a folder here (checksummed into the fingerprint), or a hub id
      const local = scope.resolvePath('path', m.path);
      if (existsSync(local)) {
        files.push(local);
        path = scope.recordPath(local);
      } else path = m.path;
    }
    const identity: LocalIdentity = {
      provider: 'local',
      model: m.from ? `stage:${m.from}` : (path as string),
      from: m.from ?? null,
      path,
      endpoint: `local:${m.from ? `stage:${m.from}` : path}`,
      engine: m.engine,
      sampling: (m.sampling ?? {}) as Json,
      chat_template_kwargs: (m.chat_template_kwargs ?? {}) as Json,
    };
    const runtime: LocalRuntime = {
      command: m.command ?? 'python3',
      cuda_visible_devices: m.cuda_visible_devices,
      batch_size: m.batch_size,
    };
    return { identity, runtime: JSON.parse(JSON.stringify(runtime)) as LocalRuntime, files };
  },

  requests: {
    model: (m) => m.model,
    endpoint: (m, fingerprintOf) => (m.from ? `${m.endpoint}@${fingerprintOf(m.from)}` : m.endpoint),
    sampling: (m) => m.sampling as Sampling,
    body: (m, messages, sampling) => ({
      ...sampling,
      chat_template_kwargs: m.chat_template_kwargs,
      engine: m.engine,
      model: m.model,
      messages,
    }),
  },

  answer(requests, { identity: m, runtime: rt }, ctx) {
    const pending = requests as KeyedRequest[];
    return streamOf(ctx.signal, async (emit, signal) => {
      const path = m.from ? ctx.input(`${m.from}.checkpoint`) : (m.path as string);
      const modelPath = m.from || !existsSync(resolve(ctx.root, path)) ? path : resolve(ctx.root, path);
      const jobPath = join(ctx.tmpDir, 'gen-job.json');
      const byKey = new Map(pending.map((r) => [r.key, r]));
      await writeFile(
        jobPath,
        `${JSON.stringify({
          model: modelPath,
          engine: m.engine,
          sampling: m.sampling,
          chat_template_kwargs: m.chat_template_kwargs,
          batch_size: rt.batch_size,
          // samples of one query differ by their seed (sampling.seed + sample); without one each is a draw of its own
          requests: pending.map((r) => ({
            key: r.key,
            messages: r.messages,
            ...(typeof r.body.seed === 'number' ? { seed: r.body.seed } : {}),
          })),
        })}\n`,
      );
      const env: Record<string, string> = { PYTHONUNBUFFERED: '1' };
      if (rt.cuda_visible_devices !== undefined) env.CUDA_VISIBLE_DEVICES = rt.cuda_visible_devices;
      ctx.log(`$ ${rt.command} ${SCRIPT} --job ${jobPath} --stream`);
      let answered = 0;
      let bad: string | undefined;
      const r = await runStreaming('bash', ['-c', `${rt.command} "$0" --job "$1" --stream`, SCRIPT, jobPath], {
        cwd: ctx.tmpDir,
        env,
        graceS: 30,
        signal,
        onLine(line) {
          if (!line.startsWith(ANSWER)) return ctx.log(line);
          let a: {
            key?: unknown;
            texts?: unknown;
            finish_reasons?: unknown;
            prompt_tokens?: unknown;
            completion_tokens?: unknown;
            latency_ms?: unknown;
          };
          try {
            a = JSON.parse(line.slice(ANSWER.length));
          } catch {
            bad ??= `generate.py printed an answer that is not JSON: ${line.slice(0, 200)}`;
            return;
          }
          const request = typeof a.key === 'string' ? byKey.get(a.key) : undefined;
          if (!request || !Array.isArray(a.texts) || a.texts.length === 0 || !a.texts.every((t) => typeof t === 'string')) {
            bad ??= `generate.py printed an answer for no request of this stage, or without texts: ${line.slice(0, 200)}`;
            return;
          }
          const counts = [a.prompt_tokens ?? 0, a.completion_tokens ?? 0];
          if (!counts.every((c) => Number.isInteger(c) && (c as number) >= 0 && (c as number) < 2 ** 31)) {
            bad ??= `generate.py printed token counts that are not integers from 0 to 2^31-1: ${line.slice(0, 200)}`;
            return;
          }
          byKey.delete(a.key as string);
          answered++;
          const texts = a.texts as string[];
          emit({
            kind: 'answer',
            request,
            completion: {
              texts,
              finishReasons: texts.map((_, i) => {
                const r = Array.isArray(a.finish_reasons) ? a.finish_reasons[i] : null;
                return typeof r === 'string' ? r : null;
              }),
              promptTokens: counts[0] as number,
              completionTokens: counts[1] as number,
              estimated: false,
              latencyMs: Math.max(0, Number(a.latency_ms) || 0),
              endpoint: 'local',
            },
            costUsd: 0,
          });
        },
      });
      const last = r.tail.length ? `; its last lines:\n${r.tail.slice(-12).join('\n')}` : '';
      if (r.stopped) throw new Error(`${r.stopped}; ${answered} answers of this run are stored`);
      if (r.exitCode !== 0)
        throw new Error(
          `trainers/generate.py failed (${r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`}); ${answered} answers of this run are stored${last}`,
        );
      if (bad) throw new Error(bad);
      if (byKey.size > 0)
        throw new Error(`trainers/generate.py ended without answering ${byKey.size} of ${pending.length} requests${last}`);
      emit({ kind: 'done', sent: pending.length });
    });
  },
});
