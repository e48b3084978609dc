import type { ChatMessage } from './types.js';

type Count = (text: string) => number;
const loaded = new Map<string, Promise<Count>>();

/** A tokenizer's counter, loaded on first use (only answers without `usage` need one). */
function counter(encoding: 'o200k_base' | 'cl100k_base'): Promise<Count> {
  let p = loaded.get(encoding);
  if (!p) {
    p = (encoding === 'o200k_base' ? import('gpt-tokenizer/encoding/o200k_base') : import('gpt-tokenizer/encoding/cl100k_base')).then(
      (m) => (text: string) => m.countTokens(text),
    );
    loaded.set(encoding, p);
  }
  return p;
}

/**
 * Estimated usage of a request whose answer carried none: the messages' tokens plus 4 per message
 * (role and delimiters, as OpenAI's chat format counts them) and 3 for the reply's priming.
 */
export async function estimateUsage(
  encoding: 'o200k_base' | 'cl100k_base',
  messages: ChatMessage[],
  completions: string[],
): Promise<{ promptTokens: number; completionTokens: number }> {
  const count = await counter(encoding);
  let promptTokens = 3;
  for (const m of messages) promptTokens += 4 + count(m.content);
  let completionTokens = 0;
  for (const c of completions) completionTokens += count(c);
  return { promptTokens, completionTokens };
}
