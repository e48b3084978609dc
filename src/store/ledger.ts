import { listValue } from '@duckdb/node-api';
import { type Row, rowReader } from './columns.js';
import type { Database } from './database.js';
import { LLM_ERRORS, LLM_REQUESTS } from './tables.js';

/** A stored answer of the LLM ledger. */
export type LedgerAnswer = Omit<Row<typeof LLM_REQUESTS>, 'createdAt'>;
/** A failed attempt at a request. */
export type LedgerError = Omit<Row<typeof LLM_ERRORS>, 'loggedAt'>;

const ANSWER = rowReader(LLM_REQUESTS, ['createdAt']);
const ERROR = rowReader(LLM_ERRORS, ['loggedAt']);

/** The LLM request ledger: answers by request key (a request asked again is answered from here), failed attempts. */
export class Ledger {
  constructor(private readonly db: Database) {}

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
