/**
 * Per-account count of live VMs, kept in the same transactions that create and expunge VMs, so unfiltered lists need
 * no COUNT(*). SQLite keeps one row per account. PostgreSQL spreads an account's count over SHARDS rows, one picked at
 * random by each change: a single row would be locked by each creating transaction until its commit, so one
 * account's concurrent creates would take turns; the count is the sum of the rows.
 */
import { sql } from 'kysely';
import type { Q } from '../../store/db.js';

/** PostgreSQL: how many rows one account's count is spread over. */
const SHARDS = 16;

/** The counter row name of an account's count (shard 0, the only one on SQLite). */
function liveVmsKey(accountId: string): string {
  return `live_vms:${accountId}`;
}

/** Counter rows with each account's shards summed into its one row, as a saved state holds them for either store. */
export function foldShards<T extends Record<string, unknown>>(rows: T[]): T[] {
  const out = new Map<string, T>();
  for (const r of rows) {
    const name = String(r.name);
    const base = name.startsWith('live_vms:') ? name.split('#')[0]! : name;
    const kept = out.get(base);
    if (kept) out.set(base, { ...kept, value: Number(kept.value) + Number(r.value) });
    else out.set(base, { ...r, name: base });
  }
  return [...out.values()];
}

function keys(accountId: string): string[] {
  const base = liveVmsKey(accountId);
  return [base, ...Array.from({ length: SHARDS - 1 }, (_, i) => `${base}#${i + 1}`)];
}

/** Adds delta to the account's live VM count, in the caller's transaction. */
export async function bumpLiveVms(q: Q, kind: 'sqlite' | 'postgres', accountId: string, delta: number): Promise<void> {
  if (kind === 'postgres') {
    const n = Math.floor(Math.random() * SHARDS);
    const shard = n === 0 ? liveVmsKey(accountId) : `${liveVmsKey(accountId)}#${n}`;
    await sql`insert into counters (name, value) values (${shard}, ${delta})
      on conflict (name) do update set value = counters.value + excluded.value`.execute(q);
    return;
  }
  await q
    .insertInto('counters')
    .values({ name: liveVmsKey(accountId), value: delta })
    .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('counters.value', '+', delta) })))
    .execute();
}

/** The account's live VM count (0 when it never had one). */
export async function liveVms(q: Q, kind: 'sqlite' | 'postgres', accountId: string): Promise<number> {
  if (kind === 'postgres') {
    const r = await q
      .selectFrom('counters')
      .select((eb) => eb.fn.sum<string | null>('value').as('n'))
      .where('name', 'in', keys(accountId))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }
  const r = await q.selectFrom('counters').select('value').where('name', '=', liveVmsKey(accountId)).executeTakeFirst();
  return Number(r?.value ?? 0);
}
