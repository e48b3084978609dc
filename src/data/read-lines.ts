import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** A file's bytes, gunzipped when the name ends in `.gz`; `onRead` counts the bytes read from the file. */
export function openMaybeGzip(path: string, onRead?: (bytes: number) => void): Readable {
  const raw = createReadStream(path);
  if (onRead) raw.on('data', (chunk) => onRead(chunk.length));
  return path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
}

/**
 * Lines of a text file, streaming: `.gz` is transparent, a UTF-8 BOM is dropped, LF and CRLF
 * both end lines. Yields 1-based line numbers for error messages.
 */
export async function* readLines(path: string): AsyncGenerator<{ text: string; line: number }> {
  yield* linesOf(openMaybeGzip(path));
}

export async function* linesOf(stream: Readable): AsyncGenerator<{ text: string; line: number }> {
  const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (let text of rl) {
    line += 1;
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    yield { text, line };
  }
}
