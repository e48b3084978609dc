/** A stored answer of the LLM ledger: the request as sent, the answer, its usage and cost. */
export interface LedgerAnswer {
  key: string;
  endpoint: string;
  model: string;
  body: unknown;
  templateVersion: string;
  texts: string[];
  finishReasons: (string | null)[];
  promptTokens: number;
  completionTokens: number;
  tokensEstimated: boolean;
  latencyMs: number;
  costUsd: number;
  replica: string;
  fingerprint: string | null;
}

/** A failed attempt (never cached). */
export interface LedgerError {
  key: string;
  fingerprint: string;
  replica: string | null;
  attempt: number;
  final: boolean;
  kind: string;
  status: number | null;
  message: string;
}

/** Where answers are kept between runs (the store implements it; llm/ knows nothing of DuckDB). */
export interface Ledger {
  /** Stored answers for these request keys. */
  answers(keys: string[]): Promise<Map<string, LedgerAnswer>>;
  /** Stores answers in one transaction; an answer already stored (same key) is kept. */
  recordAnswers(answers: LedgerAnswer[]): Promise<unknown>;
  recordLlmErrors(errors: LedgerError[]): Promise<void>;
  /** Deletes the answers with these keys (a damaged answer, before it is asked again). */
  forgetAnswers(keys: string[]): Promise<number>;
  /**
   * Appends an answer to a journal at once (synchronously), before it is stored; the next open of
   * the ledger stores what a killed process had journaled. `journalStored(n)` says that n of the
   * journaled answers are stored now (the journal is emptied once all of them are).
   */
  journal?(answer: LedgerAnswer): void;
  journalStored?(count: number): void;
}

/**
 * Answers are journaled the moment they arrive and written to the ledger in batches: a killed
 * process loses only the requests in flight (what was received is in the journal, which the next
 * open stores), a crash of the machine what the OS had not yet written of the journal.
 */
export class LedgerWriter {
  private pending: { answer: LedgerAnswer; done: () => void; fail: (err: Error) => void }[] = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly ledger: Pick<Ledger, 'recordAnswers' | 'journal' | 'journalStored'>) {}

  /** Resolves once the answer is stored. */
  write(answer: LedgerAnswer): Promise<void> {
    try {
      this.ledger.journal?.(answer);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((done, fail) => {
      this.pending.push({ answer, done, fail });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      try {
        await this.ledger.recordAnswers(batch.map((b) => b.answer));
        // a batch that failed is not reported: its answers stay in the journal, for the next open to store
        this.ledger.journalStored?.(batch.length);
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.fail(err as Error);
      }
    }
    this.flushing = null;
  }
}
