import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { SourceMap } from '../config/source-map.js';
import type { ExperimentDoc } from '../config/types.js';
import { lookupStageKind } from './registry.js';
import type { StageScope } from './stage-types.js';

/** Builds what a stage kind sees of one stage of one variant. */
export function stageScope(doc: ExperimentDoc, map: SourceMap, stageName: string, variant: string, root: string): StageScope {
  const scope: StageScope = {
    doc,
    map,
    stageName,
    ptr: `/stages/${stageName}`,
    variant,
    resolvePath(ptr, path) {
      if (isAbsolute(path)) return path;
      return resolve(dirname(resolve(map.fileOf(ptr))), path);
    },
    recordPath(abs) {
      return relative(root, abs).split(sep).join('/') || '.';
    },
    outputsOf(name) {
      const decl = doc.stages[name];
      const kind = decl && lookupStageKind(decl.kind);
      if (!decl || !kind) return undefined;
      return kind.outputs({ ...scope, stageName: name, ptr: `/stages/${name}` }, decl);
    },
    at(key, message) {
      return {
        pos: map.locate(`/stages/${stageName}/${key}`),
        path: `stages.${stageName}.${key.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.')}`,
        message,
      };
    },
  };
  return scope;
}
