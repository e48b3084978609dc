import { basename, dirname, join } from 'node:path';

/**
 * While `qexp run` holds the store (DuckDB lets no other process open it, not even to read),
 * readers read a copy the run publishes: `CHECKPOINT`, copy, fsync, rename, under the store's
 * mutex between transactions, so a copy holds only committed transactions and a reader opens
 * either the previous copy or the next, never half of one.
 */

/** `results/qexp.duckdb` → `results/qexp.snapshot.duckdb`. */
export function snapshotPathOf(storePath: string): string {
  const name = basename(storePath);
  const stem = name.endsWith('.duckdb') ? name.slice(0, -'.duckdb'.length) : name;
  return join(dirname(storePath), `${stem}.snapshot.duckdb`);
}

/** Who published a snapshot and when: kept in the snapshot itself (meta key `snapshot`). */
export interface SnapshotInfo {
  /** The process that held the store and published it. */
  pid: number;
  runId: string | null;
  /** What that process runs (`qexp run experiments/quickstart.yaml`). */
  command: string;
  /** ISO time of the copy. */
  takenAt: string;
}

export interface SnapshotSource {
  /** Publishes a snapshot if the store changed since the last (always with `force`); undefined when skipped. */
  publishSnapshot(info: Omit<SnapshotInfo, 'takenAt'>, force?: boolean): Promise<{ heldMs: number; totalMs: number } | undefined>;
}

/** The store's calls wait for a publish at most 1/RATIO of a run's time: the next waits RATIO × that wait. */
const RATIO = 20;
const MIN_INTERVAL_MS = 1000;

/**
 * Publishes snapshots for a run: at its start, after stages end (throttled so that the store's
 * other calls wait for a copy at most ~5% of the run), and at its end. A failed copy (a full disk) is
 * reported once and leaves the previous snapshot in place; the run goes on.
 */
export class SnapshotPublisher {
  runId: string | null = null;
  private lastEnd = 0;
  private lastMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private again = false;
  private warned = false;

  constructor(
    private readonly db: SnapshotSource,
    private readonly command: string,
    private readonly warn: (message: string) => void,
  ) {}

  /** Publishes now, whether or not anything changed (a new writer's first snapshot). */
  async start(): Promise<void> {
    await this.publish(true);
  }

  /** Something worth showing happened (a stage ended): publish now, or once the throttle allows. */
  request(): void {
    if (this.timer || this.inFlight) {
      this.again = true;
      return;
    }
    const wait = this.lastEnd + Math.max(MIN_INTERVAL_MS, RATIO * this.lastMs) - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.request();
      }, wait);
      this.timer.unref();
      return;
    }
    this.inFlight = this.publish(false).finally(() => {
      this.inFlight = undefined;
      if (this.again) {
        this.again = false;
        this.request();
      }
    });
  }

  /** The run ends: the last state, published before the store is released. */
  async finish(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.again = false;
    await this.inFlight;
    await this.publish(false);
  }

  private async publish(force: boolean): Promise<void> {
    try {
      const t = await this.db.publishSnapshot({ pid: process.pid, runId: this.runId, command: this.command }, force);
      if (t !== undefined) this.lastMs = t.heldMs;
    } catch (err) {
      if (!this.warned) this.warn(`could not publish the store's snapshot for readers: ${(err as Error).message}`);
      this.warned = true;
    } finally {
      this.lastEnd = Date.now();
    }
  }
}
