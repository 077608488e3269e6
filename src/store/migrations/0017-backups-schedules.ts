/** Backups of VM disks kept apart from their volumes, and schedules (snapshot and backup definitions) per VM disk. */
import { sql, type Kysely } from 'kysely';

/** Adds backups and disk_schedules, and snapshots.note and snapshots.definition_id (which schedule made it). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('disk_schedules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('vm_id', 'text', (c) => c.notNull())
    .addColumn('disk_index', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('schedule', 'text', (c) => c.notNull())
    .addColumn('retention', 'integer', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('next_run_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('disk_schedules_name')
    .on('disk_schedules')
    .columns(['vm_id', 'kind', 'name'])
    .unique()
    .execute();
  await db.schema
    .createIndex('disk_schedules_due')
    .on('disk_schedules')
    .column('next_run_at')
    .where(sql<boolean>`active = 1`)
    .execute();

  await db.schema
    .createTable('backups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('vm_id', 'text', (c) => c.notNull())
    .addColumn('disk_index', 'integer', (c) => c.notNull())
    .addColumn('volume_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('definition_id', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('removed_at', 'text')
    .execute();
  await db.schema
    .createIndex('backups_live_vm')
    .on('backups')
    .columns(['vm_id', 'created_at'])
    .where(sql<boolean>`removed_at is null`)
    .execute();
  await db.schema.createIndex('backups_account').on('backups').column('account_id').execute();

  await db.schema.alterTable('snapshots').addColumn('note', 'text').execute();
  await db.schema.alterTable('snapshots').addColumn('definition_id', 'text').execute();
}
