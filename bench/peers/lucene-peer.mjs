// The Lucene 8 peer of the benches (LucenePeer.java beside this file): Debian's liblucene8-java jars
// and a JDK, installed with apt-get when run as root (skipped with a note otherwise), the class
// compiled with javac into bench/.peers/lucene. A search process is kept alive between the bench's
// passes, so that its JIT-compiled code stays warm as qexp's does.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const JARS = '/usr/share/java';
const classes = join(import.meta.dirname, '..', '.peers', 'lucene');
const source = join(import.meta.dirname, 'LucenePeer.java');

const jar = (name) => readdirSync(JARS).find((f) => new RegExp(`^${name}-8[.0-9]*\\.jar$`).test(f));
const findJars = () => (existsSync(JARS) ? [jar('lucene-core'), jar('lucene-analyzers-common')] : []);
const haveJdk = () => spawnSync('javac', ['-version'], { stdio: 'ignore' }).status === 0;

/**
 * Debian's Lucene 8 jars (lucene-core, lucene-analyzers-common: their paths) with a JDK beside them,
 * installed with apt-get when run as root; null (with a note on why) where they are missing and
 * cannot be installed.
 */
export function luceneJars() {
  let jars = findJars();
  if (!(jars.length === 2 && jars.every(Boolean) && haveJdk())) {
    if (process.getuid?.() !== 0) {
      console.log('Lucene peer skipped: install liblucene8-java and a JDK (Debian: default-jdk-headless) to run it');
      return null;
    }
    console.log('installing the Lucene peer (Debian liblucene8-java, default-jdk-headless) ...');
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    spawnSync('apt-get', ['install', '-y', 'liblucene8-java', 'default-jdk-headless'], { stdio: 'ignore' });
    jars = findJars();
    if (!(jars.length === 2 && jars.every(Boolean) && haveJdk())) {
      console.log('Lucene peer skipped: apt-get could not install liblucene8-java and a JDK');
      return null;
    }
  }
  return jars.map((j) => join(JARS, j));
}

/** The classpath of the compiled peer, or null (with a note on why) when Lucene 8 or a JDK is missing and cannot be installed. */
export function lucenePeer() {
  const jars = luceneJars();
  if (!jars) return null;
  const cp = [...jars, classes].join(':');
  const compiled = join(classes, 'LucenePeer.class');
  if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(source).mtimeMs) {
    mkdirSync(classes, { recursive: true });
    const r = spawnSync('javac', ['-cp', cp, '-d', classes, source], { encoding: 'utf8' });
    if (r.status !== 0) {
      console.log(`Lucene peer skipped: javac failed:\n${r.stderr}`);
      return null;
    }
  }
  return cp;
}

/** Indexes the corpus on one thread; {version, docs, secs (adding and committing), mergeSecs (forceMerge(1))}, and the JVM's peak RSS in MB. */
export function luceneIndex(cp, corpus, dir) {
  // GNU time, where there is one, for the JVM's peak RSS
  const java = ['java', '-Xmx3g', '-cp', cp, 'LucenePeer', 'index', corpus, dir];
  const timed = existsSync('/usr/bin/time');
  const r = spawnSync(timed ? '/usr/bin/time' : java[0], timed ? ['-f', '%M', ...java] : java.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`Lucene indexing failed:\n${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  const rss = Number(r.stderr.trim().split('\n').pop());
  return { ...out, maxRssMB: Number.isFinite(rss) ? rss / 1024 : Number.NaN };
}

/** A Lucene search process on an index: `load` query sets, `time` passes (ms), `dump` results; `close` when done. */
export class LuceneServer {
  constructor(cp, dir) {
    this.proc = spawn('java', ['-Xmx2g', '-cp', cp, 'LucenePeer', 'serve', dir], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }

  async next() {
    const { value, done } = await this.lines.next();
    if (done) throw new Error('the Lucene peer exited');
    return JSON.parse(value);
  }

  /** The first line: Lucene's version and the index's segment count. */
  hello() {
    return this.next();
  }

  async command(line) {
    this.proc.stdin.write(`${line}\n`);
    return this.next();
  }

  /** Queries (texts, one per line in `file`) as set `name`. */
  load(name, file) {
    return this.command(`load ${name} ${file}`);
  }

  /** Milliseconds to search every query of the set, top k, on `threads` threads. */
  async time(name, k, threads) {
    return (await this.command(`time ${name} ${k} ${threads}`)).ms;
  }

  /** Each query's top k: [{docid, score}] per query, scores as the floats Lucene computed. */
  async dump(name, k, file, count) {
    await this.command(`dump ${name} ${k} ${file}`);
    const out = Array.from({ length: count }, () => []);
    const bits = new Int32Array(1);
    const float = new Float32Array(bits.buffer);
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      const [q, docid, b] = line.split('\t');
      bits[0] = Number(b);
      out[Number(q)].push({ docid, score: float[0] });
    }
    return out;
  }

  close() {
    this.proc.stdin.end('quit\n');
  }
}

/**
 * Lucene's hits against qexp's for one query: the same scores rank by rank, and the same documents
 * at every score but the lowest kept one, where the two may keep different documents of a tie
 * (Lucene breaks ties by internal document number, qexp by external id). Returns a description
 * of the first difference, or null.
 */
export function sameHits(ours, theirs) {
  if (ours.length !== theirs.length) return `${ours.length} hits against Lucene's ${theirs.length}`;
  for (let i = 0; i < ours.length; i++)
    if (ours[i].score !== theirs[i].score) return `rank ${i + 1}: score ${ours[i].score} against Lucene's ${theirs[i].score}`;
  const last = ours.length ? ours[ours.length - 1].score : 0;
  const above = (hits) =>
    hits
      .filter((h) => h.score > last)
      .map((h) => h.docid)
      .sort();
  const a = above(ours);
  const b = above(theirs);
  const i = a.findIndex((d, j) => d !== b[j]);
  return i < 0 ? null : `document ${a[i]} against Lucene's ${b[i]} among the hits above the lowest score`;
}
