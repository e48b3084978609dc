import { existsSync } from 'node:fs';
import type { Diagnostic } from '../config/diagnostics.js';
import { toPointer } from '../config/source-map.js';
import { didYouMean } from '../config/suggest.js';
import type { DatasetDecl, StageDecl } from '../config/types.js';
import type { Json, Resolved, RunContext, StageKind, StageOutput, StageScope } from './stage-kind.js';

const FILE_KEYS = ['queries', 'qrels', 'corpus'] as const;

interface DatasetStage extends StageDecl {
  kind: 'dataset';
  dataset: string;
}

function lookup(scope: StageScope, decl: StageDecl): DatasetDecl | undefined {
  return scope.doc.datasets?.[(decl as DatasetStage).dataset];
}

/** `dataset`: registers a dataset's local files (queries, qrels, corpus) and their checksums. */
export const datasetStage: StageKind = {
  kind: 'dataset',
  version: 1,

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
    for (const key of FILE_KEYS) {
      const rel = ds[key];
      if (rel === undefined) continue;
      const ptr = toPointer(['datasets', name, key]);
      const abs = scope.resolvePath(ptr, rel);
      if (!existsSync(abs)) {
        out.push({ pos: scope.map.locate(ptr), path: `datasets.${name}.${key}`, message: `file not found: ${abs}` });
      }
    }
    return out;
  },

  outputs(scope, decl) {
    const ds = lookup(scope, decl) ?? {};
    return FILE_KEYS.filter((k) => ds[k] !== undefined);
  },

  resolve(scope, decl): Resolved {
    const name = (decl as DatasetStage).dataset;
    const ds = lookup(scope, decl) ?? {};
    const record: Record<string, Json> = {};
    const files: string[] = [];
    for (const key of FILE_KEYS) {
      const rel = ds[key];
      if (rel === undefined) continue;
      const abs = scope.resolvePath(toPointer(['datasets', name, key]), rel);
      record[key] = scope.recordPath(abs);
      files.push(abs);
    }
    const outputs = FILE_KEYS.filter((k) => ds[k] !== undefined);
    return { own: {}, uses: { [`datasets.${name}`]: record }, files, outputs, publish: {} };
  },

  async run(ctx: RunContext) {
    const out: Record<string, StageOutput> = {};
    const files = ctx.resolved.files;
    ctx.resolved.outputs.forEach((name, i) => {
      const path = files[i] as string;
      out[name] = { path, managed: false };
      ctx.log(`${name}: ${path}`);
    });
    return out;
  },
};
