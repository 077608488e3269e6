/** Aliases: other names of an object under a naming scheme (CVM's integer ids of hosts and templates are the first); cvm_ids moves in. */
import { sql, type Kysely } from 'kysely';

/** Adds aliases (object_type, object_id, scheme, alias), copies every cvm_ids row as a 'cvm' alias and drops cvm_ids. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('aliases')
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('scheme', 'text', (c) => c.notNull())
    .addColumn('alias', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('aliases_pk', ['object_type', 'scheme', 'object_id'])
    .execute();
  await db.schema
    .createIndex('aliases_by_alias')
    .on('aliases')
    .columns(['object_type', 'scheme', 'alias'])
    .unique()
    .execute();
  await sql`insert into aliases (object_type, object_id, scheme, alias)
    select kind, object_id, 'cvm', cast(serial as text) from cvm_ids`.execute(db);
  await db.schema.dropTable('cvm_ids').execute();
}
