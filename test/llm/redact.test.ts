import { describe, expect, it } from 'vitest';
import { redact } from '../../src/llm/redact.js';

describe('redaction', () => {
  it('removes a secret and any 8-character piece of it', () => {
    const key = 'sk-abcdefghijklmnop123456';
    expect(redact(`bad key ${key}!`, [key])).toBe('bad key [redacted]!');
    expect(redact('Incorrect API key provided: sk-abcde***********3456', [key])).not.toContain('sk-abcde');
    expect(redact('nothing here', [key])).toBe('nothing here');
  });
});
