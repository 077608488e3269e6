/**
 * Pages of VM lists kept by data version: a page is served again only while the database's data version is the one
 * it was read under, so every change committed through any dialect or process is seen by the very next list.
 */
import type { DataVersionReader } from '../../store/data-versions.js';
import type { Page } from '../../lib/page.js';
import type { VmView } from './model.js';

interface Entry {
  version: number;
  page: Page<VmView>;
  items: number;
}

/** Freezes a page and all it holds: a dialect that tried to change a shared cached view would fail loudly. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A least-recently-used cache of list pages, bounded by the number of VM views it holds (0 turns it off). */
export class VmListCache {
  private readonly entries = new Map<string, Entry>();
  private held = 0;

  constructor(
    private readonly version: DataVersionReader,
    private readonly maxItems: number,
  ) {}

  /** The page for this key: the cached one when the data has not changed since it was read, else a fresh read. */
  async get(key: string, read: () => Promise<Page<VmView>>): Promise<Page<VmView>> {
    if (this.maxItems === 0) return read();
    const version = await this.version();
    if (version === undefined) return read();
    const hit = this.entries.get(key);
    if (hit && hit.version === version) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.page;
    }
    const page = deepFreeze(await read());
    this.put(key, { version, page, items: Math.max(1, page.items.length) });
    return page;
  }

  private put(key: string, entry: Entry): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.held -= old.items;
    }
    if (entry.items > this.maxItems) return;
    this.entries.set(key, entry);
    this.held += entry.items;
    while (this.held > this.maxItems) {
      const [oldest, e] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.held -= e.items;
    }
  }
}
