/**
 * The NICs new VMs get, for one VM or a batch alike: its zone's guest network first, then each network it names;
 * addresses leased per network and MACs chosen for the whole lot at once, one insert for every NIC.
 */
import type { Q } from '../../store/db.js';
import type { NetworkRow } from '../../store/schema.js';
import { invalid } from '../../lib/errors.js';
import { orderedId } from '../../lib/util.js';
import { leaseAddress, leaseAddresses } from '../networks/ipam.js';
import { automaticMacs } from './macs.js';
import { guestNetworks } from './rows.js';

/** What one new VM's NICs depend on: its account, zone and serial, the extra networks it names, a chosen address. */
export interface NicRequest {
  vmId: string;
  accountId: string;
  zoneId: string;
  serial: number;
  networkIds?: string[];
  /** The address of its first NIC (on the guest network), when chosen. */
  ip?: string;
}

/** One NIC to write. */
interface NewNic {
  id: string;
  vmId: string;
  serial: number;
  device: number;
  network: NetworkRow;
  wanted?: string;
}

/** Each request's NICs in device order; Invalid for a network the account cannot use or outside the VM's zone. */
async function planned(q: Q, reqs: readonly NicRequest[]): Promise<NewNic[]> {
  const guests = await guestNetworks(q, [...new Set(reqs.map((r) => r.zoneId))]);
  const extra = [...new Set(reqs.flatMap((r) => r.networkIds ?? []))];
  const found = extra.length
    ? await q.selectFrom('networks').selectAll().where('id', 'in', extra).where('removed_at', 'is', null).execute()
    : [];
  const byId = new Map(found.map((n) => [n.id, n]));
  return reqs.flatMap((r) => {
    const shared = guests.get(r.zoneId)!;
    const nets = [shared];
    for (const nid of r.networkIds ?? []) {
      if (nid === shared.id) continue;
      const n = byId.get(nid);
      if (!n || n.type === 'ElasticIP' || (n.account_id !== null && n.account_id !== r.accountId))
        throw invalid(`Unable to find network ${nid}`, 'networkIds');
      if (n.zone_id !== r.zoneId) throw invalid(`Network ${nid} is not in the VM's zone`, 'networkIds');
      nets.push(n);
    }
    return nets.map((network, device) => ({
      id: orderedId(),
      vmId: r.vmId,
      serial: r.serial,
      device,
      network,
      wanted: device === 0 ? r.ip : undefined,
    }));
  });
}

/** Writes the NICs of new VMs: chosen addresses leased first, the rest per network together; one insert for all. */
export async function insertNewNics(q: Q, reqs: readonly NicRequest[], now: string): Promise<void> {
  const nics = await planned(q, reqs);
  const addresses = new Map<string, string>();
  const leasing = new Map<string, { network: NetworkRow; owners: string[] }>();
  for (const nic of nics) {
    if (nic.network.managed !== 1 && nic.network.type !== 'Shared') continue;
    if (nic.wanted) {
      addresses.set(nic.id, await leaseAddress(q, nic.network, nic.id, nic.wanted));
      continue;
    }
    const entry = leasing.get(nic.network.id) ?? { network: nic.network, owners: [] };
    entry.owners.push(nic.id);
    leasing.set(nic.network.id, entry);
  }
  for (const { network, owners } of leasing.values()) {
    const leased = await leaseAddresses(q, network, owners);
    owners.forEach((o, i) => addresses.set(o, leased[i]!));
  }
  const macs = await automaticMacs(q, nics);
  await q
    .insertInto('nics')
    .values(
      nics.map((n, i) => ({
        id: n.id,
        vm_id: n.vmId,
        network_id: n.network.id,
        ip_address: addresses.get(n.id) ?? null,
        ip6_address: null,
        mac_address: macs[i]!,
        is_default: n.device === 0 ? 1 : 0,
        device_id: n.device,
        created_at: now,
      })),
    )
    .execute();
}
