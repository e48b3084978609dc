import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, formatDiagnostic } from '../config/diagnostics.js';
import { ApiError, MAX_LIMIT, type Viewer } from './api.js';
import { INDEX_HTML, STYLE_CSS } from './page.js';
import type { PageParams } from './queries.js';

/** The compiled page scripts, beside this module in dist/. */
const CLIENT_DIR = new URL('./client/', import.meta.url);

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

/** The page runs only its own scripts and styles and talks only to this server: injected markup could do nothing. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface ViewServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function pageParams(q: URLSearchParams, defaultLimit = 100): PageParams {
  const int = (name: string, def: number, min: number, max: number) => {
    const raw = q.get(name);
    if (raw === null || raw === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new ApiError(400, `${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  const order = q.get('order') ?? undefined;
  if (order !== undefined && order !== 'asc' && order !== 'desc') throw new ApiError(400, 'order must be asc or desc');
  return {
    offset: int('offset', 0, 0, Number.MAX_SAFE_INTEGER),
    limit: int('limit', defaultLimit, 1, MAX_LIMIT),
    sort: q.get('sort') || undefined,
    order,
    search: q.get('search') ?? undefined,
  };
}

function rowParams(q: URLSearchParams) {
  const need = (name: string) => {
    const v = q.get(name);
    if (!v) throw new ApiError(400, `give ${name}`);
    return v;
  };
  const row = (name: string) => {
    const n = Number(need(name));
    if (!Number.isInteger(n) || n < 0) throw new ApiError(400, `${name} is a report row's id (0, 1, ...)`);
    return n;
  };
  return { a: row('a'), b: row('b'), dataset: need('dataset'), measure: need('measure'), outcome: q.get('outcome') ?? undefined };
}

/** GET routes of the API: a path pattern and what answers it. */
function route(viewer: Viewer, parts: string[], q: URLSearchParams): Promise<unknown> | undefined {
  const [a, name, b, id, c] = parts;
  if (a !== 'experiments') return undefined;
  if (parts.length === 1) return viewer.experiments();
  if (!name) return undefined;
  if (parts.length === 2) return viewer.experiment(name);
  if (b === 'stages' && id && parts.length === 4) return viewer.stage(name, id);
  if (b === 'stages' && id && c === 'errors' && parts.length === 5) return viewer.stageErrors(name, id, pageParams(q));
  if (b === 'llm' && parts.length === 3) return viewer.llmStages(name);
  if (b === 'queries' && parts.length === 3) return viewer.queries(name, q.get('dataset') || undefined, pageParams(q));
  if (b === 'queries' && id && parts.length === 4) return viewer.query(name, q.get('dataset') || undefined, id);
  if (b === 'compare' && parts.length === 3) return viewer.compare(name, rowParams(q), pageParams(q));
  if (b === 'compare' && id && parts.length === 4) return viewer.compareQuery(name, rowParams(q), id);
  return undefined;
}

/**
 * Serves the page, its scripts and the JSON API on 127.0.0.1. GET only; a request whose Host is
 * not this server's address is refused (a web page that rebinds its name to 127.0.0.1 must not
 * read the store); every JSON answer has the experiments' secrets removed.
 */
export async function startViewServer(viewer: Viewer, opts: { port: number; host?: string }): Promise<ViewServer> {
  const host = opts.host ?? '127.0.0.1';
  let allowedHosts = new Set<string>();

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
    res.writeHead(status, { ...COMMON_HEADERS, 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, value: unknown) =>
    send(res, status, 'application/json; charset=utf-8', JSON.stringify(viewer.redact(value)));

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!allowedHosts.has(req.headers.host ?? '')) {
      send(res, 403, 'text/plain; charset=utf-8', `this viewer answers only at ${[...allowedHosts][0]}\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'the viewer is read-only: GET only\n', { allow: 'GET, HEAD' });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/' || path === '/index.html') {
      send(res, 200, 'text/html; charset=utf-8', INDEX_HTML, { 'content-security-policy': CSP });
      return;
    }
    if (path === '/static/style.css') {
      send(res, 200, 'text/css; charset=utf-8', STYLE_CSS);
      return;
    }
    const file = /^\/static\/([a-z][a-z0-9-]*\.js)$/.exec(path)?.[1];
    if (file) {
      try {
        send(res, 200, 'text/javascript; charset=utf-8', await readFile(new URL(file, CLIENT_DIR)));
      } catch {
        send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      }
      return;
    }
    if (path.startsWith('/api/')) {
      let parts: string[];
      try {
        parts = path.slice(5).split('/').filter(Boolean).map(decodeURIComponent);
      } catch {
        json(res, 400, { error: 'malformed path' });
        return;
      }
      try {
        const answer = route(viewer, parts, url.searchParams);
        if (!answer) json(res, 404, { error: `no API route ${path}` });
        else json(res, 200, await answer);
      } catch (err) {
        if (err instanceof ApiError) json(res, err.status, { error: err.message });
        else if (err instanceof ConfigError) json(res, 422, { error: err.diagnostics.map(formatDiagnostic).join('\n') });
        else {
          process.stderr.write(`qexp view: ${req.url}: ${(err as Error).stack ?? String(err)}\n`);
          json(res, 500, { error: `internal error: ${(err as Error).message}` });
        }
      }
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      process.stderr.write(`qexp view: ${(err as Error).stack ?? String(err)}\n`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`${host}:${port}`, `localhost:${port}`]);
  return {
    url: `http://${host}:${port}/`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
