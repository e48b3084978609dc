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
}

/** Answers are written in batches as they arrive (a crash loses what is in flight, nothing stored). */
export class LedgerWriter {
  private pending: { answer: LedgerAnswer; done: () => void; fail: (err: Error) => void }[] = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly ledger: Pick<Ledger, 'recordAnswers'>) {}

  /** Resolves once the answer is stored. */
  write(answer: LedgerAnswer): Promise<void> {
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
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.fail(err as Error);
      }
    }
    this.flushing = null;
  }
}
