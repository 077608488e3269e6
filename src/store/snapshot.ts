/**
 * Consistent reads of the whole store while it keeps serving: SQLite through a read transaction on a connection of
 * its own (WAL lets the writer go on), PostgreSQL in one read-only repeatable-read transaction.
 */
import Database from 'better-sqlite3';
import { Kysely, sql, SqliteDialect } from 'kysely';
import type { Q, Store } from './db.js';
import type { DB } from './schema.js';

/** Runs fn over one snapshot of the committed data: every read it makes sees the same moment. */
export async function readSnapshot<T>(store: Store, fn: (q: Q) => Promise<T>): Promise<T> {
  if (store.kind === 'postgres') {
    return store.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        await sql`set transaction read only`.execute(trx);
        return fn(trx);
      });
  }
  if (!store.sqlitePath || store.sqlitePath === ':memory:') return fn(store.db);
  const db = new Kysely<DB>({
    dialect: new SqliteDialect({ database: new Database(store.sqlitePath, { readonly: true, fileMustExist: true }) }),
  });
  try {
    return await db.transaction().execute(fn);
  } finally {
    await db.destroy();
  }
}
