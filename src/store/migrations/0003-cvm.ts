/** CVM dialect support: an access flag on credentials, integer ids for hosts and templates, per-VM traffic accounting. */
import type { Kysely } from 'kysely';

/** Adds credentials.client_api, cvm_ids and vm_traffic. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('credentials')
    .addColumn('client_api', 'bigint', (c) => c.defaultTo(1))
    .execute();
  await db.schema
    .createTable('cvm_ids')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('serial', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('cvm_ids_pk', ['kind', 'object_id'])
    .execute();
  await db.schema.createIndex('cvm_ids_serial').on('cvm_ids').columns(['kind', 'serial']).unique().execute();
  const n = (name: string) => (t: any) => t.addColumn(name, 'bigint', (c: any) => c.notNull().defaultTo(0));
  let t: any = db.schema.createTable('vm_traffic').addColumn('vm_id', 'text', (c) => c.primaryKey());
  for (const col of ['total_limit', 'in_limit', 'out_limit', 'in_used', 'out_used', 'in_last', 'out_last'])
    t = n(col)(t);
  await t
    .addColumn('last_host_id', 'text')
    .addColumn('updated_at', 'text', (c: any) => c.notNull())
    .execute();
}
