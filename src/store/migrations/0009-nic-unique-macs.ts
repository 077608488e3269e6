/**
 * Live NICs get distinct MACs and IPv6 addresses, enforced by unique indexes: NICs gain removed_at (set when their VM is
 * removed), a live NIC sharing its MAC with an older live NIC gets a spare MAC, and every activated IPv6 address is
 * derived again from its NIC's (now unique) MAC.
 */
import { sql, type Kysely } from 'kysely';
import { ip6FromMac, spareMac } from '../../lib/mac.js';

interface LiveNic {
  id: string;
  mac_address: string;
  ip6_address: string | null;
  zone_id: string;
}

/** Adds nics.removed_at, repairs duplicates and adds the indexes nics_live_mac and nics_live_ip6. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('nics').addColumn('removed_at', 'text').execute();
  await sql`update nics set removed_at = (select v.removed_at from vms v where v.id = nics.vm_id)
    where exists (select 1 from vms v where v.id = nics.vm_id and v.removed_at is not null)`.execute(db);
  await sql`update nics set removed_at = ${new Date().toISOString()}
    where not exists (select 1 from vms v where v.id = nics.vm_id)`.execute(db);
  const live: LiveNic[] = await db
    .selectFrom('nics')
    .innerJoin('vms', 'vms.id', 'nics.vm_id')
    .select(['nics.id', 'nics.mac_address', 'nics.ip6_address', 'vms.zone_id'])
    .where('nics.removed_at', 'is', null)
    .orderBy('nics.created_at')
    .orderBy('nics.id')
    .execute();
  const used = new Set(live.map((n) => n.mac_address));
  const seen = new Set<string>();
  for (const nic of live) {
    let mac = nic.mac_address;
    if (seen.has(mac)) {
      do mac = spareMac();
      while (used.has(mac));
      used.add(mac);
    }
    seen.add(mac);
    const ip6 = nic.ip6_address ? ip6FromMac(nic.zone_id, mac) : null;
    if (mac !== nic.mac_address || ip6 !== nic.ip6_address) {
      await db.updateTable('nics').set({ mac_address: mac, ip6_address: ip6 }).where('id', '=', nic.id).execute();
    }
  }
  await db.schema
    .createIndex('nics_live_mac')
    .on('nics')
    .column('mac_address')
    .unique()
    .where(sql<boolean>`removed_at is null`)
    .execute();
  await db.schema
    .createIndex('nics_live_ip6')
    .on('nics')
    .column('ip6_address')
    .unique()
    .where(sql<boolean>`removed_at is null and ip6_address is not null`)
    .execute();
}
