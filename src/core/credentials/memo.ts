/**
 * Credential lookups (a row and its enabled principal) kept by the 'identity' data version they were read under: every
 * table they read bumps it (and only those tables do, so writing VMs does not end them), so a revoked key, a changed
 * password or a disabled account is seen by the very next request, in this process or any other on the same database.
 * Secrets are still checked on every request.
 */
import type { Store } from '../../store/db.js';
import { VersionedLru } from '../../lib/versioned-lru.js';

/** Lookups kept at most (each counts one). */
const MAX_KEPT = 10_000;

/** A lookup per key, read again whenever the identity version moved. */
export class LookupMemo<V> {
  private readonly kept = new VersionedLru<V>(MAX_KEPT);

  constructor(private readonly store: Store) {}

  /** The value read() gave for key under the current identity version; found values are kept, misses are read each time. */
  async get(key: string, read: () => Promise<V | undefined>): Promise<V | undefined> {
    const version = await this.store.dataVersion('identity');
    if (version === undefined) return read();
    const hit = this.kept.get(key, version);
    if (hit !== undefined) return hit;
    const value = await read();
    if (value !== undefined) this.kept.set(key, version, value, 1);
    return value;
  }

  /**
   * The value kept for key when the identity version is known without waiting (on PostgreSQL: read after since) and is
   * the one it was read under; undefined otherwise, and the caller takes get(). For a request's synchronous fast path.
   */
  peek(key: string, since?: number): V | undefined {
    const version = this.store.dataVersionNow('identity', since);
    return version === undefined ? undefined : this.kept.get(key, version);
  }
}
