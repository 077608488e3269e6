/** Whole-table row moves shared by reset and state load: clearing every state table and inserting rows in batches. */
import type { Kysely, Transaction } from 'kysely';
import type { Q } from '../../store/db.js';
import type { DB } from '../../store/schema.js';
import { SETTINGS } from '../../store/settings.js';

/** A row as the database hands it out and takes it back: column name to number, text or null. */
export type PlainRow = Record<string, unknown>;

/** Settings that belong to the store, not to its state: its master key check value and its compute driver. */
export const STORE_SETTINGS: readonly string[] = [SETTINGS.keyCheck, SETTINGS.driver];

/** Bound values per INSERT, under both databases' limits (SQLite 32766, PostgreSQL 65535). */
const MAX_VALUES = 30000;

/** Deletes every row of the state tables, except the settings that belong to the store. */
export async function clearTables(trx: Transaction<DB>, tables: readonly string[]): Promise<void> {
  const t = trx as unknown as Transaction<Record<string, PlainRow>>;
  for (const table of tables) {
    let del = t.deleteFrom(table);
    if (table === 'settings') del = del.where('key', 'not in', [...STORE_SETTINGS]);
    await del.execute();
  }
}

/** Inserts rows (all with the same columns) into a table, many per statement. */
export async function insertRows(trx: Transaction<DB>, table: string, rows: readonly PlainRow[]): Promise<void> {
  if (rows.length === 0) return;
  const t = trx as unknown as Transaction<Record<string, PlainRow>>;
  const per = Math.max(1, Math.min(500, Math.floor(MAX_VALUES / Math.max(1, Object.keys(rows[0]!).length))));
  for (let i = 0; i < rows.length; i += per)
    await t
      .insertInto(table)
      .values(rows.slice(i, i + per))
      .execute();
}

/** Every row of a table, as the database hands them out. */
export async function allRows(q: Q, table: string): Promise<PlainRow[]> {
  return (q as unknown as Kysely<Record<string, PlainRow>>).selectFrom(table).selectAll().execute();
}
