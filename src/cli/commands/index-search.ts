import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { corpusMeter, estimateDocs } from '../../data/corpus.js';
import { DataError } from '../../data/data-error.js';
import { readTopics } from '../../data/topics.js';
import { analyzerNames } from '../../retrieval/analysis/analyzers.js';
import { CorpusInputError } from '../../retrieval/index/build-index.js';
import { buildCorpusIndex, IndexBuildProcessError } from '../../retrieval/index/build-process.js';
import { isIndexDamage } from '../../retrieval/index/checksums.js';
import { hasVectors, type IndexMeta } from '../../retrieval/index/index-format.js';
import { MemoryBudgetError, NoVectorsError, readIndexMeta, verifyIndex } from '../../retrieval/index/read-index.js';
import { batchHits } from '../../retrieval/search/batch-search.js';
import { type Hit, runLines } from '../../retrieval/search/search.js';
import { adjustTies, TIE_ADJUSTS, type TieAdjust } from '../../retrieval/tie-adjust.js';
import { parseByteSize } from '../../util/byte-size.js';
import { CliExit } from '../cli-exit.js';
import { EXIT } from '../exit-codes.js';
import { formatProgress } from '../progress.js';

/** System errors that say the output cannot be written where asked (not a fault of qexp). */
const OUTPUT_ERRORS = ['ENOTDIR', 'EEXIST', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENAMETOOLONG'];

function fail(message: string, code: number = EXIT.invalid): never {
  process.stderr.write(`${message}\n`);
  throw new CliExit(code);
}

function num(flag: string, v: string, min: number, integer = false): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
    fail(`${flag} needs a${integer ? 'n integer' : ' number'} ≥ ${min}, got '${v}'`);
  return n;
}

export function registerIndex(program: Command): void {
  program
    .command('index')
    .description(
      'build a BM25 index from a corpus (JSONL, TSV, tar of HTML or JSONL shards, or a folder of them), or check one with --verify',
    )
    .argument('[corpus]', 'corpus file or folder')
    .option('--out <dir>', 'index folder to write')
    .option('--verify <dir>', 'check an index: every file against its checksums, and its structure')
    .option('--analyzer <name>', `text analysis: ${analyzerNames().join(', ')}`, 'english')
    .option('--norms <kind>', "document lengths: 'lucene' (one byte, as Lucene/Anserini) or 'exact'", 'lucene')
    .option('--threads <n>', 'indexing threads: this one and n − 1 workers (default: number of CPUs)')
    .option('--memory-postings <n>', 'postings held (over all threads) before they are sorted into a compact run', '40000000')
    .option('--max-file-bytes <n>', 'largest postings or term-vector file; larger indexes get several', String(2 ** 30))
    .option('--no-vectors', "leave out the documents' term vectors: a smaller index, built faster, that RM3 cannot search")
    .action(
      async (
        corpus: string | undefined,
        opts: {
          out?: string;
          verify?: string;
          analyzer: string;
          norms: string;
          threads?: string;
          memoryPostings: string;
          maxFileBytes: string;
          vectors: boolean;
        },
      ) => {
        if (opts.verify !== undefined) {
          if (corpus !== undefined || opts.out !== undefined) fail('--verify checks an existing index: give no corpus and no --out');
          const t0 = Date.now();
          try {
            const r = verifyIndex(opts.verify);
            process.stdout.write(
              `${opts.verify}: ${r.files} files, ${r.bytes} bytes: every checksum and the structure are sound (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
            );
          } catch (err) {
            fail((err as Error).message);
          }
          return;
        }
        if (corpus === undefined || opts.out === undefined) fail('qexp index needs a corpus and --out <dir> (or --verify <dir>)');
        const out = opts.out;
        if (!analyzerNames().includes(opts.analyzer as never))
          fail(`--analyzer ${opts.analyzer}: available are ${analyzerNames().join(', ')}`);
        if (opts.norms !== 'lucene' && opts.norms !== 'exact') fail(`--norms must be 'lucene' or 'exact', got '${opts.norms}'`);
        const t0 = Date.now();
        // Ctrl-C or SIGTERM stops the build and waits for its folder to be removed; a second one quits at once
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          const meter = corpusMeter(corpus);
          let printed = 0;
          const meta = await buildCorpusIndex(corpus, opts.analyzer, out, {
            meter,
            signal: stop.signal,
            norms: opts.norms === 'exact' ? 'exact' : 'lucene-byte4',
            threads: opts.threads === undefined ? undefined : num('--threads', opts.threads, 1, true),
            memoryPostings: num('--memory-postings', opts.memoryPostings, 1, true),
            maxFileBytes: num('--max-file-bytes', opts.maxFileBytes, 1, true),
            vectors: opts.vectors,
            // a line per 100,000 documents, with the corpus's size estimated from the bytes read
            onProgress: (n) => {
              if (Math.floor(n / 100_000) <= printed) return;
              printed = Math.floor(n / 100_000);
              const total = estimateDocs(meter, n);
              const line = formatProgress({ done: n, total, unit: 'docs', estimated: meter.read < meter.total }, Date.now() - t0);
              process.stderr.write(`  ${line}\n`);
            },
            onPhase: (name, secs) => process.stderr.write(`  ${name}: ${secs.toFixed(1)} s\n`),
            onStep: (step) => process.stderr.write(`  ${step}…\n`),
          });
          const secs = (Date.now() - t0) / 1000;
          process.stdout.write(
            `indexed ${meta.docCount} documents in ${secs.toFixed(1)} s: ${meta.numTerms} unique terms, ${meta.sumTotalTermFreq} total terms ` +
              `(analyzer ${meta.analyzer.name}, norms ${meta.norms}${opts.vectors ? '' : ', no term vectors'}) → ${out}\n`,
          );
        } catch (err) {
          if (stop.signal.aborted) fail('qexp index: interrupted', EXIT.interrupted);
          if (err instanceof DataError) fail(err.message);
          if (err instanceof CorpusInputError) fail(`${corpus}: ${err.message}`);
          if (err instanceof IndexBuildProcessError) fail(err.message, EXIT.failure);
          const code = (err as NodeJS.ErrnoException).code;
          if (code && OUTPUT_ERRORS.includes(code))
            fail(`qexp index: cannot write the index at ${out}: ${(err as Error).message}`, EXIT.failure);
          throw err;
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      },
    );
}

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('BM25 retrieval for a topics file, written as a TREC run')
    .requiredOption('--index <dir>', 'index folder (qexp index)')
    .requiredOption('--topics <file>', 'topics: TSV qid<TAB>text or TREC SGML')
    .requiredOption('--output <run>', 'TREC run file to write')
    .option('--hits <n>', 'documents per query', '1000')
    .option('--k1 <k1>', 'BM25 k1 (Anserini default)', '0.9')
    .option('--b <b>', 'BM25 b (Anserini default)', '0.4')
    .option('--run-tag <tag>', 'last column of the run', 'qexp')
    .option('--analyzer <name>', 'expected analyzer: an error if the index was built with another one')
    .option('--threads <n>', 'search threads (default: number of CPUs)')
    .option('--rm3', 'RM3 pseudo-relevance feedback (Anserini defaults: 10 docs, 10 terms, original query weight 0.5)')
    .option('--fb-docs <n>', 'RM3 feedback documents', '10')
    .option('--fb-terms <n>', 'RM3 expansion terms', '10')
    .option('--original-query-weight <w>', 'RM3 weight of the original query', '0.5')
    .option('--memory-budget <size>', 'memory the index may take, e.g. 2G: postings are read from disk on demand when the index is larger')
    .option(
      '--tie-adjust <mode>',
      "scores as written: 'none' (as searched, 6 decimals) or 'anserini' (rounded to 4 decimals, 1e-6 less per tie, as Anserini's runs)",
      'none',
    )
    .action(
      async (opts: {
        index: string;
        topics: string;
        output: string;
        hits: string;
        k1: string;
        b: string;
        runTag: string;
        analyzer?: string;
        threads?: string;
        rm3?: boolean;
        fbDocs: string;
        fbTerms: string;
        originalQueryWeight: string;
        memoryBudget?: string;
        tieAdjust: string;
      }) => {
        if (!TIE_ADJUSTS.includes(opts.tieAdjust as TieAdjust))
          fail(`--tie-adjust ${opts.tieAdjust}: available are ${TIE_ADJUSTS.join(', ')}`);
        const tieAdjust = opts.tieAdjust as TieAdjust;
        const params = { hits: num('--hits', opts.hits, 1, true), k1: num('--k1', opts.k1, 0), b: num('--b', opts.b, 0) };
        const rm3 = opts.rm3
          ? {
              fbDocs: num('--fb-docs', opts.fbDocs, 1, true),
              fbTerms: num('--fb-terms', opts.fbTerms, 1, true),
              originalQueryWeight: num('--original-query-weight', opts.originalQueryWeight, 0),
            }
          : undefined;
        if (rm3 && rm3.originalQueryWeight > 1) fail('--original-query-weight must be between 0 and 1');
        if (params.b > 1) fail(`--b must be between 0 and 1, got ${params.b}`);
        const memoryBudget = opts.memoryBudget === undefined ? undefined : parseByteSize(opts.memoryBudget);
        if (opts.memoryBudget !== undefined && !memoryBudget)
          fail(`--memory-budget needs a size such as 2G or 512M, got '${opts.memoryBudget}'`);
        let meta: IndexMeta;
        try {
          meta = readIndexMeta(opts.index);
        } catch (err) {
          fail((err as Error).message);
        }
        if (rm3 && !hasVectors(meta)) fail(`--rm3: ${new NoVectorsError(opts.index).message}`);
        const topics = await readTopics(opts.topics).catch((err) => (err instanceof DataError ? fail(err.message) : Promise.reject(err)));
        if (opts.analyzer && opts.analyzer !== meta.analyzer.name) {
          fail(
            `--analyzer ${opts.analyzer}: ${opts.index} was built with analyzer '${meta.analyzer.name}'; queries must be analyzed the same way (rebuild the index or drop --analyzer)`,
          );
        }
        const threads = opts.threads === undefined ? availableParallelism() : num('--threads', opts.threads, 1, true);
        process.stderr.write(
          `search: index ${opts.index} (${meta.docCount} docs, analyzer ${meta.analyzer.name}, norms ${meta.norms}); ` +
            `threads ${threads}; bm25 k1=${params.k1} b=${params.b}${rm3 ? `; rm3 fbDocs=${rm3.fbDocs} fbTerms=${rm3.fbTerms} originalQueryWeight=${rm3.originalQueryWeight}` : ''}; hits ${params.hits}; tie-adjust ${tieAdjust}; ${topics.length} topics → ${opts.output}\n`,
        );
        const t0 = Date.now();
        let hits: Hit[][];
        try {
          hits = await batchHits({ indexDir: opts.index, params, rm3, memoryBudget }, topics, threads);
        } catch (err) {
          if (isIndexDamage(err) || err instanceof MemoryBudgetError) fail(err.message);
          throw err;
        }
        await writeFile(opts.output, topics.map((t, i) => runLines(t.qid, adjustTies(hits[i] as Hit[], tieAdjust), opts.runTag)).join(''));
        const secs = (Date.now() - t0) / 1000;
        process.stderr.write(
          `searched ${topics.length} topics in ${secs.toFixed(2)} s (${(topics.length / Math.max(secs, 1e-9)).toFixed(1)} q/s)\n`,
        );
      },
    );
}
