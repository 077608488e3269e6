/**
 * VM serials (the integer id some dialects show). SQLite takes them from the `vm_serial` counter row in the creating
 * transaction (one writer at a time anyway). PostgreSQL takes them from the `vm_serial_seq` sequence, which locks
 * nothing: a counter row would be held by each creating transaction until its commit, so concurrent creates would take
 * turns for their whole length. The counter row stays the serial's record in saved states, and the sequence is moved
 * to it after a state is replaced.
 */
import { sql } from 'kysely';
import type { Q } from './db.js';

/** Which store the serial comes from. */
export type SerialStore = 'sqlite' | 'postgres';

/** The next VM serial, in the caller's transaction; a rolled-back create leaves a gap on PostgreSQL. */
export async function nextSerial(q: Q, kind: SerialStore): Promise<number> {
  if (kind === 'postgres') {
    const r = await sql<{ value: string }>`select nextval('vm_serial_seq') as value`.execute(q);
    return Number(r.rows[0]!.value);
  }
  const r = await sql<{
    value: number;
  }>`update counters set value = value + 1 where name = 'vm_serial' returning value`.execute(q);
  return Number(r.rows[0]!.value);
}

/** The next n VM serials (ascending), in the caller's transaction, with one statement whatever n. */
export async function nextSerials(q: Q, kind: SerialStore, n: number): Promise<number[]> {
  if (n === 1) return [await nextSerial(q, kind)];
  if (kind === 'postgres') {
    const r = await sql<{
      value: string;
    }>`select nextval('vm_serial_seq') as value from generate_series(1, ${n}::int) order by 1`.execute(q);
    return r.rows.map((row) => Number(row.value));
  }
  const r = await sql<{
    value: number;
  }>`update counters set value = value + ${n} where name = 'vm_serial' returning value`.execute(q);
  const top = Number(r.rows[0]!.value);
  return Array.from({ length: n }, (_, i) => top - n + 1 + i);
}

/** PostgreSQL: the last serial handed out, for the counter row of a saved state; undefined on SQLite (the row is exact). */
export async function lastSerial(q: Q, kind: SerialStore): Promise<number | undefined> {
  if (kind !== 'postgres') return undefined;
  const r = await sql<{
    value: string;
    used: boolean;
  }>`select last_value as value, is_called as used from vm_serial_seq`.execute(q);
  const row = r.rows[0]!;
  return row.used ? Number(row.value) : Number(row.value) - 1;
}

/**
 * PostgreSQL: moves the sequence to the counter row or the highest serial held, whichever is higher (after a reset or
 * a state load replaced both), so the next VM gets the number SQLite would give it. Sequences ignore transactions, so
 * this runs after the replacing transaction committed.
 */
export async function syncSerialSequence(q: Q, kind: SerialStore): Promise<void> {
  if (kind !== 'postgres') return;
  await sql`select setval('vm_serial_seq', greatest(
    coalesce((select value from counters where name = 'vm_serial'), 0),
    coalesce((select max(serial) from vms), 0)) + 1, false)`.execute(q);
}
