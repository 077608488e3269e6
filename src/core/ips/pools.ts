/** IpPoolService: the network settings of each zone's elastic IP pool (gateway, netmask, nameservers), set by the operator. */
import type { CoreDeps } from '../deps.js';
import type { NetworkRow } from '../../store/schema.js';
import { invalid, notFound } from '../../lib/errors.js';
import { intToIpv4, isIpv4, netmaskToPrefix, parseCidr } from '../net/ip.js';

/** What a static IP's holder needs to configure it: the pool's gateway, netmask and resolvers. */
export interface IpPoolSettings {
  zoneId: string;
  zoneName: string;
  gateway: string;
  netmask: string;
  nameservers: string[];
}

/** Reads and (for operators) changes the settings stored on every zone's ElasticIP network row. */
export class IpPoolService {
  constructor(private readonly deps: CoreDeps) {}

  /** Effective settings of a zone's pool; an unset gateway is the pool network's first address, unset resolvers the gateway. */
  async settings(zoneId: string): Promise<IpPoolSettings> {
    const zone = await this.deps.catalog.zone(zoneId);
    const row = await this.pool(zone.id);
    return effective(zone.id, zone.name, row);
  }

  /** Settings of every zone's pool, keyed by zone id. */
  async all(): Promise<Map<string, IpPoolSettings>> {
    const out = new Map<string, IpPoolSettings>();
    for (const z of await this.deps.catalog.listZones()) {
      const row = await this.deps.store.db
        .selectFrom('networks')
        .selectAll()
        .where('zone_id', '=', z.id)
        .where('type', '=', 'ElasticIP')
        .where('removed_at', 'is', null)
        .orderBy('created_at')
        .executeTakeFirst();
      if (row) out.set(z.id, effective(z.id, z.name, row));
    }
    return out;
  }

  /** Operator command: changes a zone's (by id or name) pool settings; fields not given keep their value. A pool belongs to no account, so no task is recorded. */
  async set(
    zone: string,
    input: { gateway?: string; netmask?: string; nameservers?: string[] },
  ): Promise<IpPoolSettings> {
    const z = (await this.deps.catalog.listZones()).find((x) => x.id === zone || x.name === zone);
    if (!z) throw notFound('zone', zone, 'object');
    const row = await this.pool(z.id);
    if (input.gateway !== undefined && !isIpv4(input.gateway))
      throw invalid(`Invalid gateway: ${input.gateway}`, 'gateway');
    if (input.netmask !== undefined) netmaskToPrefix(input.netmask, 'netmask');
    for (const ns of input.nameservers ?? [])
      if (!isIpv4(ns)) throw invalid(`Invalid nameserver: ${ns}`, 'nameservers');
    const set: Partial<NetworkRow> = {};
    if (input.gateway !== undefined) set.gateway = input.gateway;
    if (input.netmask !== undefined) set.netmask = input.netmask;
    if (input.nameservers !== undefined) set.nameservers = input.nameservers.join(' ') || null;
    if (Object.keys(set).length)
      await this.deps.store.db.updateTable('networks').set(set).where('id', '=', row.id).execute();
    return this.settings(z.id);
  }

  private async pool(zoneId: string): Promise<NetworkRow> {
    const row = await this.deps.store.db
      .selectFrom('networks')
      .selectAll()
      .where('zone_id', '=', zoneId)
      .where('type', '=', 'ElasticIP')
      .where('removed_at', 'is', null)
      .orderBy('created_at')
      .executeTakeFirst();
    if (!row) throw notFound('elastic IP pool of zone', zoneId, 'object');
    return row;
  }
}

function effective(zoneId: string, zoneName: string, row: NetworkRow): IpPoolSettings {
  const gateway = row.gateway ?? intToIpv4(parseCidr(row.cidr).first! + 1);
  const nameservers = row.nameservers ? row.nameservers.split(/\s+/).filter(Boolean) : [gateway];
  return { zoneId, zoneName, gateway, netmask: row.netmask, nameservers };
}
