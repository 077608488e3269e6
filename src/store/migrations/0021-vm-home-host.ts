/** VM home hosts: the host a VM returns to when it starts, set by a migration (Danube keeps a stopped VM on its node). */
import type { Kysely } from 'kysely';

/** Adds vms.home_host_id, the host placement tries first for the VM (null = any host of its zone). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('vms').addColumn('home_host_id', 'text').execute();
}
