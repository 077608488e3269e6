/**
 * A map of values read under a data version, bounded by a total weight (items, bytes), for caches that must never serve
 * stale reads. Eviction is second-chance (CLOCK), close to least-recently-used: a hit only marks its entry, so the hot
 * path of a cached answer never reorders the map.
 */

interface Entry<V> {
  version: number;
  value: V;
  weight: number;
  used: boolean;
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
    hit.used = true;
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
    while (this.held + weight > this.maxWeight) {
      const [oldest, e] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      if (e.used) {
        // Used since it was kept or last spared: spared once more, now the newest.
        e.used = false;
        this.entries.set(oldest, e);
      } else {
        this.held -= e.weight;
      }
    }
    this.entries.set(key, { version, value, weight, used: false });
    this.held += weight;
  }
}
