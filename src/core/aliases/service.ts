/**
 * Aliases: other names of an object under a naming scheme, unique per object and per alias within an object type and
 * scheme; a dialect that names objects its own way (CVM's integer ids of nodes and templates) asks here instead of
 * keeping its own table.
 */
import type { Store } from '../../store/db.js';
import { isUniqueViolation } from '../../store/db.js';
import { VersionedLru } from '../../lib/versioned-lru.js';

/** Numbers kept in memory at most (each counts one). */
const MAX_KEPT = 10_000;

/** The number each object is known by under scheme, assigning the next free number to those without one (never inside a transaction). */
export async function numberedAliases(
  store: Store,
  objectType: string,
  scheme: string,
  objectIds: string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (objectIds.length === 0) return out;
  const scoped = () =>
    store.db.selectFrom('aliases').where('object_type', '=', objectType).where('scheme', '=', scheme);
  const rows = await scoped().select(['object_id', 'alias']).where('object_id', 'in', objectIds).execute();
  for (const r of rows) out.set(r.object_id, Number(r.alias));
  for (const id of objectIds) {
    for (let attempt = 0; attempt < 20 && !out.has(id); attempt++) {
      const max = await scoped()
        .select((eb) => eb.fn.max(eb.cast<number>('alias', 'bigint')).as('m'))
        .executeTakeFirst();
      const next = Number(max?.m ?? 0) + 1;
      try {
        await store.db
          .insertInto('aliases')
          .values({ object_type: objectType, object_id: id, scheme, alias: String(next) })
          .execute();
        out.set(id, next);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const got = await scoped().select('alias').where('object_id', '=', id).executeTakeFirst();
        if (got) out.set(id, Number(got.alias));
      }
    }
  }
  return out;
}

/** The object known by number under scheme, or undefined. */
export async function objectByNumber(
  store: Store,
  objectType: string,
  scheme: string,
  n: number,
): Promise<string | undefined> {
  const r = await store.db
    .selectFrom('aliases')
    .select('object_id')
    .where('object_type', '=', objectType)
    .where('scheme', '=', scheme)
    .where('alias', '=', String(n))
    .executeTakeFirst();
  return r?.object_id;
}

/** The key of an object's number in AliasService's memory. */
function keptKey(objectType: string, scheme: string, objectId: string): string {
  return `${objectType}\n${scheme}\n${objectId}`;
}

/** Numbered aliases for dialects, which never touch the store: the number of an object under a scheme, and back. */
export class AliasService {
  /** Numbers read under the identity version (aliases bump it, VM writes do not), so the REST dialect's per-request team number costs no query. */
  private readonly kept = new VersionedLru<number>(MAX_KEPT);

  constructor(private readonly store: Store) {}

  /** The numbers of objects under scheme, assigning the next free number to those without one. */
  async numbers(objectType: string, scheme: string, objectIds: string[]): Promise<Map<string, number>> {
    const version = await this.store.dataVersion('identity');
    const key = (id: string) => keptKey(objectType, scheme, id);
    const out = new Map<string, number>();
    const missing: string[] = [];
    for (const id of objectIds) {
      const n = version === undefined ? undefined : this.kept.get(key(id), version);
      if (n === undefined) missing.push(id);
      else out.set(id, n);
    }
    if (missing.length === 0) return out;
    for (const [id, n] of await numberedAliases(this.store, objectType, scheme, missing)) {
      out.set(id, n);
      if (version !== undefined) this.kept.set(key(id), version, n, 1);
    }
    return out;
  }

  /** The number of objectId under scheme when it is kept under the identity version known now (read after since); undefined sends the caller to numbers. */
  numberNow(objectType: string, scheme: string, objectId: string, since?: number): number | undefined {
    const version = this.store.dataVersionNow('identity', since);
    return version === undefined ? undefined : this.kept.get(keptKey(objectType, scheme, objectId), version);
  }

  /** The object known by number n under scheme, or undefined. */
  objectOf(objectType: string, scheme: string, n: number): Promise<string | undefined> {
    return objectByNumber(this.store, objectType, scheme, n);
  }
}
