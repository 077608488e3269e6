/** The VM as every dialect sees it, assembled from its row and related rows in a fixed number of queries. */
import type { Q } from '../../store/db.js';
import type { VmRow } from '../../store/schema.js';
import type { CatalogService } from '../catalog/service.js';
import { flag } from '../../lib/util.js';

/** VM lifecycle states of the core (`defined`: described but not deployed on any host); dialects map them to their own words. */
export type VmState =
  | 'defined'
  | 'creating'
  | 'starting'
  | 'running'
  | 'stopping'
  | 'stopped'
  | 'rebooting'
  | 'restoring'
  | 'destroying'
  | 'destroyed'
  | 'error'
  | 'suspended'
  | 'terminated';

/** A NIC with its network's addressing. */
export interface NicView {
  id: string;
  networkId: string;
  networkName: string;
  networkType: string;
  ipAddress: string | null;
  ip6Address: string | null;
  macAddress: string;
  isDefault: boolean;
  deviceId: number;
  gateway: string | null;
  netmask: string;
  secondaryIps: Array<{ id: string; ipAddress: string }>;
}

/** Everything a dialect may show about a VM. */
export interface VmView {
  id: string;
  serial: number;
  accountId: string;
  accountName: string;
  zoneId: string;
  zoneName: string;
  hostId: string | null;
  /** The host a migration moved the VM to: it starts there next (0021); null when never moved. */
  homeHostId?: string | null;
  name: string;
  displayName: string;
  group: string | null;
  state: VmState;
  offeringId: string;
  offeringName: string;
  templateId: string;
  templateName: string;
  templateDisplayText: string;
  passwordEnabled: boolean;
  guestOsId: string;
  /** vCPUs, MHz per vCPU, memory in MB. */
  cpuCount: number;
  cpuMhz: number;
  memoryMb: number;
  sshKeyName: string | null;
  haEnable: boolean;
  displayVm: boolean;
  created: string;
  /** When the VM's row last changed. */
  updated: string;
  rootDiskSize: number;
  rootVolumeId: string | null;
  userData: string | null;
  nics: NicView[];
  securityGroups: Array<{ id: string; name: string; description: string }>;
  affinityGroups: Array<{ id: string; name: string; type: string; description: string }>;
  tags: Array<{ key: string; value: string }>;
}

/** Builds views for rows (in order) with one query per related table. */
export async function loadVmViews(q: Q, catalog: CatalogService, rows: VmRow[]): Promise<VmView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const accountIds = [...new Set(rows.map((r) => r.account_id))];
  const [nics, secondary, sgs, ags, tags, roots, accounts, offerings] = await Promise.all([
    q
      .selectFrom('nics')
      .innerJoin('networks', 'networks.id', 'nics.network_id')
      .select([
        'nics.id',
        'nics.vm_id',
        'nics.network_id',
        'nics.ip_address',
        'nics.ip6_address',
        'nics.mac_address',
        'nics.is_default',
        'nics.device_id',
        'networks.name as network_name',
        'networks.type as network_type',
        'networks.gateway',
        'networks.netmask',
      ])
      .where('nics.vm_id', 'in', ids)
      .orderBy('nics.device_id')
      .execute(),
    // By the NICs' VMs, not their ids, so it goes out with the other reads instead of after the NICs are read.
    q
      .selectFrom('nic_secondary_ips as s')
      .innerJoin('nics as n', 'n.id', 's.nic_id')
      .select(['s.id', 's.nic_id', 's.ip_address'])
      .where('n.vm_id', 'in', ids)
      .execute(),
    q
      .selectFrom('vm_security_groups as l')
      .innerJoin('security_groups as g', 'g.id', 'l.group_id')
      .select(['l.vm_id', 'g.id', 'g.name', 'g.description'])
      .where('l.vm_id', 'in', ids)
      .orderBy('g.name')
      .execute(),
    q
      .selectFrom('vm_affinity_groups as l')
      .innerJoin('affinity_groups as g', 'g.id', 'l.group_id')
      .select(['l.vm_id', 'g.id', 'g.name', 'g.type', 'g.description'])
      .where('l.vm_id', 'in', ids)
      .orderBy('g.name')
      .execute(),
    q
      .selectFrom('tags')
      .select(['resource_id', 'key', 'value'])
      .where('resource_id', 'in', ids)
      .orderBy('key')
      .execute(),
    q
      .selectFrom('volumes')
      .select(['id', 'vm_id', 'size'])
      .where('vm_id', 'in', ids)
      .where('type', '=', 'ROOT')
      .where('removed_at', 'is', null)
      .execute(),
    q.selectFrom('accounts').select(['id', 'name']).where('id', 'in', accountIds).execute(),
    catalog.listServiceOfferings(),
  ]);
  const group = <T extends { vm_id: string | null }>(list: T[]) => {
    const m = new Map<string, T[]>();
    for (const x of list) {
      if (!x.vm_id) continue;
      const a = m.get(x.vm_id) ?? [];
      a.push(x);
      m.set(x.vm_id, a);
    }
    return m;
  };
  const nicBy = group(nics);
  const sgBy = group(sgs);
  const agBy = group(ags);
  const tagBy = new Map<string, Array<{ key: string; value: string }>>();
  for (const t of tags) {
    const a = tagBy.get(t.resource_id) ?? [];
    a.push({ key: t.key, value: t.value });
    tagBy.set(t.resource_id, a);
  }
  const rootBy = new Map(roots.map((r) => [r.vm_id!, r]));
  const accountBy = new Map(accounts.map((a) => [a.id, a.name]));
  const offeringBy = new Map(offerings.map((o) => [o.id, o]));
  const views: VmView[] = [];
  for (const r of rows) {
    const tpl = await catalog.templateForDisplay(r.template_id);
    const zone = await catalog.zoneOrUndefined(r.zone_id);
    const root = rootBy.get(r.id);
    views.push({
      id: r.id,
      serial: Number(r.serial),
      accountId: r.account_id,
      accountName: accountBy.get(r.account_id) ?? '',
      zoneId: r.zone_id,
      zoneName: zone?.name ?? '',
      hostId: r.host_id,
      homeHostId: r.home_host_id ?? null,
      name: r.name,
      displayName: r.display_name,
      group: r.group_name,
      state: r.state as VmState,
      offeringId: r.service_offering_id,
      offeringName: offeringBy.get(r.service_offering_id)?.name ?? '',
      templateId: r.template_id,
      templateName: tpl?.name ?? '',
      templateDisplayText: tpl?.display_text ?? '',
      passwordEnabled: flag(tpl?.password_enabled),
      guestOsId: tpl?.os_type_id ?? '',
      cpuCount: Number(r.cpu_number),
      cpuMhz: Number(r.cpu_speed),
      memoryMb: Number(r.memory),
      sshKeyName: r.keypair,
      haEnable: flag(r.ha_enable),
      displayVm: flag(r.display_vm),
      created: r.created_at,
      updated: r.updated_at,
      rootDiskSize: root ? Number(root.size) : Number(r.root_disk_size),
      rootVolumeId: root?.id ?? null,
      userData: r.userdata,
      nics: (nicBy.get(r.id) ?? []).map((n) => ({
        id: n.id,
        networkId: n.network_id,
        networkName: n.network_name,
        networkType: n.network_type,
        ipAddress: n.ip_address,
        ip6Address: n.ip6_address,
        macAddress: n.mac_address,
        isDefault: flag(n.is_default),
        deviceId: Number(n.device_id),
        gateway: n.gateway,
        netmask: n.netmask,
        secondaryIps: secondary.filter((s) => s.nic_id === n.id).map((s) => ({ id: s.id, ipAddress: s.ip_address })),
      })),
      securityGroups: (sgBy.get(r.id) ?? []).map((g) => ({ id: g.id, name: g.name, description: g.description })),
      affinityGroups: (agBy.get(r.id) ?? []).map((g) => ({
        id: g.id,
        name: g.name,
        type: g.type,
        description: g.description,
      })),
      tags: tagBy.get(r.id) ?? [],
    });
  }
  return views;
}
