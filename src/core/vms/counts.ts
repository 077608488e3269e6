/** Per-account count of live VMs, kept in the same transactions that create and expunge VMs, so unfiltered lists need no COUNT(*). */
import type { Q } from '../../store/db.js';

const key = (accountId: string) => `live_vms:${accountId}`;

/** Adds delta to the account's live VM count, in the caller's transaction. */
export async function bumpLiveVms(q: Q, accountId: string, delta: number): Promise<void> {
  await q
    .insertInto('counters')
    .values({ name: key(accountId), value: delta })
    .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('counters.value', '+', delta) })))
    .execute();
}

/** The account's live VM count (0 when it never had one). */
export async function liveVms(q: Q, accountId: string): Promise<number> {
  const r = await q.selectFrom('counters').select('value').where('name', '=', key(accountId)).executeTakeFirst();
  return Number(r?.value ?? 0);
}
