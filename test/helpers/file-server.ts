import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

export interface ServedRequest {
  path: string;
  range?: string;
  status: number;
}

/**
 * A static file server on 127.0.0.1 with HTTP Range support, for download tests. `cutOnce`
 * makes the first response for a path stop after N bytes (the connection is closed early), as a
 * dropped connection would.
 */
export async function startFileServer(root: string, opts: { cutOnce?: Record<string, number> } = {}) {
  const requests: ServedRequest[] = [];
  const cut = new Map(Object.entries(opts.cutOnce ?? {}));
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = join(root, normalize(path));
    const range = req.headers.range;
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      requests.push({ path, range, status: 404 });
      res.writeHead(404).end('not found');
      return;
    }
    const size = statSync(file).size;
    let start = 0;
    let status = 200;
    const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m) {
      start = Number(m[1]);
      if (start >= size) {
        requests.push({ path, range, status: 416 });
        res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      status = 206;
    }
    requests.push({ path, range, status });
    const headers: Record<string, string | number> = { 'Content-Length': size - start, 'Accept-Ranges': 'bytes' };
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${size - 1}/${size}`;
    res.writeHead(status, headers);
    const limit = cut.get(path);
    if (limit !== undefined) {
      cut.delete(path);
      // send the first `limit` bytes, then close the connection (FIN) once they are flushed
      const slice = readFileSync(file).subarray(start, start + limit);
      res.write(slice, () => res.socket?.end());
      return;
    }
    createReadStream(file, { start }).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
