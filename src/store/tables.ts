/** The store's tables as data (names, auto-numbered columns), for code that copies or clears every table at once. */
import { sql } from 'kysely';
import type { Q } from './db.js';

/** Bookkeeping tables that are not state: the applied migrations and the data versions. */
const BOOKKEEPING = new Set(['nube_migrations', 'data_versions']);

/** Names of the tables holding state, sorted, as the database itself lists them. */
export async function stateTables(q: Q, kind: 'sqlite' | 'postgres'): Promise<string[]> {
  const rows =
    kind === 'sqlite'
      ? await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(q)
      : await sql<{
          name: string;
        }>`select tablename as name from pg_tables where schemaname = current_schema()`.execute(q);
  return rows.rows
    .map((r) => r.name)
    .filter((n) => !BOOKKEEPING.has(n))
    .sort();
}

/** The last applied migration: what a copy of the state must match to be read back. */
export async function schemaVersion(q: Q): Promise<string> {
  const r = await sql<{ name: string }>`select max(name) as name from nube_migrations`.execute(q);
  return r.rows[0]?.name ?? '';
}

/** PostgreSQL: moves every serial column's sequence past the highest value its table holds (after rows were inserted with their ids). */
export async function resyncSequences(q: Q, kind: 'sqlite' | 'postgres'): Promise<void> {
  if (kind !== 'postgres') return;
  const cols = await sql<{ t: string; c: string }>`
    select table_name as t, column_name as c from information_schema.columns
    where table_schema = current_schema() and column_default like 'nextval(%'`.execute(q);
  for (const { t, c } of cols.rows) {
    await sql`select setval(pg_get_serial_sequence(${t}, ${c}), coalesce((select max(${sql.ref(c)}) from ${sql.table(t)}), 0) + 1, false)`.execute(
      q,
    );
  }
}

/**
 * Runs fn with the tables' triggers off, inside the caller's transaction, so rows copied in whole (a state load, a
 * reset) are not logged a second time by the triggers that log changes (vm_usage_log) nor bump the data version row
 * by row (the caller bumps it once). SQLite: the triggers are dropped and created again; PostgreSQL: disabled and
 * enabled again (the store's owner may). Both are part of the transaction: a failure leaves them as they were.
 */
export async function withoutTriggers<T>(q: Q, kind: 'sqlite' | 'postgres', fn: () => Promise<T>): Promise<T> {
  if (kind === 'sqlite') {
    const triggers = await sql<{
      name: string;
      sql: string;
    }>`select name, sql from sqlite_master where type = 'trigger' order by name`.execute(q);
    for (const t of triggers.rows) await sql`drop trigger ${sql.id(t.name)}`.execute(q);
    const out = await fn();
    for (const t of triggers.rows) await sql.raw(t.sql).execute(q);
    return out;
  }
  const tables = await stateTables(q, kind);
  for (const t of tables) await sql`alter table ${sql.table(t)} disable trigger user`.execute(q);
  const out = await fn();
  for (const t of tables) await sql`alter table ${sql.table(t)} enable trigger user`.execute(q);
  return out;
}
