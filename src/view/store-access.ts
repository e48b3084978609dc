import { existsSync, statSync } from 'node:fs';
import { openStoreForReading } from '../store/open-for-reading.js';
import type { Store } from '../store/store.js';
import type { HashCache } from '../util/hash.js';
import { Mutex } from '../util/mutex.js';

/**
 * The one place the viewer opens the store: read-only, and while a `qexp run` holds it, the
 * snapshot that run publishes after each stage; a page never waits long for a writer.
 */
export function openForReading(path: string): Promise<Store> {
  return openStoreForReading(path, { waitSeconds: 1 });
}

/** One request's use of the store: opened on first need, closed when the request is answered. */
export interface Session {
  store(): Promise<Store>;
}

/**
 * Serialized, short-lived access to the store: a `qexp run` must be able to take it between the
 * viewer's requests, so nothing holds it open while idle. `version` changes when the store's
 * files do, which is when cached views are rebuilt.
 */
export class StoreAccess {
  private readonly mutex = new Mutex();

  constructor(readonly path: string) {}

  version(): string {
    return [this.path, `${this.path}.wal`]
      .map((p) => {
        try {
          const st = statSync(p);
          return `${st.size}:${st.mtimeMs}`;
        } catch {
          return '-';
        }
      })
      .join('|');
  }

  exists(): boolean {
    return existsSync(this.path);
  }

  session<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      let opened: Promise<Store> | undefined;
      const session: Session = { store: () => (opened ??= openForReading(this.path)) };
      try {
        return await fn(session);
      } finally {
        if (opened) (await opened.catch(() => undefined))?.close();
      }
    });
  }
}

/** Checksums for building the DAG: the store's cache is read, new ones are kept in memory (the store is not written). */
export function readOnlyHashes(store: Store, memory: Map<string, string>): HashCache {
  const key = (path: string, size: number, mtimeMs: number) => `${path}\u0000${size}\u0000${mtimeMs}`;
  return {
    get: async (path, size, mtimeMs) => memory.get(key(path, size, mtimeMs)) ?? (await store.get(path, size, mtimeMs)),
    put: async (path, size, mtimeMs, sha256) => {
      memory.set(key(path, size, mtimeMs), sha256);
    },
  };
}
