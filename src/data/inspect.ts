import { basename } from 'node:path';
import { readCorpus } from './corpus.js';
import { readQrels } from './qrels.js';
import { readRun } from './runs.js';
import { readTopics } from './topics.js';

export type FileKind = 'topics' | 'qrels' | 'run' | 'corpus';

/** A guess from the file name (topics.*, qrels.*, *.run / run.*, corpus or collection files). */
export function guessKind(path: string): FileKind | undefined {
  const name = basename(path).toLowerCase();
  if (name.startsWith('topics') || name.startsWith('queries')) return 'topics';
  if (name.startsWith('qrels')) return 'qrels';
  if (name.startsWith('run') || name.endsWith('.run') || name.includes('.run.')) return 'run';
  if (/corpus|collection|docs|passage|\.tar|\.tgz|\.jsonl/.test(name)) return 'corpus';
  return undefined;
}

export interface FileStats {
  kind: FileKind;
  records: number;
  queries?: number;
  /** Judged relevant (grade ≥ 1) for qrels. */
  relevant?: number;
  grades?: Record<string, number>;
}

/** Reads a whole file with the reader of its kind (so a malformed record throws a DataError) and counts it. */
export async function inspectFile(path: string, kind: FileKind): Promise<FileStats> {
  switch (kind) {
    case 'topics': {
      const t = await readTopics(path);
      return { kind, records: t.length, queries: t.length };
    }
    case 'qrels': {
      const q = await readQrels(path);
      let records = 0;
      let relevant = 0;
      const grades: Record<string, number> = {};
      for (const docs of q.values()) {
        for (const g of docs.values()) {
          records++;
          if (g >= 1) relevant++;
          grades[g] = (grades[g] ?? 0) + 1;
        }
      }
      return { kind, records, queries: q.size, relevant, grades };
    }
    case 'run': {
      const r = await readRun(path);
      let records = 0;
      for (const list of r.byQuery.values()) records += list.length;
      return { kind, records, queries: r.byQuery.size };
    }
    case 'corpus': {
      let records = 0;
      for await (const _ of readCorpus(path)) records++;
      return { kind, records };
    }
  }
}
