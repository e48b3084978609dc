import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { DataError } from './data-error.js';
import { htmlToText } from './html-text.js';
import { checkId } from './ids.js';
import { lineChunks, openMaybeGzip } from './read-lines.js';

export interface Doc {
  id: string;
  text: string;
}

export type CorpusFormat = 'jsonl' | 'tsv' | 'tar';

const ID_FIELDS = ['id', '_id', 'docid', 'pid'] as const;

/** Format from the file name: `.jsonl`/`.json` (optionally `.gz`), `.tsv`/`.txt`, `.tar`/`.tar.gz`/`.tgz`. */
export function corpusFormat(path: string): CorpusFormat {
  const name = basename(path).toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.tar') || basename(path).toLowerCase().endsWith('.tgz')) return 'tar';
  if (name.endsWith('.jsonl') || name.endsWith('.json')) return 'jsonl';
  if (name.endsWith('.tsv') || name.endsWith('.txt')) return 'tsv';
  throw new DataError(path, undefined, 'unknown corpus format: name it .jsonl, .tsv or .tar(.gz), optionally gzipped');
}

/**
 * Documents of a corpus, streaming, in file order:
 * - JSONL: id from `id`/`_id`/`docid`/`pid`; text from `contents`, `passage` (MS MARCO v2),
 *   or `title` + "\n" + `text` (MIRACL), or `text`;
 * - TSV: `id<TAB>text` (MS MARCO collection.tsv);
 * - a tar (optionally gzipped) of HTML files (text of each file, id = file name without
 *   extension, as CACM) or of JSONL shards (as MS MARCO v2);
 * - a folder: its corpus files in name order.
 */
export async function* readCorpus(path: string, meter?: CorpusMeter): AsyncGenerator<Doc> {
  // documents come a chunk of the file at a time, and only this generator steps once a document:
  // each generator nested inside it would add a step a document (0.3 s per 1M)
  for await (const docs of corpusChunks(path, meter)) for (const doc of docs) yield doc;
}

async function* corpusChunks(path: string, meter?: CorpusMeter): AsyncGenerator<Doc[]> {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      const p = join(path, name);
      if (statSync(p).isFile()) yield* corpusChunks(p, meter);
    }
    return;
  }
  const format = corpusFormat(path);
  const onRead = meter && ((n: number) => (meter.read += n));
  if (format === 'tar') yield* readTar(path, onRead);
  else yield* docChunks(openMaybeGzip(path, onRead), path, format);
}

/** How far a reader is through a corpus, in bytes of its files (compressed as stored): to estimate its size in documents. */
export interface CorpusMeter {
  read: number;
  total: number;
}

/** A meter for `readCorpus`; a path it cannot read has size 0 (no estimate): readCorpus reports the error. */
export function corpusMeter(path: string): CorpusMeter {
  const size = (p: string): number =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .map((n) => join(p, n))
          .filter((f) => statSync(f).isFile())
          .reduce((a, f) => a + statSync(f).size, 0)
      : statSync(p).size;
  try {
    return { read: 0, total: size(path) };
  } catch {
    return { read: 0, total: 0 };
  }
}

/** Documents in the corpus, estimated from those read so far and the share of its bytes they took; undefined before any. */
export function estimateDocs(meter: CorpusMeter, docs: number): number | undefined {
  if (meter.read <= 0 || meter.total <= 0 || docs <= 0) return undefined;
  return Math.max(docs, Math.round((docs * meter.total) / meter.read));
}

/** The documents of a JSONL or TSV stream, a chunk at a time; those before a bad line come out before its error. */
async function* docChunks(stream: Readable, name: string, format: 'jsonl' | 'tsv'): AsyncGenerator<Doc[]> {
  let line = 0;
  for await (const lines of lineChunks(stream)) {
    const docs: Doc[] = [];
    try {
      for (const text of lines) {
        line += 1;
        if (text.trim() === '') continue;
        docs.push(format === 'jsonl' ? parseJsonDoc(text, name, line) : parseTsvDoc(text, name, line));
      }
    } catch (err) {
      if (docs.length > 0) yield docs;
      throw err;
    }
    if (docs.length > 0) yield docs;
  }
}

export function parseTsvDoc(text: string, file: string, line: number): Doc {
  const tab = text.indexOf('\t');
  if (tab <= 0) throw new DataError(file, line, `expected 'id<TAB>text'`);
  return { id: checkId(text.slice(0, tab), 'document', file, line), text: text.slice(tab + 1) };
}

export function parseJsonDoc(text: string, file: string, line: number): Doc {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new DataError(file, line, `invalid JSON: ${(err as Error).message}`);
  }
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) throw new DataError(file, line, 'expected a JSON object per line');
  const idField = ID_FIELDS.find((f) => typeof rec[f] === 'string' || typeof rec[f] === 'number');
  if (!idField) throw new DataError(file, line, `no document id: expected one of ${ID_FIELDS.join(', ')}`);
  const id = checkId(String(rec[idField]), 'document', file, line);
  let body: unknown;
  if (typeof rec.contents === 'string') body = rec.contents;
  else if (typeof rec.passage === 'string') body = rec.passage;
  else if (typeof rec.title === 'string' && typeof rec.text === 'string') body = rec.title ? `${rec.title}\n${rec.text}` : rec.text;
  else body = rec.text;
  if (typeof body !== 'string')
    throw new DataError(file, line, `document ${id} has no text: expected 'contents', 'passage', 'text' or 'title' + 'text'`);
  return { id, text: body };
}

async function* readTar(path: string, onRead?: (bytes: number) => void): AsyncGenerator<Doc[]> {
  const tar = extract();
  const source = openMaybeGzip(path, onRead);
  source.on('error', (err) => tar.destroy(err));
  source.pipe(tar);
  let index = 0;
  for await (const entry of tar) {
    index += 1;
    const name = entry.header.name;
    const where = `${path}!${name}`;
    if (entry.header.type !== 'file') {
      entry.resume();
      continue;
    }
    const lower = name.toLowerCase();
    if (/\.html?$/.test(lower)) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      const id = checkId(basename(name).replace(/\.html?$/i, ''), 'document', where, undefined);
      yield [{ id, text: htmlToText(Buffer.concat(chunks).toString('utf8')) }];
    } else if (/\.(tsv|jsonl|json)(\.gz)?$/.test(lower) || /\.gz$/.test(lower)) {
      // a bare .gz shard is JSONL, as MS MARCO v2's are
      const stream = (lower.endsWith('.gz') ? entry.pipe(createGunzip()) : entry) as unknown as Readable;
      yield* docChunks(stream, where, /\.tsv(\.gz)?$/.test(lower) ? 'tsv' : 'jsonl');
    } else {
      throw new DataError(path, undefined, `tar entry ${index} (${name}) is neither HTML, JSONL nor TSV`);
    }
  }
}
