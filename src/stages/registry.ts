import type { StageKind } from './contract.js';

export type { StageEffects } from './stage-types.js';

import { datasetStage } from './dataset.js';
import { dpoDataStage } from './dpo-data.js';
import { evaluateStage } from './evaluate.js';
import { feedbackStage } from './feedback.js';
import { generateStage } from './generate.js';
import { indexStage } from './index-stage.js';
import { pairsStage } from './pairs.js';
import { retrieveStage } from './retrieve.js';
import { sftDataStage } from './sft-data.js';
import { shellStage } from './shell.js';
import { trainStage } from './train.js';

/** Every stage kind qexp knows. Adding one: a file in this folder that calls `defineStage`, and a line here. */
const KINDS: readonly StageKind[] = [
  datasetStage,
  shellStage,
  indexStage,
  retrieveStage,
  evaluateStage,
  generateStage,
  feedbackStage,
  pairsStage,
  sftDataStage,
  dpoDataStage,
  trainStage,
];

const byKind = new Map(KINDS.map((k) => [k.kind, k]));

export function lookupStageKind(kind: string): StageKind | undefined {
  return byKind.get(kind);
}

export function stageKind(kind: string): StageKind {
  const k = byKind.get(kind);
  if (!k) throw new Error(`internal: stage kind '${kind}' passed validation but has no implementation`);
  return k;
}

export function allStageKinds(): readonly StageKind[] {
  return KINDS;
}
