/** VM definitions (a VM described before it is deployed): a note and settings on the VM, a bus model and boot flag on volumes, a model on NICs. */
import type { Kysely } from 'kysely';

/** Adds vms.note, vms.settings (JSON text), volumes.model, volumes.boot and nics.model, all nullable. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('vms').addColumn('note', 'text').execute();
  await db.schema.alterTable('vms').addColumn('settings', 'text').execute();
  await db.schema.alterTable('volumes').addColumn('model', 'text').execute();
  await db.schema.alterTable('volumes').addColumn('boot', 'integer').execute();
  await db.schema.alterTable('nics').addColumn('model', 'text').execute();
}
