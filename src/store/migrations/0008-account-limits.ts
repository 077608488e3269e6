/** Per-account quota overrides: one row per account and limited resource that the operator set; others use the defaults. */
import type { Kysely } from 'kysely';

/** Adds account_limits (account, resource name, max; -1 = unlimited). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('account_limits')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('max', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_limits_pk', ['account_id', 'name'])
    .execute();
}
