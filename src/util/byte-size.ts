const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/**
 * Bytes from a size such as `2G`, `512M`, `1.5GiB` or `1000000` (binary units: 1K = 1,024 bytes);
 * undefined if it is not one. (The `bytes` package wants `2GB` and rejects `2G`.)
 */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const bytes = Number(m[1]) * (UNITS[(m[2] as string).toLowerCase()] as number);
  return Number.isFinite(bytes) ? Math.floor(bytes) : undefined;
}

/** A size from the experiment (`retrieval.memory_budget`: a string the schema checked, or bytes), in bytes. */
export function byteSize(value: string | number | undefined): number | undefined {
  return typeof value === 'number' ? value : value === undefined ? undefined : parseByteSize(value);
}
