import { readFileSync } from 'node:fs';
import { DataError } from '../data/data-error.js';
import type { Exemplar } from './prompt.js';

/** A file's records: the items of a JSON list, or its non-blank lines with their numbers. */
function records(path: string): { list: unknown[] } | { lines: { text: string; line: number }[] } {
  const raw = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  if (raw.trimStart().startsWith('[')) {
    let list: unknown;
    try {
      list = JSON.parse(raw);
    } catch (err) {
      throw new DataError(path, undefined, `invalid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(list)) throw new DataError(path, undefined, 'expected a JSON list');
    return { list };
  }
  return {
    lines: raw
      .split(/\r?\n/)
      .map((text, i) => ({ text, line: i + 1 }))
      .filter((l) => l.text.trim() !== ''),
  };
}

/** One JSON object per line, with the line number in errors. */
function jsonLine<T>(path: string, text: string, line: number): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new DataError(path, line, `invalid JSON: ${(err as Error).message}`);
  }
}

/** Generations read back: per query id, the texts by sample number. */
export type Recorded = Map<string, string[]>;

/**
 * Recorded generations from a file, for the `replay` provider:
 * - JSONL, one object per line with `qid` and `text` (optionally `sample`): a generate stage's
 *   `generations` output, or anything written like it;
 * - a JSON list of `[qid, query, text]` (e.g. the DL19 expansions in shared/datasets/expansions);
 * - TSV `qid<TAB>text`.
 */
export function readRecorded(path: string): Recorded {
  const out: Recorded = new Map();
  const put = (qid: string, sample: number | undefined, text: string, line: number) => {
    const list = out.get(qid) ?? [];
    const at = sample ?? list.length;
    if (list[at] !== undefined) throw new DataError(path, line, `query ${qid} sample ${at} appears twice`);
    list[at] = text;
    out.set(qid, list);
  };
  const r = records(path);
  if ('list' in r) {
    r.list.forEach((rec, i) => {
      if (!Array.isArray(rec) || rec.length < 3 || typeof rec[2] !== 'string' || (typeof rec[0] !== 'string' && typeof rec[0] !== 'number'))
        throw new DataError(path, undefined, `record ${i + 1}: expected [qid, query, text]`);
      put(String(rec[0]), undefined, rec[2], i + 1);
    });
    return out;
  }
  for (const { text, line } of r.lines) {
    if (text.trimStart().startsWith('{')) {
      const rec = jsonLine<{ qid?: unknown; text?: unknown; sample?: unknown }>(path, text, line);
      if ((typeof rec.qid !== 'string' && typeof rec.qid !== 'number') || typeof rec.text !== 'string')
        throw new DataError(path, line, 'expected an object with qid and text');
      put(String(rec.qid), typeof rec.sample === 'number' ? rec.sample : undefined, rec.text, line);
      continue;
    }
    const tab = text.indexOf('\t');
    if (tab <= 0) throw new DataError(path, line, "expected 'qid<TAB>text', a JSON object per line, or a JSON list");
    put(text.slice(0, tab), undefined, text.slice(tab + 1), line);
  }
  return out;
}

/** A few-shot pool from a file: JSONL with `query` and `passage` (and `id`), a JSON list of [id, query, passage], or TSV id<TAB>query<TAB>passage. */
export function readPool(path: string): Exemplar[] {
  const r = records(path);
  if ('list' in r) {
    return r.list.map((rec, i) => {
      if (!Array.isArray(rec) || rec.length < 3 || typeof rec[1] !== 'string' || typeof rec[2] !== 'string')
        throw new DataError(path, undefined, `record ${i + 1}: expected [id, query, passage]`);
      return { id: String(rec[0]), query: rec[1], passage: rec[2] };
    });
  }
  return r.lines.map(({ text, line }) => {
    if (text.trimStart().startsWith('{')) {
      const rec = jsonLine<{ id?: unknown; query?: unknown; passage?: unknown }>(path, text, line);
      if (typeof rec.query !== 'string' || typeof rec.passage !== 'string') throw new DataError(path, line, 'expected query and passage');
      return { id: rec.id === undefined ? String(line) : String(rec.id), query: rec.query, passage: rec.passage };
    }
    const parts = text.split('\t');
    if (parts.length < 3) throw new DataError(path, line, "expected 'id<TAB>query<TAB>passage'");
    return { id: parts[0] as string, query: parts[1] as string, passage: parts.slice(2).join('\t') };
  });
}
