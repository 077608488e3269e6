/** The engine's lease statements: taking tasks, renewing and handing back the ones this process holds, and taking back a dead process's runs. */
import { sql, type RawBuilder } from 'kysely';
import type { Store } from '../store/db.js';
import type { TaskRow } from '../store/schema.js';
import { nowIso } from '../lib/util.js';

/** Claims up to limit tasks matching which, oldest first, for owner's lease of leaseMs (skipping rows another claim holds on PostgreSQL). */
export async function claimWhere(
  store: Store,
  lease: { owner: string; leaseMs: number },
  which: RawBuilder<unknown>,
  limit: number,
): Promise<TaskRow[]> {
  const until = Date.now() + lease.leaseMs;
  const lock = store.kind === 'postgres' ? sql`for update skip locked` : sql``;
  const res = await sql<TaskRow>`
    update tasks set status = 'STARTED', lease_owner = ${lease.owner}, lease_until = ${until},
      attempts = attempts + 1, started_at = coalesce(started_at, ${nowIso()})
    where id in (select id from tasks where ${which} order by created_at limit ${limit} ${lock})
    returning *`.execute(store.db);
  return res.rows;
}

/** Expired leases (their runner died or stalled), in the terms claimWhere takes. */
export function expiredLeases(now: number): RawBuilder<unknown> {
  // Literal IN (not bound values) so SQLite uses the tasks_open partial index.
  return sql`status in ('PENDING', 'STARTED') and status = 'STARTED' and lease_until < ${now}`;
}

/** Tasks waiting for their first or next run, in the terms claimWhere takes. */
export const PENDING: RawBuilder<unknown> = sql`status = 'PENDING'`;

/** SQLite (one owner): every STARTED task belonged to a process that is gone, so all go back to PENDING. */
export async function takeBackStarted(store: Store): Promise<void> {
  await store.db
    .updateTable('tasks')
    .set({ status: 'PENDING', lease_owner: null, lease_until: null })
    // Literal IN (not bound values) so SQLite uses the tasks_open partial index instead of scanning every task.
    .where(sql<boolean>`status in ('PENDING', 'STARTED') and status = 'STARTED'`)
    .execute();
}

/** Extends owner's leases of the given running tasks by leaseMs from now. */
export async function renewLeases(
  store: Store,
  lease: { owner: string; leaseMs: number },
  ids: string[],
): Promise<void> {
  await store.db
    .updateTable('tasks')
    .set({ lease_until: Date.now() + lease.leaseMs })
    .where('lease_owner', '=', lease.owner)
    .where('status', '=', 'STARTED')
    .where('id', 'in', ids)
    .execute();
}

/** Returns owner's interrupted runs to PENDING without counting their attempt. */
export async function handBack(store: Store, owner: string, ids: string[]): Promise<void> {
  await store.db
    .updateTable('tasks')
    .set((eb) => ({ status: 'PENDING', lease_owner: null, lease_until: null, attempts: eb('attempts', '-', 1) }))
    .where('id', 'in', ids)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'STARTED')
    .execute();
}
