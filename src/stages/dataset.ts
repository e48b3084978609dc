import { existsSync } from 'node:fs';
import type { Diagnostic } from '../config/diagnostics.js';
import { toPointer } from '../config/source-map.js';
import { didYouMean } from '../config/suggest.js';
import type { DatasetDecl, StageDecl } from '../config/types.js';
import { inspectFile } from '../data/inspect.js';
import { datasetDir, pullDataset } from '../data/pull.js';
import { registryEntry, registryIds } from '../data/registry.js';
import type { Json, Resolved, RunContext, StageKind, StageOutput, StageScope } from './stage-kind.js';

const ROLES = ['queries', 'qrels', 'corpus'] as const;
type Role = (typeof ROLES)[number];

interface DatasetStage extends StageDecl {
  kind: 'dataset';
  dataset: string;
}

function lookup(scope: StageScope, decl: StageDecl): DatasetDecl | undefined {
  return scope.doc.datasets?.[(decl as DatasetStage).dataset];
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
export const datasetStage: StageKind = {
  kind: 'dataset',
  version: 2,

  check(scope, decl) {
    const name = (decl as DatasetStage).dataset;
    const known = Object.keys(scope.doc.datasets ?? {});
    const ds = lookup(scope, decl);
    if (!ds) {
      return [
        {
          pos: scope.map.locate(`${scope.ptr}/dataset`),
          path: `stages.${scope.stageName}.dataset`,
          message: `unknown dataset '${name}'${didYouMean(name, known, 'one of the datasets')}; declare it under datasets:`,
        },
      ];
    }
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

  outputs(scope, decl) {
    const ds = lookup(scope, decl) ?? {};
    const roles = new Set<Role>([...registryRoles(ds.id), ...ROLES.filter((k) => ds[k] !== undefined)]);
    return ROLES.filter((r) => roles.has(r));
  },

  resolve(scope, decl): Resolved {
    const name = (decl as DatasetStage).dataset;
    const ds = lookup(scope, decl) ?? {};
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
    return { own: {}, uses: { [`datasets.${name}`]: record }, files, outputs: this.outputs(scope, decl), publish: {} };
  },

  async run(ctx: RunContext) {
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
};
