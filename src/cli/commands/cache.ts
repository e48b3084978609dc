import type { Command } from 'commander';
import { cacheEntries, collectGarbage } from '../../store/gc.js';
import { openStoreForReadingOrExit, openStoreOrExit } from '../common.js';
import { existingStore, type StoreOptions, withStoreOptions } from '../store-options.js';

interface CacheOptions extends StoreOptions {
  dryRun?: boolean;
  waiting?: boolean;
}

export function registerCache(program: Command): void {
  const cache = program.command('cache').description('list and clean what the store keeps');
  cache.command('ls').description('list recorded stages with their status, size and whether a variant references them');
  withStoreOptions(cache.commands.at(-1) as Command).action(async (opts: CacheOptions) => {
    const store = await openStoreForReadingOrExit(existingStore(opts), opts.wait);
    try {
      const rows = (await cacheEntries(store)).map((e) => ({
        fingerprint: e.fingerprint,
        stage: e.stage,
        kind: e.kind,
        status: e.status,
        finished_at: e.finishedAt,
        bytes: e.bytes,
        referenced: e.referenced,
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
    .option('--dry-run', 'list what would be removed; remove nothing')
    .option('--waiting', 'also remove stages waiting for manual work that no experiment points at any more, with their job folders');
  withStoreOptions(cache.commands.at(-1) as Command).action(async (opts: CacheOptions) => {
    const store = await openStoreOrExit(existingStore(opts), opts.wait);
    try {
      const gc = await collectGarbage(store, { dryRun: opts.dryRun, waiting: opts.waiting });
      const removed = gc.stagesRemoved;
      if (opts.json) {
        const result = {
          store: store.path,
          dry_run: Boolean(opts.dryRun),
          stages_removed: removed.map((s) => s.fingerprint),
          artifact_dirs_removed: gc.artifactDirsRemoved.length,
          tmp_removed: gc.tmpRemoved.length,
          job_dirs_removed: gc.jobDirsRemoved,
          waiting_kept: gc.waitingKept.map((s) => s.fingerprint),
          bytes_freed: gc.bytesFreed,
        };
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        const verb = opts.dryRun ? 'would remove' : 'removed';
        process.stdout.write(
          `${verb} ${removed.length} unreferenced stage(s) (${gc.bytesFreed} bytes of artifacts), ${gc.artifactDirsRemoved.length} artifact folder(s), ${gc.tmpRemoved.length} temporary folder(s), ${gc.jobDirsRemoved.length} training job folder(s)\n`,
        );
        for (const s of removed) process.stdout.write(`  ${s.fingerprint.slice(0, 12)} ${s.stage}\n`);
        if (gc.waitingKept.length > 0)
          process.stdout.write(
            `kept ${gc.waitingKept.length} stage(s) waiting for manual work that no experiment points at any more (${gc.waitingKept.map((s) => `${s.stage} ${s.fingerprint.slice(0, 12)}`).join(', ')}): --waiting removes them with their job folders\n`,
          );
      }
    } finally {
      store.close();
    }
  });
}
