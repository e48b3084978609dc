// Types of chat-server.mjs (plain JavaScript, so that bench/ can run it too).
/** How the test server answers one request. */
export type Behaviour =
  | 'ok'
  | 'no-usage'
  | '429'
  | '429-retry-after'
  | '429-retry-after-ms'
  | '500'
  | '400'
  | '401'
  | 'hang'
  | 'malformed'
  | 'empty-choices'
  /** 200 at once, then a blank every `dripMs` for `dripForMs`, then the answer. */
  | 'drip'
  | 'no-message'
  | 'null-content'
  | 'number-content'
  | 'array-content'
  | 'content-filter'
  | 'refusal'
  /** n + 3 choices. */
  | 'extra-choices'
  /** HTTP 401 whose message repeats every header of the request. */
  | '401-echo'
  /** HTTP 401 whose message repeats the request's Authorization and custom (x-…) headers. */
  | '401-echo-own';

export interface ChatRequest {
  body: { model: string; messages: { role: string; content: string }[]; n?: number; [k: string]: unknown };
  /** The last user message. */
  prompt: string;
  /** How many times this exact body has come before (0 for the first attempt). */
  repeat: number;
  authorization: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  /** Set once the server has handed the answer's last byte to the connection. */
  answered?: boolean;
}

export interface ChatServer {
  url: string;
  /** Requests to /chat/completions, in arrival order. */
  log: ChatRequest[];
  /** Answers (HTTP 200 with choices) whose last byte the server has handed to the connection. */
  readonly answered: number;
  close(): Promise<void>;
}

/** The answer text for a prompt and choice: deterministic, so tests can predict it. */
export function answerFor(prompt: string, choice: number): string;

/** An OpenAI Chat Completions server on 127.0.0.1 for tests and benchmarks. */
export function startChatServer(opts?: {
  latencyMs?: number;
  behave?: (r: ChatRequest) => Behaviour | undefined;
  /** A request that samples without a seed gets a text of its own (` [draw K]`, K counting requests). */
  draws?: boolean;
  dripMs?: number;
  dripForMs?: number;
}): Promise<ChatServer>;
