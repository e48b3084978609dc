/**
 * Least-recently-used values under a size budget (units the caller chooses: characters of text,
 * rows). A stage's rows never change once it is done, so they are kept by fingerprint and the
 * time it finished; the budget keeps a viewer of a 20,000-query experiment from holding every
 * stage's texts at once.
 */
export class LruCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; size: number }>();
  private used = 0;

  constructor(
    private readonly budget: number,
    private readonly sizeOf: (v: V) => number,
  ) {}

  /** The value for `key`, loaded once (concurrent callers share the load; a failed load is forgotten). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value;
    }
    const entry = { value: load(), size: 0 };
    this.entries.set(key, entry);
    entry.value.then(
      (v) => {
        if (this.entries.get(key) !== entry) return;
        entry.size = this.sizeOf(v);
        this.used += entry.size;
        this.evict(key);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value;
  }

  private evict(keep: string): void {
    for (const [k, e] of this.entries) {
      if (this.used <= this.budget) return;
      if (k === keep) continue;
      this.entries.delete(k);
      this.used -= e.size;
    }
  }
}
