/** Stable integer ids for objects the CVM dialect numbers (hosts as nodes, templates), assigned on first sight. */
import type { Store } from '../../store/db.js';
import { isUniqueViolation } from '../../store/db.js';

/** What gets numbered. */
export type CvmIdKind = 'host' | 'template';

/** The integer id of each object, assigning the next free number to those without one (never inside a transaction). */
export async function cvmIds(store: Store, kind: CvmIdKind, objectIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (objectIds.length === 0) return out;
  const rows = await store.db.selectFrom('cvm_ids').select(['object_id', 'serial']).where('kind', '=', kind)
    .where('object_id', 'in', objectIds).execute();
  for (const r of rows) out.set(r.object_id, Number(r.serial));
  for (const id of objectIds) {
    if (out.has(id)) continue;
    for (let attempt = 0; attempt < 20 && !out.has(id); attempt++) {
      const max = await store.db.selectFrom('cvm_ids').select((eb) => eb.fn.max('serial').as('m')).where('kind', '=', kind).executeTakeFirst();
      const serial = Number(max?.m ?? 0) + 1;
      try {
        await store.db.insertInto('cvm_ids').values({ kind, object_id: id, serial }).execute();
        out.set(id, serial);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const got = await store.db.selectFrom('cvm_ids').select('serial').where('kind', '=', kind).where('object_id', '=', id).executeTakeFirst();
        if (got) out.set(id, Number(got.serial));
      }
    }
  }
  return out;
}

/** The object behind an integer id, or undefined. */
export async function cvmObject(store: Store, kind: CvmIdKind, serial: number): Promise<string | undefined> {
  const r = await store.db.selectFrom('cvm_ids').select('object_id').where('kind', '=', kind).where('serial', '=', serial).executeTakeFirst();
  return r?.object_id;
}
