import { existsSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import type { Diagnostic } from '../config/diagnostics.js';
import { toPointer } from '../config/source-map.js';
import { didYouMean } from '../config/suggest.js';
import type { DatasetDecl } from '../config/types.js';
import { inspectFile } from '../data/inspect.js';
import { datasetDir, pullDataset } from '../data/pull.js';
import { registryEntry, registryIds } from '../data/registry.js';
import { defineStage, type Json, type StageOutput, type StageScope } from './contract.js';
import { Ref } from './schema-parts.js';

const ROLES = ['queries', 'qrels', 'corpus'] as const;
type Role = (typeof ROLES)[number];

/** One entry of the `datasets:` section. */
export const DATASET_DECL = Type.Object(
  {
    description: Type.Optional(Type.String({ description: 'Free text.' })),
    id: Type.Optional(
      Type.String({
        description: 'Built-in dataset id (see `qexp data list`), e.g. `cacm`, `msmarco-passage/trec-dl-2019`, `miracl-zh/dev`.',
        pattern: '^[a-z0-9][a-z0-9/._-]*$',
      }),
    ),
    queries: Type.Optional(Ref.path('Topics file (e.g. TSV `qid<TAB>text`).')),
    qrels: Type.Optional(Ref.path('Relevance judgments (`qid iter docid grade`).')),
    corpus: Type.Optional(Ref.path('Document collection (JSONL, TSV, ...).')),
  },
  {
    description:
      "A dataset: a built-in registry id (downloaded and verified on first use), local files, or both (local files replace the registry's file of the same role).",
    additionalProperties: false,
    minProperties: 1,
  },
);

function lookup(scope: StageScope, name: string): DatasetDecl | undefined {
  return scope.doc.datasets?.[name];
}

/** Roles the registry entry provides itself (its `corpusFrom` dataset is declared separately). */
function registryRoles(id: string | undefined): Role[] {
  const e = id ? registryEntry(id) : undefined;
  if (!e) return [];
  return ROLES.filter((r) => e.files.some((f) => f.role === r || f.members?.some((m) => m.role === r)));
}

/**
 * `dataset`: a dataset's queries, qrels and corpus as outputs. Registry datasets are pulled
 * (mirror, then public URL; checksums verified) when the stage runs; local files are registered
 * in place. The fingerprint holds the registry id with its published checksums, and the sha256
 * of local files.
 */
export const datasetStage = defineStage({
  kind: 'dataset',
  version: 2,
  title: 'Registers dataset files.',
  description: "Registers a dataset's files, with their checksums, as this stage's outputs (`queries`, `qrels`, `corpus`).",
  properties: { dataset: Ref.name('Name of an entry under `datasets:`.') },
  required: ['dataset'],

  outputs(scope, decl) {
    const ds = lookup(scope, decl.dataset);
    if (!ds || (ds.id !== undefined && !registryEntry(ds.id))) return undefined;
    const roles = new Set<Role>([...registryRoles(ds.id), ...ROLES.filter((k) => ds[k] !== undefined)]);
    return Object.fromEntries(ROLES.filter((r) => roles.has(r)).map((r) => [r, r]));
  },

  check(scope, decl) {
    const name = decl.dataset;
    const known = Object.keys(scope.doc.datasets ?? {});
    const ds = lookup(scope, name);
    if (!ds)
      return [
        scope.at('dataset', `unknown dataset '${name}'${didYouMean(name, known, 'one of the datasets')}; declare it under datasets:`),
      ];
    const out: Diagnostic[] = [];
    if (ds.id !== undefined && !registryEntry(ds.id)) {
      out.push({
        pos: scope.map.locate(toPointer(['datasets', name, 'id'])),
        path: `datasets.${name}.id`,
        message: `unknown dataset id '${ds.id}'${didYouMean(ds.id, registryIds(), 'one of')}; see qexp data list`,
      });
    }
    if (ds.id === undefined && !ROLES.some((r) => ds[r] !== undefined)) {
      out.push({
        pos: scope.map.locate(toPointer(['datasets', name])),
        path: `datasets.${name}`,
        message: 'give a registry id or at least one of queries, qrels, corpus',
      });
    }
    for (const key of ROLES) {
      const rel = ds[key];
      if (rel === undefined) continue;
      const ptr = toPointer(['datasets', name, key]);
      const abs = scope.resolvePath(ptr, rel);
      if (!existsSync(abs)) out.push({ pos: scope.map.locate(ptr), path: `datasets.${name}.${key}`, message: `file not found: ${abs}` });
    }
    return out;
  },

  resolve(scope, decl) {
    const name = decl.dataset;
    const ds = lookup(scope, name) ?? {};
    const record: Record<string, Json> = {};
    const files: string[] = [];
    for (const key of ROLES) {
      const rel = ds[key];
      if (rel === undefined) continue;
      const abs = scope.resolvePath(toPointer(['datasets', name, key]), rel);
      record[key] = scope.recordPath(abs);
      files.push(abs);
    }
    const entry = ds.id ? registryEntry(ds.id) : undefined;
    if (entry) {
      record.id = entry.id;
      record.registry = entry.files.map((f) => ({
        name: f.name,
        checksum: f.sha256 ? `sha256:${f.sha256}` : f.md5 ? `md5:${f.md5}` : 'unpublished',
      }));
    }
    return { uses: { [`datasets.${name}`]: record }, files };
  },

  async run(ctx) {
    const record = Object.values(ctx.resolved.uses)[0] as Record<string, Json>;
    const out: Record<string, StageOutput> = {};
    const id = typeof record.id === 'string' ? record.id : undefined;
    if (id) {
      const files = await pullDataset(id, {
        events: {
          start: (f, s) => ctx.log(`${f.name} ← ${s.kind === 'file' ? s.path : s.url}`),
          progress: () => (done, total) => ctx.progress(done, total, 'bytes'),
          done: (f, path, skipped) => ctx.log(`${f.name}: ${skipped ? 'present' : 'verified'} (${path})`),
        },
      });
      for (const f of files) out[f.role] = { path: f.path, managed: false };
      ctx.log(`registry dataset ${id} in ${datasetDir(id)}`);
    }
    // local files, in the order resolve() listed them, replace the registry's
    let i = 0;
    for (const key of ROLES) {
      if (typeof record[key] !== 'string') continue;
      out[key] = { path: ctx.resolved.files[i] as string, managed: false };
      i += 1;
    }
    for (const [name, o] of Object.entries(out)) ctx.log(`${name}: ${o.path}`);
    // queries and qrels are small: read them through so a malformed line fails here, with file:line
    for (const role of ['queries', 'qrels'] as const) {
      const o = out[role];
      if (!o) continue;
      const st = await inspectFile(o.path, role === 'queries' ? 'topics' : 'qrels');
      ctx.log(`${role}: ${st.records} records${role === 'qrels' ? ` over ${st.queries} queries, ${st.relevant} relevant` : ''}`);
    }
    return out;
  },
});
