/** Removes every secret, and any 8-character piece of one, from text that may be stored or shown. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 8) {
      if (s) out = out.split(s).join('[redacted]');
      continue;
    }
    out = out.split(s).join('[redacted]');
    for (let i = 0; i + 8 <= s.length; i++) {
      const piece = s.slice(i, i + 8);
      if (out.includes(piece)) out = out.split(piece).join('[redacted]');
    }
  }
  return out;
}

/** The same error with its message (and its stack, which repeats the message) redacted; its class is kept. */
export function redactError(err: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return err;
  if (!(err instanceof Error)) return new Error(redact(String(err), secrets));
  const message = redact(err.message, secrets);
  if (message !== err.message) err.message = message;
  if (err.stack) err.stack = redact(err.stack, secrets);
  return err;
}
