// Peers for bench/retrieval-speed.mjs that the bench installs itself (not dependencies of qexp):
// SQLite FTS5 through better-sqlite3 12 into bench/.peers, and Debian's python3-xapian (apt-get,
// when run as root; skipped with a note otherwise).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const dir = join(import.meta.dirname, '..', '.peers');

export function loadNodePeers() {
  if (!existsSync(join(dir, 'node_modules', 'better-sqlite3'))) {
    mkdirSync(dir, { recursive: true });
    console.log('installing the bench peer better-sqlite3@12 into bench/.peers ...');
    execFileSync('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', 'better-sqlite3@12'], {
      stdio: 'inherit',
    });
  }
  const require = createRequire(join(dir, 'package.json'));
  return { Database: require('better-sqlite3') };
}

/** True when /usr/bin/python3 imports xapian, installing Debian's python3-xapian first if it can. */
export function haveXapian() {
  const probe = () => spawnSync('/usr/bin/python3', ['-c', 'import xapian'], { stdio: 'ignore' }).status === 0;
  if (probe()) return true;
  if (process.getuid?.() !== 0) {
    console.log('Xapian peer skipped: install python3-xapian (Debian) to run it');
    return false;
  }
  console.log('installing the Xapian peer (Debian python3-xapian) ...');
  spawnSync('apt-get', ['update'], { stdio: 'ignore' });
  spawnSync('apt-get', ['install', '-y', 'python3-xapian'], { stdio: 'ignore' });
  if (probe()) return true;
  console.log('Xapian peer skipped: apt-get could not install python3-xapian');
  return false;
}

const distinct = (text) => [...new Set(text.split(' ').filter(Boolean))];

/** Best of `reps` timings of fn over the queries, as queries per second. */
function qpsOf(queries, reps, fn) {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    for (const q of queries) fn(q);
    best = Math.min(best, performance.now() - start);
  }
  return queries.length / (best / 1000);
}

/** SQLite FTS5 with its bm25() ranking (k1 = 1.2, b = 0.75, not configurable), OR over the query's distinct terms. */
export function runFts5(Database, texts, queries, ks) {
  const db = new Database(':memory:');
  db.exec("CREATE VIRTUAL TABLE docs USING fts5(body, tokenize = 'unicode61')");
  const insert = db.prepare('INSERT INTO docs(rowid, body) VALUES (?, ?)');
  const t0 = performance.now();
  let n = 0;
  db.transaction(() => {
    for (const t of texts) insert.run(++n, t);
  })();
  const indexRate = n / ((performance.now() - t0) / 1000);
  const search = db.prepare('SELECT rowid, bm25(docs) AS s FROM docs WHERE docs MATCH ? ORDER BY s LIMIT ?');
  const qps = {};
  for (const [name, qs] of Object.entries(queries)) {
    const matches = qs.map((q) =>
      distinct(q)
        .map((w) => `"${w}"`)
        .join(' OR '),
    );
    for (const k of ks) qps[`${name}@${k}`] = qpsOf(matches, 1, (m) => search.all(m, k));
  }
  db.close();
  return { indexRate, qps, docs: n };
}
