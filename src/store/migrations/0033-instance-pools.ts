/** Instance pools: a pool's settings and wanted size, and the VMs it manages (members), so the reconciler survives restarts. */
import type { Kysely } from 'kysely';

/** Adds instance_pools (one row per pool, deleted once its members are gone) and instance_pool_members (one row per managed VM). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('instance_pools')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('zone_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('service_offering_id', 'text', (c) => c.notNull())
    .addColumn('template_id', 'text', (c) => c.notNull())
    .addColumn('root_disk_gb', 'integer')
    .addColumn('keypair', 'text')
    .addColumn('userdata', 'text')
    .addColumn('security_group_ids', 'text', (c) => c.notNull())
    .addColumn('affinity_group_ids', 'text', (c) => c.notNull())
    .addColumn('network_ids', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('instance_pools_account')
    .on('instance_pools')
    .columns(['account_id', 'created_at'])
    .execute();
  await db.schema
    .createTable('instance_pool_members')
    .addColumn('vm_id', 'text', (c) => c.primaryKey())
    .addColumn('pool_id', 'text', (c) => c.notNull())
    .addColumn('leaving', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('instance_pool_members_pool').on('instance_pool_members').column('pool_id').execute();
}
