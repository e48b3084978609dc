import type { HashCache } from '../util/hash.js';
import type { Database } from './database.js';
import { FILE_HASHES } from './tables.js';

/** Checksums of input files by (path, size, mtime): an unchanged file is not read again. */
export class FileHashes implements HashCache {
  constructor(private readonly db: Database) {}

  async get(path: string, size: number, mtimeMs: number): Promise<string | undefined> {
    const rows = await this.db.read((q) =>
      q.all('SELECT sha256 FROM file_hashes WHERE path = ? AND size = ? AND mtime_ms = ?', [path, size, mtimeMs]),
    );
    return rows.length ? String(rows[0]?.sha256) : undefined;
  }

  put(path: string, size: number, mtimeMs: number, sha256: string): Promise<void> {
    return this.db.tx(async (q) => {
      await q.exec('DELETE FROM file_hashes WHERE path = ?', [path]);
      await q.insert(FILE_HASHES, [{ path, size, mtimeMs, sha256 }]);
    });
  }
}
