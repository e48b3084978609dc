import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { didYouMean } from '../../config/suggest.js';
import { DataError } from '../../data/data-error.js';
import { ChecksumError, DownloadInterrupted, describeSource } from '../../data/download.js';
import { type FileKind, guessKind, inspectFile } from '../../data/inspect.js';
import { dataHome, dataMirror } from '../../data/locations.js';
import { datasetDir, datasetFiles, pullDataset, verifyDataset } from '../../data/pull.js';
import { REGISTRY, registryEntry, registryIds } from '../../data/registry.js';
import { CliExit } from '../cli-exit.js';
import { EXIT } from '../exit-codes.js';
import { formatProgress } from '../progress.js';

function checkIds(ids: string[]): void {
  for (const id of ids) {
    if (!registryEntry(id)) {
      process.stderr.write(`qexp data: unknown dataset '${id}'${didYouMean(id, registryIds(), 'one of')}\n`);
      throw new CliExit(EXIT.invalid);
    }
  }
}

const human = (n: number | undefined) =>
  n === undefined ? '?' : n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`;

export function registerData(program: Command): void {
  const data = program.command('data').description('built-in datasets: list, pull (download or copy from a mirror), verify');

  data
    .command('list')
    .description('list the built-in datasets, their files, and which are pulled')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const rows = REGISTRY.map((e) => ({
        id: e.id,
        description: e.description,
        corpus_from: e.corpusFrom ?? null,
        files: e.files.map((f) => ({
          role: f.role,
          name: f.name,
          url: f.url,
          bytes: f.bytes ?? null,
          checksum: f.sha256 ? `sha256:${f.sha256}` : f.md5 ? `md5:${f.md5}` : 'recorded at first download',
          pulled: existsSync(join(datasetDir(e.id), f.name)),
        })),
      }));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ home: dataHome(), mirror: dataMirror() ?? null, datasets: rows }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`home ${dataHome()} · mirror ${dataMirror() ?? 'none (public URLs)'}\n`);
      for (const r of rows) {
        const pulled = r.files.filter((f) => f.pulled).length;
        process.stdout.write(`\n${r.id}  ${r.description}${r.corpus_from ? ` (corpus: ${r.corpus_from})` : ''}\n`);
        for (const f of r.files)
          process.stdout.write(
            `  ${f.pulled ? '✔' : ' '} ${f.role.padEnd(8)} ${f.name.padEnd(36)} ${human(f.bytes ?? undefined).padStart(9)}  ${f.url}\n`,
          );
        process.stdout.write(`  ${pulled}/${r.files.length} files pulled\n`);
      }
    });

  data
    .command('pull')
    .description('download the files of datasets (mirror first, then public URLs), resuming and verifying checksums')
    .argument('<ids...>', 'dataset ids (see qexp data list)')
    .option('--force', 'download again even if present (the old copy is kept unless the new one verifies)')
    .action(async (ids: string[], opts: { force?: boolean }) => {
      checkIds(ids);
      for (const id of ids) {
        try {
          let last = 0;
          let started = 0;
          // a resumed download starts past 0: those bytes do not count in the rate
          let from: number | undefined;
          await pullDataset(id, {
            force: opts.force,
            events: {
              start: (f, s) => {
                started = Date.now();
                from = undefined;
                process.stderr.write(`${id}: ${f.name} ← ${describeSource(s)}\n`);
              },
              progress: (f) => (done, total) => {
                const now = Date.now();
                from ??= done;
                if (now - last < 1000 && done !== total) return;
                last = now;
                process.stderr.write(`  ${f.name}: ${formatProgress({ done, total, unit: 'bytes', from }, now - started)}\n`);
              },
              done: (f, path, skipped) => process.stdout.write(`${id}: ${f.name} ${skipped ? 'already present' : 'verified'} at ${path}\n`),
            },
          });
        } catch (err) {
          if (err instanceof ChecksumError || err instanceof DownloadInterrupted) {
            const hint = err instanceof DownloadInterrupted ? ' — run the same command again to resume' : '';
            process.stderr.write(`qexp data pull ${id}: ${err.message}${hint}\n`);
            throw new CliExit(EXIT.failure);
          }
          throw err;
        }
      }
    });

  data
    .command('verify')
    .description('re-check pulled files against their checksums (exit 1 on a mismatch or a missing file)')
    .argument('<ids...>', 'dataset ids')
    .option('--json', 'machine-readable output')
    .action(async (ids: string[], opts: { json?: boolean }) => {
      checkIds(ids);
      const results = [];
      for (const id of ids) for (const r of await verifyDataset(id)) results.push({ id, ...r });
      if (opts.json) process.stdout.write(`${JSON.stringify({ results }, null, 2)}\n`);
      else for (const r of results) process.stdout.write(`${r.status.padEnd(12)} ${r.file}${r.detail ? ` (${r.detail})` : ''}\n`);
      if (results.some((r) => r.status === 'missing' || r.status === 'mismatch')) throw new CliExit(EXIT.failure);
    });

  data
    .command('inspect')
    .description('read topics, qrels, run or corpus files completely and count them (exit 2 at the first malformed record)')
    .argument('<files...>', 'files to read')
    .option('--as <kind>', 'topics | qrels | run | corpus (default: guessed from the file name)')
    .option('--json', 'machine-readable output')
    .action(async (files: string[], opts: { as?: FileKind; json?: boolean }) => {
      const kinds: FileKind[] = ['topics', 'qrels', 'run', 'corpus'];
      if (opts.as && !kinds.includes(opts.as)) {
        process.stderr.write(`qexp data inspect: --as ${opts.as}${didYouMean(opts.as, kinds)}\n`);
        throw new CliExit(EXIT.invalid);
      }
      const out = [];
      for (const file of files) {
        const kind = opts.as ?? guessKind(file);
        if (!kind) {
          process.stderr.write(`qexp data inspect: cannot tell what ${file} holds; pass --as topics|qrels|run|corpus\n`);
          throw new CliExit(EXIT.invalid);
        }
        try {
          const st = await inspectFile(file, kind);
          out.push({ file, ...st });
          if (!opts.json) {
            const extra = st.kind === 'qrels' ? `, ${st.relevant} relevant, grades ${JSON.stringify(st.grades)}` : '';
            process.stdout.write(
              `${file}: ${st.kind}, ${st.records} records${st.queries !== undefined ? ` over ${st.queries} queries` : ''}${extra}\n`,
            );
          }
        } catch (err) {
          if (!(err instanceof DataError)) throw err;
          process.stderr.write(`${err.message}\n`);
          throw new CliExit(EXIT.invalid);
        }
      }
      if (opts.json) process.stdout.write(`${JSON.stringify({ files: out }, null, 2)}\n`);
    });

  data
    .command('path')
    .description('print the local path of each file of a dataset (queries, qrels, corpus)')
    .argument('<id>', 'dataset id')
    .action((id: string) => {
      checkIds([id]);
      for (const f of datasetFiles(id)) process.stdout.write(`${f.role}\t${f.path}\n`);
    });
}
