/** Store-wide settings as key/value rows: the master key check value and the compute driver `nube serve` last ran with. */
import type { Kysely } from 'kysely';

/** Adds the settings table. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}
