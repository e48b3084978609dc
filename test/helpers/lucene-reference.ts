import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/**
 * test/reference/LuceneReference.java, compiled with javac against the Debian jars of Lucene 8
 * and Jsoup (/usr/share/java: liblucene8-java, libjsoup-java): the reference side of the
 * differential tests.
 */
const SOURCE = resolve(dirname(fileURLToPath(import.meta.url)), '../reference/LuceneReference.java');
const JAVA_DIR = '/usr/share/java';

function jar(pattern: RegExp): string | undefined {
  if (!existsSync(JAVA_DIR)) return undefined;
  const name = readdirSync(JAVA_DIR)
    .filter((f) => pattern.test(f))
    .sort()
    .pop();
  return name && join(JAVA_DIR, name);
}

const JARS = [
  jar(/^lucene-core-8[.\d]*\.jar$/),
  jar(/^lucene-analyzers-common-8[.\d]*\.jar$/),
  jar(/^jsoup-[.\d]+\.jar$/) ?? jar(/^jsoup\.jar$/),
];

function hasCommand(cmd: string): boolean {
  try {
    execFileSync(cmd, ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the reference cannot run here (shown as the skip message), or undefined. */
export const REFERENCE_MISSING: string | undefined = (() => {
  if (!hasCommand('javac') || !hasCommand('java')) return 'no JDK (apt-get install default-jdk-headless)';
  if (!JARS[0] || !JARS[1]) return 'no Lucene 8 jars in /usr/share/java (apt-get install liblucene8-java)';
  if (!JARS[2]) return 'no Jsoup jar in /usr/share/java (apt-get install libjsoup-java)';
  return undefined;
})();

/** Lucene's and Jsoup's versions, from the jar names. */
export const REFERENCE_VERSIONS = JARS.map((j) => j?.replace(/^.*\//, '')).join(', ');

let compiled: string | undefined;

function classpath(): string {
  if (!compiled) {
    compiled = mkdtempSync(join(tmpdir(), 'qexp-lucene-ref-'));
    execFileSync('javac', ['-nowarn', '-d', compiled, '-cp', JARS.join(':'), SOURCE], { stdio: 'pipe' });
  }
  return [compiled, ...JARS].join(':');
}

/** Runs a mode of the reference program with `input` on its standard input; its standard output. */
export async function runReference(args: string[], input = ''): Promise<string> {
  const r = await execa('java', ['-Xss16m', '-cp', classpath(), 'LuceneReference', ...args], { input, maxBuffer: 1 << 30 });
  return r.stdout;
}

/** base64 of the UTF-16 code units (lone surrogates too), as the reference program reads and writes text. */
export const b64 = (s: string) => Buffer.from(s, 'utf16le').toString('base64');
export const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf16le');

/** "id TAB base64(text)" lines for the reference program. */
export function records(texts: { id: string; text: string }[]): string {
  return texts.map((t) => `${t.id}\t${b64(t.text)}\n`).join('');
}
