import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StageRecord } from './stage-records.js';
import type { Store } from './store.js';

/** A recorded stage, its managed artifacts' size, and whether some (experiment, variant, stage) points at it. */
export interface CacheEntry {
  fingerprint: string;
  stage: string;
  kind: string;
  status: StageRecord['status'];
  finishedAt: string | null;
  bytes: number;
  referenced: boolean;
}

/** What the store keeps, stage by stage (`qexp cache ls`). */
export async function cacheEntries(store: Store): Promise<CacheEntry[]> {
  const stages = await store.allStages();
  const bytes = managedBytes(await store.artifacts());
  const refs = await store.referencedFingerprints();
  return stages.map((s) => ({
    fingerprint: s.fingerprint,
    stage: s.stage,
    kind: s.kind,
    status: s.status,
    finishedAt: s.finishedAt,
    bytes: bytes.get(s.fingerprint) ?? 0,
    referenced: refs.has(s.fingerprint),
  }));
}

export interface GcResult {
  /** Stages no variant references (and not running), forgotten with every row they wrote. */
  stagesRemoved: { fingerprint: string; stage: string }[];
  /** Folders under artifacts/ of those stages, or of no recorded stage. */
  artifactDirsRemoved: string[];
  /** Everything under tmp/: leftovers of crashed runs (the store's lock keeps any other run out). */
  tmpRemoved: string[];
  /**
   * Train stages' job folders under train/ that no stage needs any more: of finished stages (their
   * checkpoint is an artifact), of removed ones, and of none. A waiting or running stage's folder,
   * and that of a failed one an experiment still points at (it resumes from its checkpoints), stay.
   */
  jobDirsRemoved: string[];
  /** Stages waiting for manual work that no experiment points at, kept (`waiting: true` removes them). */
  waitingKept: { fingerprint: string; stage: string }[];
  /** Size of the removed stages' managed artifacts, as recorded. */
  bytesFreed: number;
}

/** Removes what no (experiment, variant, stage) references, and leftovers of crashed runs (`qexp cache gc`). */
export async function collectGarbage(store: Store, opts: { dryRun?: boolean; waiting?: boolean } = {}): Promise<GcResult> {
  const refs = await store.referencedFingerprints();
  const stages = await store.allStages();
  // a stage a process or a person is working on is kept, referenced or not; a waiting one no
  // experiment points at any more goes only when asked (its job may still be running by hand)
  const busy = (s: StageRecord) => s.status === 'running' || (s.status === 'waiting' && !opts.waiting);
  const doomed = stages.filter((s) => !refs.has(s.fingerprint) && !busy(s));
  const doomedFps = new Set(doomed.map((s) => s.fingerprint));
  const known = new Set(stages.map((s) => s.fingerprint));
  const onDisk = existsSync(store.artifactsDir) ? await readdir(store.artifactsDir) : [];
  const artifactDirs = onDisk.filter((d) => !known.has(d) || doomedFps.has(d));
  const tmp = existsSync(store.tmpDir) ? await readdir(store.tmpDir) : [];
  const jobsDir = join(store.dir, 'train');
  const byFp = new Map(stages.map((s) => [s.fingerprint, s]));
  const needed = (fp: string) => {
    const s = byFp.get(fp);
    return s !== undefined && !doomedFps.has(fp) && s.status !== 'done';
  };
  const jobDirs = (existsSync(jobsDir) ? await readdir(jobsDir) : []).filter((d) => !needed(d));
  const bytes = managedBytes(await store.artifacts([...doomedFps]));
  if (!opts.dryRun) {
    for (const d of artifactDirs) await rm(join(store.artifactsDir, d), { recursive: true, force: true });
    for (const t of tmp) await rm(join(store.tmpDir, t), { recursive: true, force: true });
    for (const j of jobDirs) await rm(join(jobsDir, j), { recursive: true, force: true });
    await store.forgetStages([...doomedFps]);
  }
  return {
    stagesRemoved: doomed.map((s) => ({ fingerprint: s.fingerprint, stage: s.stage })),
    artifactDirsRemoved: artifactDirs,
    tmpRemoved: tmp,
    jobDirsRemoved: jobDirs,
    waitingKept: stages
      .filter((s) => s.status === 'waiting' && !refs.has(s.fingerprint) && !doomedFps.has(s.fingerprint))
      .map((s) => ({ fingerprint: s.fingerprint, stage: s.stage })),
    bytesFreed: [...bytes.values()].reduce((a, b) => a + b, 0),
  };
}

function managedBytes(arts: { fingerprint: string; bytes: number; managed: boolean }[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const a of arts) if (a.managed) out.set(a.fingerprint, (out.get(a.fingerprint) ?? 0) + a.bytes);
  return out;
}
