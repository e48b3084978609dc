/**
 * JSON lines between qexp and a hook sandbox. JSON has no NaN or infinities, which a hook may return
 * (and a score hook must then be told it returned them), so they travel as tagged strings.
 */
const TAG = '\u0000float';

export function encode(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? { [TAG]: String(v) } : typeof v === 'bigint' ? Number(v) : v,
  );
}

export function decode(line: string): unknown {
  return JSON.parse(line, (_k, v) => (v !== null && typeof v === 'object' && TAG in v ? Number(v[TAG]) : v));
}
