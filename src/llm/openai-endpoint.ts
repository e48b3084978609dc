import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { retryAfterMs } from './limiter.js';
import { LlmError } from './types.js';

export interface RawCompletion {
  texts: string[];
  finishReasons: (string | null)[];
  usage?: { promptTokens: number; completionTokens: number };
  latencyMs: number;
}

/** One replica of an OpenAI-compatible Chat Completions endpoint, through the `openai` package. */
export class OpenAIEndpoint {
  private readonly client: OpenAI;

  constructor(
    readonly baseUrl: string,
    opts: { apiKey: string | undefined; headers: Record<string, string>; timeoutMs: number },
  ) {
    // retries are qexp's own (retry-after, adaptive concurrency), so the client makes none
    this.client = new OpenAI({
      apiKey: opts.apiKey ?? 'unused',
      baseURL: baseUrl,
      maxRetries: 0,
      timeout: opts.timeoutMs,
      defaultHeaders: opts.headers,
    });
  }

  /** One attempt; a failure is an LlmError that says whether to try again. */
  async complete(body: Record<string, unknown>, signal?: AbortSignal): Promise<RawCompletion> {
    const t0 = performance.now();
    let res: OpenAI.Chat.Completions.ChatCompletion;
    try {
      res = (await this.client.chat.completions.create(body as never, { signal })) as OpenAI.Chat.Completions.ChatCompletion;
    } catch (err) {
      throw classify(err);
    }
    const latencyMs = performance.now() - t0;
    if (res === null || typeof res !== 'object' || !Array.isArray(res.choices))
      throw new LlmError('the answer is not a chat completion (no choices list)', 'malformed', true);
    if (res.choices.length === 0) throw new LlmError('the answer has no choices', 'empty', true);
    const choices = [...res.choices].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    const texts = choices.map((c) => (typeof c.message?.content === 'string' ? c.message.content : ''));
    const u = res.usage;
    const usage =
      u && Number.isFinite(u.prompt_tokens) && Number.isFinite(u.completion_tokens)
        ? { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens }
        : undefined;
    return { texts, finishReasons: choices.map((c) => c.finish_reason ?? null), usage, latencyMs };
  }
}

function classify(err: unknown): LlmError {
  if (err instanceof LlmError) return err;
  if (err instanceof APIUserAbortError) return new LlmError('interrupted', 'connection', false);
  if (err instanceof APIConnectionTimeoutError) return new LlmError('the request timed out', 'timeout', true);
  if (err instanceof APIConnectionError) return new LlmError(`cannot reach the endpoint: ${err.message}`, 'connection', true);
  if (err instanceof APIError) {
    const status = err.status ?? 0;
    const detail = err.message.replace(/\s+/g, ' ').slice(0, 300);
    if (status === 429) return new LlmError(`rate limited (HTTP 429): ${detail}`, 'rate-limit', true, 429, retryAfterMs(err.headers));
    if (status === 401 || status === 403)
      return new LlmError(`the endpoint refused the credentials (HTTP ${status}): ${detail}`, 'auth', false, status);
    if (status === 408 || status === 409 || status >= 500)
      return new LlmError(`server error (HTTP ${status}): ${detail}`, 'server', true, status, retryAfterMs(err.headers));
    return new LlmError(`the endpoint rejected the request (HTTP ${status}): ${detail}`, 'client', false, status);
  }
  // a body that is not JSON, or JSON of another shape
  return new LlmError(`malformed answer: ${(err as Error).message ?? String(err)}`, 'malformed', true);
}
