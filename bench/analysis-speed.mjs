// Speed of text analysis, the hot path of indexing: qexp's `english` analyzer (and its
// StandardTokenizer alone) against Lucene's EnglishAnalyzer on the same real English text, one
// thread each. Lucene runs from Debian's jars (liblucene8-java, compiled here with javac; skipped
// with a message where absent). Text: CACM read from its HTML tar, the DL19 gpt-4o-mini
// expansions and the README, from QEXP_DATA_MIRROR (default ../shared/datasets).
//   BENCH_SECONDS  timed seconds per measurement (default 5)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCorpus } from '../dist/data/corpus.js';
import { getAnalyzer } from '../dist/retrieval/analysis/analyzers.js';
import { ENGLISH_STOP_WORDS, lowerCase, porterStem, removePossessive } from '../dist/retrieval/analysis/english.js';
import { StandardTokenizer } from '../dist/retrieval/analysis/standard-tokenizer.js';

const repo = join(import.meta.dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const mirror = process.env.QEXP_DATA_MIRROR ?? join(repo, '..', 'shared', 'datasets');
if (!existsSync(join(mirror, 'cacm', 'cacm.tar.gz'))) {
  console.log(`analysis-speed: skipped, no datasets at ${mirror} (set QEXP_DATA_MIRROR)`);
  process.exit(0);
}

const texts = [];
for await (const d of readCorpus(join(mirror, 'cacm', 'cacm.tar.gz'))) texts.push(d.text);
for (const [, q, p] of JSON.parse(readFileSync(join(mirror, 'expansions', 'dl19.gpt-4o-mini.exp4fuse.json'), 'utf8')))
  texts.push(`${q} ${p}`);
texts.push(...readFileSync(join(repo, 'README.md'), 'utf8').split(/\n\s*\n/));
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
console.log(`text: ${texts.length} texts, ${(bytes / 1e6).toFixed(2)} MB (UTF-8); ${SECONDS} s per measurement, one thread`);

/** Passes over all texts after a warm-up, until SECONDS have gone: [tokens/s, MB/s]. */
function measure(run) {
  for (let i = 0; i < 3; i++) run();
  let tokens = 0;
  let passes = 0;
  const t0 = process.hrtime.bigint();
  let secs = 0;
  do {
    tokens += run();
    passes++;
    secs = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (secs < SECONDS);
  return [tokens / secs, (passes * bytes) / 1e6 / secs];
}

const english = getAnalyzer('english');
const rows = [];
const [enTok, enMb] = measure(() => {
  let n = 0;
  for (const t of texts) n += english.analyze(t).length;
  return n;
});
rows.push(['qexp english (Lucene 9/10 rules)', enTok, enMb]);
const tok = new StandardTokenizer();
const [stTok, stMb] = measure(() => {
  let n = 0;
  for (const t of texts) {
    tok.reset(t);
    while (tok.next()) n++;
  }
  return n;
});
rows.push(['qexp StandardTokenizer alone', stTok, stMb]);
// the analyzer keeps the terms of recent tokens; a collection's rare words miss that cache, and
// take this path (every token lower-cased, looked up in the stop set and stemmed)
const cold = new StandardTokenizer();
const [coTok, coMb] = measure(() => {
  let n = 0;
  for (const t of texts) {
    cold.reset(t);
    while (cold.next()) {
      const w = lowerCase(removePossessive(t.slice(cold.start, cold.end)));
      if (!ENGLISH_STOP_WORDS.has(w) && porterStem(w) !== '') n++;
    }
  }
  return n;
});
rows.push(['qexp english, no term cache (every token a miss)', coTok, coMb]);

const lucene = luceneRate();
if (typeof lucene === 'string') console.log(`Lucene: skipped (${lucene})`);
else rows.push(['Lucene 8 EnglishAnalyzer (Java, 1 thread)', lucene[0], lucene[1]]);

console.log('| analyzer | tokens/s | MB/s |');
console.log('|---|---|---|');
for (const [name, t, mb] of rows) console.log(`| ${name} | ${Math.round(t).toLocaleString('en-US')} | ${mb.toFixed(1)} |`);
if (typeof lucene !== 'string') console.log(`qexp english / Lucene EnglishAnalyzer: ${(enTok / lucene[0]).toFixed(2)}× (tokens/s)`);

/** Lucene's EnglishAnalyzer through test/reference/LuceneReference.java: [tokens/s, MB/s], or why not. */
function luceneRate() {
  const dir = '/usr/share/java';
  const find = (re) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => re.test(f))
          .sort()
          .pop()
      : undefined;
  const jars = [
    find(/^lucene-core-8[.\d]*\.jar$/),
    find(/^lucene-analyzers-common-8[.\d]*\.jar$/),
    find(/^jsoup-[.\d]+\.jar$/) ?? find(/^jsoup\.jar$/),
  ];
  if (jars.some((j) => !j)) return 'no Lucene 8 / Jsoup jars in /usr/share/java (apt-get install liblucene8-java libjsoup-java)';
  const cp = jars.map((j) => join(dir, j));
  const tmp = mkdtempSync(join(tmpdir(), 'qexp-bench-lucene-'));
  try {
    execFileSync('javac', ['-nowarn', '-d', tmp, '-cp', cp.join(':'), join(repo, 'test', 'reference', 'LuceneReference.java')], {
      stdio: 'pipe',
    });
    const file = join(tmp, 'texts.b64');
    writeFileSync(file, texts.map((t, i) => `${i}\t${Buffer.from(t, 'utf16le').toString('base64')}\n`).join(''));
    const out = execFileSync('java', ['-cp', [tmp, ...cp].join(':'), 'LuceneReference', 'bench', file, String(SECONDS)], {
      encoding: 'utf8',
    });
    const [tokens, chars, secs] = out.trim().split(' ').map(Number);
    const passes = chars / texts.reduce((n, t) => n + t.length, 0);
    return [tokens / secs, (passes * bytes) / 1e6 / secs];
  } catch (err) {
    return `could not run Java: ${err.message.split('\n')[0]}`;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
