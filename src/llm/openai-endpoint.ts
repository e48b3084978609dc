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
  private readonly timeoutMs: number;

  constructor(
    readonly baseUrl: string,
    opts: { apiKey: string | undefined; headers: Record<string, string>; timeoutMs: number },
  ) {
    this.timeoutMs = opts.timeoutMs;
    // retries are qexp's own (retry-after, adaptive concurrency), so the client makes none
    this.client = new OpenAI({
      apiKey: opts.apiKey ?? 'unused',
      baseURL: baseUrl,
      maxRetries: 0,
      timeout: opts.timeoutMs,
      defaultHeaders: opts.headers,
    });
  }

  /**
   * One attempt, within a deadline of `timeoutMs` from sending the request to the answer's last
   * byte (the client's own timeout stops at the response headers, so a server dripping its body
   * would keep a request alive for as long as it drips); a failure is an LlmError that says
   * whether to try again.
   */
  async complete(body: Record<string, unknown>, signal?: AbortSignal): Promise<RawCompletion> {
    const t0 = performance.now();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.timeoutMs);
    const both = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    let res: OpenAI.Chat.Completions.ChatCompletion;
    try {
      res = (await this.client.chat.completions.create(body as never, { signal: both })) as OpenAI.Chat.Completions.ChatCompletion;
    } catch (err) {
      if ((deadline.signal.aborted && !signal?.aborted) || err instanceof APIConnectionTimeoutError)
        throw new LlmError(`no complete answer within timeout_s (${this.timeoutMs / 1000} s)`, 'timeout', true);
      throw classify(err);
    } finally {
      clearTimeout(timer);
    }
    const latencyMs = performance.now() - t0;
    return { ...choicesOf(res), latencyMs };
  }
}

/**
 * The texts of an answer's choices, in index order. A choice without text (no message, null or
 * non-text content) makes the answer malformed (retried, never cached); a choice the endpoint's
 * content filter stopped, or a refusal, is an error of its own kind (not retried: the same prompt
 * is refused again, and each try is paid).
 */
function choicesOf(res: OpenAI.Chat.Completions.ChatCompletion): Omit<RawCompletion, 'latencyMs'> {
  if (res === null || typeof res !== 'object' || !Array.isArray(res.choices))
    throw new LlmError('the answer is not a chat completion (no choices list)', 'malformed', true);
  if (res.choices.length === 0) throw new LlmError('the answer has no choices', 'empty', true);
  const choices = [...res.choices].sort((a, b) => (a?.index ?? 0) - (b?.index ?? 0));
  const texts = choices.map((c, i) => {
    const at = `choice ${typeof c?.index === 'number' ? c.index : i}`;
    if (c === null || typeof c !== 'object') throw new LlmError(`malformed answer: ${at} is not an object`, 'malformed', true);
    if (c.finish_reason === 'content_filter')
      throw new LlmError(`the endpoint's content filter stopped ${at} (finish_reason content_filter)`, 'refused', false);
    const message = c.message as { content?: unknown; refusal?: unknown } | undefined | null;
    if (typeof message?.refusal === 'string' && message.refusal !== '')
      throw new LlmError(`the model refused: ${message.refusal.replace(/\s+/g, ' ').slice(0, 300)}`, 'refused', false);
    if (message === null || typeof message !== 'object') throw new LlmError(`malformed answer: ${at} has no message`, 'malformed', true);
    const content = message.content;
    if (content === null || content === undefined)
      throw new LlmError(`malformed answer: ${at} has no content (${content === null ? 'null' : 'missing'})`, 'malformed', true);
    if (typeof content !== 'string')
      throw new LlmError(
        `malformed answer: ${at} has content of type ${Array.isArray(content) ? 'array' : typeof content}, not text`,
        'malformed',
        true,
      );
    return content;
  });
  // a count the store cannot hold (a 32-bit integer) is no count: it is estimated instead
  const count = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 31;
  const u = res.usage;
  const usage =
    u && count(u.prompt_tokens) && count(u.completion_tokens)
      ? { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens }
      : undefined;
  return { texts, finishReasons: choices.map((c) => (typeof c.finish_reason === 'string' ? c.finish_reason : null)), usage };
}

function classify(err: unknown): LlmError {
  if (err instanceof LlmError) return err;
  if (err instanceof APIUserAbortError) return new LlmError('interrupted', 'connection', false);
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
