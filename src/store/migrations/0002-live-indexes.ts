/** Partial indexes over live (not removed) VMs and volumes, so counting and paging an account's list stays fast at 100k rows. */
import { sql, type Kysely } from 'kysely';

/** Adds the live-row indexes. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('vms_live_account_created')
    .on('vms')
    .columns(['account_id', 'created_at', 'id'])
    .where(sql<boolean>`removed_at is null`)
    .execute();
  await db.schema
    .createIndex('volumes_live_account_created')
    .on('volumes')
    .columns(['account_id', 'created_at', 'id'])
    .where(sql<boolean>`removed_at is null`)
    .execute();
  await db.schema
    .createIndex('vms_live_host')
    .on('vms')
    .column('host_id')
    .where(sql<boolean>`host_id is not null`)
    .execute();
}
