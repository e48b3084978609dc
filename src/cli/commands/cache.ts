import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { openStoreOrExit } from '../common.js';
import { existingStore, type StoreOptions, withStoreOptions } from '../store-options.js';

interface CacheOptions extends StoreOptions {
  dryRun?: boolean;
}

export function registerCache(program: Command): void {
  const cache = program.command('cache').description('list and clean what the store keeps');
  cache.command('ls').description('list recorded stages with their status, size and whether a variant references them');
  withStoreOptions(cache.commands.at(-1) as Command).action(async (opts: CacheOptions) => {
    const store = await openStoreOrExit(existingStore(opts), opts.wait);
    try {
      const stages = await store.allStages();
      const arts = await store.artifacts();
      const refs = await store.referencedFingerprints();
      const rows = stages.map((s) => ({
        fingerprint: s.fingerprint,
        stage: s.stage,
        kind: s.kind,
        status: s.status,
        finished_at: s.finishedAt,
        bytes: arts.filter((a) => a.fingerprint === s.fingerprint && a.managed).reduce((n, a) => n + a.bytes, 0),
        referenced: refs.has(s.fingerprint),
      }));
      if (opts.json) process.stdout.write(`${JSON.stringify({ store: store.path, stages: rows }, null, 2)}\n`);
      else {
        process.stdout.write(
          `${'fingerprint'.padEnd(14)}${'stage'.padEnd(20)}${'kind'.padEnd(10)}${'status'.padEnd(13)}${'bytes'.padStart(12)}  referenced\n`,
        );
        for (const r of rows) {
          process.stdout.write(
            `${r.fingerprint.slice(0, 12).padEnd(14)}${r.stage.padEnd(20)}${r.kind.padEnd(10)}${r.status.padEnd(13)}${String(r.bytes).padStart(12)}  ${r.referenced ? 'yes' : 'no'}\n`,
          );
        }
        process.stdout.write(`${rows.length} stage(s), ${rows.filter((r) => !r.referenced).length} unreferenced\n`);
      }
    } finally {
      store.close();
    }
  });
  cache
    .command('gc')
    .description('remove artifacts that no (experiment, variant, stage) references, and leftovers of crashed runs')
    .option('--dry-run', 'list what would be removed; remove nothing');
  withStoreOptions(cache.commands.at(-1) as Command).action(async (opts: CacheOptions) => {
    const store = await openStoreOrExit(existingStore(opts), opts.wait);
    try {
      const refs = await store.referencedFingerprints();
      const stages = await store.allStages();
      const arts = await store.artifacts();
      const doomed = stages.filter((s) => !refs.has(s.fingerprint) && s.status !== 'running').map((s) => s.fingerprint);
      const known = new Set(stages.map((s) => s.fingerprint));
      const onDisk = existsSync(store.artifactsDir) ? await readdir(store.artifactsDir) : [];
      const orphanDirs = onDisk.filter((d) => !known.has(d) || doomed.includes(d));
      const tmp = existsSync(store.tmpDir) ? await readdir(store.tmpDir) : [];
      const bytes = arts.filter((a) => a.managed && doomed.includes(a.fingerprint)).reduce((n, a) => n + a.bytes, 0);
      if (!opts.dryRun) {
        for (const d of orphanDirs) await rm(join(store.artifactsDir, d), { recursive: true, force: true });
        for (const t of tmp) await rm(join(store.tmpDir, t), { recursive: true, force: true });
        await store.forgetStages(doomed);
      }
      const result = {
        store: store.path,
        dry_run: Boolean(opts.dryRun),
        stages_removed: doomed,
        artifact_dirs_removed: orphanDirs.length,
        tmp_removed: tmp.length,
        bytes_freed: bytes,
      };
      if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        const verb = opts.dryRun ? 'would remove' : 'removed';
        process.stdout.write(
          `${verb} ${doomed.length} unreferenced stage(s) (${bytes} bytes of artifacts), ${orphanDirs.length} artifact folder(s), ${tmp.length} temporary folder(s)\n`,
        );
        for (const fp of doomed) process.stdout.write(`  ${fp.slice(0, 12)} ${stages.find((s) => s.fingerprint === fp)?.stage ?? ''}\n`);
      }
    } finally {
      store.close();
    }
  });
}
