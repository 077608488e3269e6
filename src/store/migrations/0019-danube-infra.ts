/** Danube infrastructure: a note per host, a network's settings (VLAN, NIC tag, MTU, resolvers, DNS domain) and a note and usage per leased address. */
import type { Kysely } from 'kysely';

/** Adds hosts.note, networks.settings (JSON, null = defaults), ip_leases.note and ip_leases.usage_code (null = by owner). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('hosts').addColumn('note', 'text').execute();
  await db.schema.alterTable('networks').addColumn('settings', 'text').execute();
  await db.schema.alterTable('ip_leases').addColumn('note', 'text').execute();
  await db.schema.alterTable('ip_leases').addColumn('usage_code', 'integer').execute();
}
