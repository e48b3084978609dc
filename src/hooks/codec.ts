/**
 * JSON lines between qexp and a hook sandbox. JSON has no NaN or infinities, which a hook may return
 * (and a score hook must then be told it returned them), so they travel as tagged strings. The
 * replacer and reviver that do it cost more than the rest of a call, so they run only when needed.
 */
const TAG = '\u0000float';
const TAG_IN_JSON = JSON.stringify(TAG).slice(1, -1);

function special(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (typeof v === 'bigint') return true;
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some(special);
  for (const k in v) if (special((v as Record<string, unknown>)[k])) return true;
  return false;
}

export function encode(value: unknown): string {
  if (!special(value)) return JSON.stringify(value);
  return JSON.stringify(value, (_k, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? { [TAG]: String(v) } : typeof v === 'bigint' ? Number(v) : v,
  );
}

export function decode(line: string): unknown {
  if (!line.includes(TAG_IN_JSON)) return JSON.parse(line);
  return JSON.parse(line, (_k, v) => (v !== null && typeof v === 'object' && TAG in v ? Number(v[TAG]) : v));
}
