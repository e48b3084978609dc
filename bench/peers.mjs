// Peers for bench/retrieval-speed.mjs, installed by the bench itself into bench/.peers (not
// dependencies of qexp): SQLite FTS5 through better-sqlite3 12 and MiniSearch 7.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const dir = join(import.meta.dirname, '.peers');

export function loadPeers() {
  if (!existsSync(join(dir, 'node_modules', 'better-sqlite3')) || !existsSync(join(dir, 'node_modules', 'minisearch'))) {
    mkdirSync(dir, { recursive: true });
    console.log('installing bench peers (better-sqlite3@12, minisearch@7) into bench/.peers ...');
    execFileSync('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', 'better-sqlite3@12', 'minisearch@7'], {
      stdio: 'inherit',
    });
  }
  const require = createRequire(join(dir, 'package.json'));
  return { Database: require('better-sqlite3'), MiniSearch: require('minisearch') };
}

const distinct = (text) => [...new Set(text.split(' ').filter(Boolean))];

/** SQLite FTS5 with its bm25() ranking (k1 = 1.2, b = 0.75, not configurable), OR over the query's distinct terms. */
export function runFts5(Database, texts, queries, ks) {
  const db = new Database(':memory:');
  db.exec("CREATE VIRTUAL TABLE docs USING fts5(body, tokenize = 'unicode61')");
  const insert = db.prepare('INSERT INTO docs(rowid, body) VALUES (?, ?)');
  const t0 = performance.now();
  db.transaction(() => {
    for (const [i, t] of texts.entries()) insert.run(i + 1, t);
  })();
  const indexRate = texts.length / ((performance.now() - t0) / 1000);
  const search = db.prepare('SELECT rowid, bm25(docs) AS s FROM docs WHERE docs MATCH ? ORDER BY s LIMIT ?');
  const qps = {};
  for (const [name, qs] of Object.entries(queries)) {
    for (const k of ks) {
      const start = performance.now();
      for (const q of qs)
        search.all(
          distinct(q)
            .map((w) => `"${w}"`)
            .join(' OR '),
          k,
        );
      qps[`${name}@${k}`] = qs.length / ((performance.now() - start) / 1000);
    }
  }
  db.close();
  return { indexRate, qps };
}

/** MiniSearch (in memory, its own BM25+ scoring), OR over the query terms, on at most `limit` documents. */
export function runMiniSearch(MiniSearch, texts, queries, ks, limit) {
  const ms = new MiniSearch({ fields: ['body'], idField: 'id', tokenize: (s) => s.split(' '), processTerm: (t) => t });
  const n = Math.min(limit, texts.length);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) ms.add({ id: i, body: texts[i] });
  const indexRate = n / ((performance.now() - t0) / 1000);
  const qps = {};
  for (const [name, qs] of Object.entries(queries)) {
    for (const k of ks) {
      const start = performance.now();
      for (const q of qs) ms.search(distinct(q).join(' '), { combineWith: 'OR' }).slice(0, k);
      qps[`${name}@${k}`] = qs.length / ((performance.now() - start) / 1000);
    }
  }
  return { indexRate, qps, docs: n };
}
