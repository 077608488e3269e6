/** A least-recently-used map of values read under a data version, bounded by a total weight (items, bytes), for caches that must never serve stale reads. */

interface Entry<V> {
  version: number;
  value: V;
  weight: number;
}

/** Keeps values with the version they were read under; a value is given back only for that same version. */
export class VersionedLru<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private held = 0;

  constructor(private readonly maxWeight: number) {}

  /** The value kept for key under exactly this version (and marks it recently used), else undefined. */
  get(key: string, version: number): V | undefined {
    const hit = this.entries.get(key);
    if (!hit || hit.version !== version) return undefined;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.value;
  }

  /** Keeps value for key under version, dropping the least recently used entries beyond the weight bound. */
  set(key: string, version: number, value: V, weight: number): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.held -= old.weight;
    }
    if (weight > this.maxWeight) return;
    this.entries.set(key, { version, value, weight });
    this.held += weight;
    while (this.held > this.maxWeight) {
      const [oldest, e] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.held -= e.weight;
    }
  }
}
