/**
 * Pages of VM lists kept by data version: a page is served again only while the database's data version is the one
 * it was read under, so every change committed through any dialect or process is seen by the very next list.
 */
import type { DataVersionReader } from '../../store/data-versions.js';
import type { Page } from '../../lib/page.js';
import { VersionedLru } from '../../lib/versioned-lru.js';
import type { VmView } from './model.js';

/** Freezes a page and all it holds: a dialect that tried to change a shared cached view would fail loudly. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** List pages bounded by the number of VM views they hold (0 turns the cache off). */
export class VmListCache {
  private readonly pages: VersionedLru<Page<VmView>>;

  constructor(
    private readonly version: DataVersionReader,
    private readonly maxItems: number,
  ) {
    this.pages = new VersionedLru(maxItems);
  }

  /** The page for this key: the cached one when the data has not changed since it was read (known: the caller's version), else a fresh read. */
  async get(key: string, read: () => Promise<Page<VmView>>, known?: number): Promise<Page<VmView>> {
    if (this.maxItems === 0) return read();
    const version = known ?? (await this.version());
    if (version === undefined) return read();
    const hit = this.pages.get(key, version);
    if (hit) return hit;
    const page = deepFreeze(await read());
    this.pages.set(key, version, page, Math.max(1, page.items.length));
    return page;
  }
}
