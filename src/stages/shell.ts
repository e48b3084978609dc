import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { Diagnostic } from '../config/diagnostics.js';
import { didYouMean } from '../config/suggest.js';
import { getPath } from '../util/object-path.js';
import { runStreaming } from '../util/run-streaming.js';
import { shellQuote } from '../util/shell-quote.js';
import { defineStage, fromRefs, type Json, type StageOutput, type StageScope } from './contract.js';
import { Ref } from './schema-parts.js';

const SLOT = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;
/** Seconds a stopped command gets between SIGTERM and SIGKILL. */
const GRACE_S = 5;

/** `{{variant}}` and `{{seed}}` are substituted when the stage is resolved (they enter the fingerprint). */
function resolveSlots(text: string, scope: StageScope): string {
  return text.replace(SLOT, (all, name: string) => {
    if (name === 'variant') return scope.variant;
    if (name === 'seed') return String(scope.doc.seed);
    return all; // params (fingerprinted as `uses`), outs and inputs are filled in when the stage runs
  });
}

function paramText(v: Json | undefined): string {
  return typeof v === 'string' ? shellQuote(v) : shellQuote(JSON.stringify(v ?? null));
}

function paramValues(scope: StageScope, decl: { params?: string[] }): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const p of decl.params ?? []) out[p] = (getPath(scope.doc, p.split('.')) ?? null) as Json;
  return out;
}

/** `shell`: a user's command in the DAG, with declared inputs, parameters and outputs. */
export const shellStage = defineStage({
  kind: 'shell',
  version: 1,
  title: 'Runs a shell command.',
  description:
    'Runs a command, like a DVC stage. In `command`, `{{outs.NAME}}`, `{{inputs.STAGE.OUTPUT}}`, `{{params.PATH}}`, `{{variant}}` and `{{seed}}` are replaced (paths shell-quoted). Output lines `qexp:progress DONE[/TOTAL] [UNIT]` drive the progress display (counts, rate, ETA).',
  properties: {
    command: Type.String({ description: 'The command, run by /bin/sh in `cwd`.', minLength: 1 }),
    deps: Type.Optional(
      Type.Array(Ref.path(), {
        description: 'Files or folders the command reads; their checksums are part of the fingerprint.',
        uniqueItems: true,
      }),
    ),
    outs: Type.Optional(
      Type.Unsafe<Record<string, string | null>>({
        description:
          'Outputs by name. The command writes `{{outs.NAME}}` (a temporary path); on success it moves into the store. A path publishes a copy there; null keeps it only in the store.',
        type: 'object',
        propertyNames: { $ref: '#/$defs/name' },
        additionalProperties: {
          description: 'Where to publish a copy, relative to this file (may contain `{{variant}}`), or null.',
          oneOf: [{ $ref: '#/$defs/path' }, { type: 'null' }],
        },
      }),
    ),
    params: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$' }), {
        description:
          'Dotted paths of experiment settings the command uses (e.g. `retrieval.bm25.k1`); their values are part of the fingerprint and available as `{{params.PATH}}` and in QEXP_PARAMS (JSON).',
        uniqueItems: true,
      }),
    ),
    env: Type.Optional(
      Type.Unsafe<Record<string, string>>({
        description: 'Extra environment variables for the command.',
        type: 'object',
        propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
        additionalProperties: { type: 'string' },
      }),
    ),
    cwd: Type.Optional(Ref.path('Working directory (default: the folder of the experiment file).')),
    timeout: Type.Optional(Type.Number({ description: 'Seconds before the command is stopped and the stage fails.', exclusiveMinimum: 0 })),
  },
  required: ['command'],

  outputs: (_scope, decl) => Object.fromEntries(Object.keys(decl.outs ?? {}).map((n) => [n, 'file' as const])),

  check(scope, decl) {
    const s = decl;
    const out: Diagnostic[] = [];
    const at = (key: string, i: number | undefined, message: string) => scope.at(i === undefined ? key : `${key}/${i}`, message);
    (s.deps ?? []).forEach((dep, i) => {
      const abs = scope.resolvePath(`${scope.ptr}/deps/${i}`, dep);
      if (!existsSync(abs)) out.push(at('deps', i, `dependency not found: ${abs}`));
    });
    (s.params ?? []).forEach((p, i) => {
      if (getPath(scope.doc, p.split('.')) === undefined) {
        const top = Object.keys(scope.doc);
        out.push(
          at('params', i, `parameter '${p}' is not set in the experiment${didYouMean(p.split('.')[0] ?? p, top, 'a section among')}`),
        );
      }
    });
    const inputs = fromRefs(s).map((r) => r.stage);
    const outs = Object.keys(s.outs ?? {});
    for (const m of s.command.matchAll(SLOT)) {
      const name = m[1] as string;
      const [head, a, b, ...rest] = name.split('.');
      let problem: string | undefined;
      if (name === 'variant' || name === 'seed') continue;
      if (head === 'outs') {
        if (a === undefined || b !== undefined) problem = `write {{outs.NAME}}`;
        else if (!outs.includes(a)) problem = `output '${a}' is not declared under outs${didYouMean(a, outs)}`;
      } else if (head === 'params') {
        const p = name.slice('params.'.length);
        if (!(s.params ?? []).includes(p)) problem = `parameter '${p}' is not listed under params${didYouMean(p, s.params ?? [])}`;
      } else if (head === 'inputs') {
        if (a === undefined || b === undefined || rest.length > 0) problem = 'write {{inputs.STAGE.OUTPUT}}';
        else if (!inputs.includes(a)) problem = `stage '${a}' is not listed in from${didYouMean(a, inputs)}`;
        else {
          const outputs = scope.outputsOf(a);
          const names = outputs ? Object.keys(outputs) : undefined;
          if (names && !names.includes(b)) problem = `stage '${a}' has no output '${b}'${didYouMean(b, names)}`;
        }
      } else {
        problem = `unknown placeholder${didYouMean(name, ['variant', 'seed', 'outs', 'params', 'inputs'])}`;
      }
      if (problem) out.push(at('command', undefined, `{{${name}}}: ${problem}`));
    }
    return out;
  },

  resolve(scope, decl) {
    const s = decl;
    const params = paramValues(scope, s);
    const deps = (s.deps ?? []).map((d, i) => scope.resolvePath(`${scope.ptr}/deps/${i}`, d));
    const cwd = s.cwd === undefined ? undefined : scope.resolvePath(`${scope.ptr}/cwd`, s.cwd);
    const publish: Record<string, string> = {};
    const outs: Record<string, Json> = {};
    for (const [name, path] of Object.entries(s.outs ?? {})) {
      if (path === null) {
        outs[name] = null;
        continue;
      }
      const abs = scope.resolvePath(`${scope.ptr}/outs/${name}`, resolveSlots(path, scope));
      publish[name] = abs;
      outs[name] = scope.recordPath(abs);
    }
    const own = {
      command: resolveSlots(s.command, scope),
      deps: deps.map((d) => scope.recordPath(d)),
      outs,
      env: s.env ?? {},
      cwd: cwd === undefined ? null : scope.recordPath(cwd),
      timeout: s.timeout ?? null,
    };
    return { own, uses: params, files: deps, publish };
  },

  effects: (r) => ({ commands: [r.own.command] }),

  async run(ctx) {
    const own = ctx.own;
    const cwd = own.cwd === null ? ctx.experimentDir : resolve(ctx.root, own.cwd);
    const outPaths: Record<string, string> = {};
    for (const name of ctx.resolved.outputs) outPaths[name] = join(ctx.tmpDir, name);
    await mkdir(ctx.tmpDir, { recursive: true });
    const command = own.command.replace(SLOT, (all, name: string) => {
      const [head, a, b] = name.split('.');
      if (head === 'outs' && a && outPaths[a]) return shellQuote(outPaths[a]);
      if (head === 'params') return paramText(ctx.resolved.uses[name.slice('params.'.length)]);
      const input = head === 'inputs' && a && b ? ctx.inputs[a]?.[b] : undefined;
      if (input) return shellQuote(input);
      return all;
    });
    const env: Record<string, string> = {
      ...own.env,
      QEXP_STAGE: ctx.stageName,
      QEXP_VARIANTS: ctx.variants.join('\n'),
      QEXP_FINGERPRINT: ctx.fingerprint,
      QEXP_PARAMS: JSON.stringify(ctx.resolved.uses),
      QEXP_TMP: ctx.tmpDir,
    };
    for (const [name, p] of Object.entries(outPaths)) env[`QEXP_OUT_${name.toUpperCase().replace(/-/g, '_')}`] = p;
    ctx.log(`$ ${command}`);

    const { exitCode, signal, stopped, tail } = await runStreaming('/bin/sh', ['-c', command], {
      cwd,
      env,
      timeoutS: own.timeout ?? undefined,
      graceS: GRACE_S,
      signal: ctx.signal,
      onLine: ctx.log,
      onProgress: ctx.progress,
    });

    const lastLines = tail.length ? `\nlast output:\n  ${tail.slice(-10).join('\n  ')}` : '';
    if (stopped) throw new Error(`command ${stopped}${lastLines}`);
    if (exitCode !== 0) {
      const how = signal ? `was killed by ${signal}` : `exited with code ${exitCode}`;
      throw new Error(`command ${how}${lastLines}`);
    }
    const out: Record<string, StageOutput> = {};
    for (const [name, p] of Object.entries(outPaths)) {
      if (!existsSync(p)) throw new Error(`command finished but did not write output '${name}' ({{outs.${name}}})${lastLines}`);
      out[name] = { path: p, managed: true };
    }
    return out;
  },
});
