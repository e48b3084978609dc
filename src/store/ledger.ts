import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { listValue } from '@duckdb/node-api';
import { isLedgerAnswer } from '../llm/ledger-answer.js';
import { type Row, rowReader } from './columns.js';
import type { Database } from './database.js';
import { LLM_ERRORS, LLM_REQUESTS } from './tables.js';

/** A stored answer of the LLM ledger. */
export type LedgerAnswer = Omit<Row<typeof LLM_REQUESTS>, 'createdAt'>;
/** A failed attempt at a request. */
export type LedgerError = Omit<Row<typeof LLM_ERRORS>, 'loggedAt'>;

const ANSWER = rowReader(LLM_REQUESTS, ['createdAt']);
const ERROR = rowReader(LLM_ERRORS, ['loggedAt']);

/** Which stored answers to list or delete; every filter given must hold. */
export interface LedgerFilter {
  keyPrefix?: string;
  endpoint?: string;
  model?: string;
  /** Answers a stage's generations (of this fingerprint) came from. */
  usedBy?: string;
}

/** Where the answers received and not yet stored wait, beside the store's file. */
export function journalPathOf(storePath: string): string {
  return `${storePath}.journal.jsonl`;
}

/**
 * The LLM request ledger: answers by request key (a request asked again is answered from here),
 * failed attempts. Beside the store, `<store>.journal.jsonl` holds answers received and not yet
 * committed: appended synchronously as each arrives, emptied once they are stored, and stored by
 * the next process that opens the store for writing (DuckDB's lock makes it the only writer).
 */
export class Ledger {
  private fd: number | undefined;
  /** Answers journaled and not yet stored, by every writer of this process (stages run concurrently). */
  private unstored = 0;

  constructor(private readonly db: Database) {}

  get journalPath(): string {
    return journalPathOf(this.db.path);
  }

  /** Appends an answer to the journal (one write of one line: a kill leaves at most a partial last line). */
  journal(answer: LedgerAnswer): void {
    this.fd ??= openSync(this.journalPath, 'a');
    writeSync(this.fd, `${JSON.stringify(answer)}\n`);
    this.unstored++;
  }

  /** `count` journaled answers are stored; once every one is, the journal is emptied. */
  journalStored(count: number): void {
    this.unstored -= count;
    if (this.unstored === 0 && this.fd !== undefined) ftruncateSync(this.fd, 0);
  }

  /**
   * Stores the answers a killed process journaled and did not store, then removes the journal.
   * A line that is not a whole, sound answer (the last one, cut by the kill) is skipped: that
   * request is asked again. Returns how many answers were new.
   */
  async replayJournal(): Promise<number> {
    if (!existsSync(this.journalPath)) return 0;
    const answers: LedgerAnswer[] = [];
    for (const line of readFileSync(this.journalPath, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      if (isLedgerAnswer(value)) answers.push(value);
    }
    const added = await this.recordAnswers(answers, true);
    rmSync(this.journalPath, { force: true });
    return added;
  }

  /** Closes the journal, and removes it when it holds nothing. */
  closeJournal(): void {
    if (this.fd === undefined) return;
    const empty = fstatSync(this.fd).size === 0;
    closeSync(this.fd);
    this.fd = undefined;
    if (empty) rmSync(this.journalPath, { force: true });
  }

  /** Stored answers for these request keys. */
  async answers(keys: string[]): Promise<Map<string, LedgerAnswer>> {
    const out = new Map<string, LedgerAnswer>();
    for (let i = 0; i < keys.length; i += 5000) {
      const rows = await this.db.read((q) =>
        q.all(`SELECT ${ANSWER.columns} FROM llm_requests WHERE key IN (SELECT unnest(?::VARCHAR[]))`, [
          listValue(keys.slice(i, i + 5000)),
        ]),
      );
      for (const r of rows) out.set(String(r.key), ANSWER.decode(r));
    }
    return out;
  }

  /** Every stored answer, or those of the requests a stage made (for export). */
  async all(fingerprint?: string): Promise<LedgerAnswer[]> {
    const rows = await this.db.read((q) =>
      fingerprint
        ? q.all(
            `SELECT ${ANSWER.columns} FROM llm_requests WHERE key IN (SELECT request_key FROM generations WHERE fingerprint = ?) ORDER BY key`,
            [fingerprint],
          )
        : q.all(`SELECT ${ANSWER.columns} FROM llm_requests ORDER BY key`),
    );
    return rows.map(ANSWER.decode);
  }

  /** Stored answers that match every filter given (a key prefix, an endpoint, a model, the stage that first asked), by key. */
  async select(f: LedgerFilter = {}): Promise<LedgerAnswer[]> {
    const where: string[] = [];
    const params: string[] = [];
    if (f.keyPrefix !== undefined) {
      where.push('starts_with(key, ?)');
      params.push(f.keyPrefix);
    }
    if (f.endpoint !== undefined) {
      where.push('endpoint = ?');
      params.push(f.endpoint);
    }
    if (f.model !== undefined) {
      where.push('model = ?');
      params.push(f.model);
    }
    if (f.usedBy !== undefined) {
      where.push('key IN (SELECT request_key FROM generations WHERE fingerprint = ?)');
      params.push(f.usedBy);
    }
    const rows = await this.db.read((q) =>
      q.all(`SELECT ${ANSWER.columns} FROM llm_requests${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY key`, params),
    );
    return rows.map(ANSWER.decode);
  }

  /** Deletes the answers with these keys (their failed attempts stay, for diagnosis); returns how many there were. */
  forgetAnswers(keys: string[]): Promise<number> {
    if (keys.length === 0) return Promise.resolve(0);
    return this.db.tx(async (q) => {
      const list = [listValue(keys)];
      const n = Number((await q.all('SELECT count(*) AS n FROM llm_requests WHERE key IN (SELECT unnest(?::VARCHAR[]))', list))[0]?.n ?? 0);
      await q.exec('DELETE FROM llm_requests WHERE key IN (SELECT unnest(?::VARCHAR[]))', list);
      return n;
    });
  }

  /**
   * Stores answers in one transaction; an answer already stored (same key) is kept. With `count`,
   * returns how many were new (two more queries: imports want it, the generate stage does not).
   */
  recordAnswers(answers: LedgerAnswer[], count = false): Promise<number> {
    if (answers.length === 0) return Promise.resolve(0);
    return this.db.tx(async (q) => {
      const stored = async () => Number((await q.all('SELECT count(*) AS n FROM llm_requests'))[0]?.n ?? 0);
      const before = count ? await stored() : 0;
      for (let i = 0; i < answers.length; i += 200) await q.insert(LLM_REQUESTS, answers.slice(i, i + 200), { orIgnore: true });
      return count ? (await stored()) - before : answers.length;
    });
  }

  recordLlmErrors(errors: LedgerError[]): Promise<void> {
    if (errors.length === 0) return Promise.resolve();
    return this.db.tx(async (q) => {
      for (const e of errors) await q.insert(LLM_ERRORS, [e]);
    });
  }

  async llmErrors(fingerprint: string): Promise<LedgerError[]> {
    const rows = await this.db.read((q) =>
      q.all(`SELECT ${ERROR.columns} FROM llm_errors WHERE fingerprint = ? ORDER BY logged_at`, [fingerprint]),
    );
    return rows.map(ERROR.decode);
  }
}
