import type { StoreState } from '../types.js';

/** An answer of the API that was not 200: its status and the server's message. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** GETs `/api/PATH` with the parameters (empty ones left out) and returns its JSON. */
export async function api<T>(segments: string[], params: Record<string, string | number | undefined | null> = {}): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const qs = q.toString();
  const res = await fetch(`/api/${segments.map(encodeURIComponent).join('/')}${qs ? `?${qs}` : ''}`, {
    headers: { accept: 'application/json' },
  });
  const body = (await res.json().catch(() => ({ error: `the server answered ${res.status} without JSON` }))) as T & { error?: string };
  if (!res.ok) throw new ApiFailure(res.status, body.error ?? `HTTP ${res.status}`);
  const store = (body as { store?: StoreState }).store;
  if (store) showStore(store);
  return body;
}

/** The header's store path, and a banner while the store is held by a writer and what is shown may be behind. */
function showStore(s: StoreState): void {
  const el = document.getElementById('store');
  if (el) {
    el.textContent = s.path;
    el.title = s.path;
  }
  const banner = document.getElementById('banner');
  if (banner) {
    banner.hidden = !s.stale;
    banner.textContent = s.stale ?? '';
  }
}
