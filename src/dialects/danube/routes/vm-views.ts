/** What the /vm/ routes share: finding the caller's VM in the DC in force, and Danube's VM, definition, disk and NIC objects. */
import type { VmState, VmView } from '../../../core/vms/model.js';
import type { VmDefinitionExtras } from '../../../core/vms/service.js';
import type { VmDiskView } from '../../../core/vms/define-disks.js';
import { apiError } from '../answers.js';
import type { DanubeRequest } from '../request.js';
import { diskImageNames } from './image.js';

/** Danube's status word of each core VM state. */
const STATUS: Record<VmState, string> = {
  defined: 'notcreated',
  creating: 'deploying',
  starting: 'stopped',
  running: 'running',
  stopping: 'stopping',
  stopped: 'stopped',
  rebooting: 'stopping',
  restoring: 'stopped-',
  destroying: 'notready',
  destroyed: 'notcreated',
  error: 'error',
  suspended: 'frozen',
  terminated: 'notready',
};

/** The Danube status of a core VM state. */
export const statusOf = (s: VmState): string => STATUS[s] ?? 'unknown';

/** Danube's ostype numbers and the settings key that keeps it. */
export const OSTYPES = [1, 2, 3, 4, 5, 6] as const;

/** One of the caller's VMs by the :vm parameter (host name or uuid) in the DC in force, or 404 `VM not found`. */
export async function vmOf(q: DanubeRequest): Promise<VmView> {
  const vm = await q.core.vms.byNameOrId(q.ctx, q.params.vm ?? '');
  if (q.dc.zoneId && vm.zoneId !== q.dc.zoneId) throw apiError(404, 'VM not found');
  return vm;
}

/** The caller's VMs in the DC in force. */
export async function vmsInDc(q: DanubeRequest): Promise<VmView[]> {
  return (await q.core.vms.list(q.ctx, q.dc.zoneId ? { zoneId: q.dc.zoneId } : {})).items;
}

/** What serializing VMs needs besides the VMs: their definitions, host names and disk images' Danube names. */
export interface VmContext {
  defs: Map<string, VmDefinitionExtras>;
  hosts: Map<string, string>;
  templates: Map<string, string>;
}

/** The node a VM runs on, or for a stopped VM the one a migration moved it to. */
const nodeOf = (c: VmContext, vm: VmView): string | null => {
  const host = vm.hostId ?? vm.homeHostId;
  return host ? (c.hosts.get(host) ?? null) : null;
};

/** Loads the definitions, host names and template names the views of these VMs show. */
export async function vmContext(q: DanubeRequest, vms: VmView[]): Promise<VmContext> {
  const [defs, hosts, templates] = await Promise.all([
    q.core.vms.definitions(q.ctx, vms),
    q.core.hosts.list(),
    q.core.catalog.visibleTemplates(q.ctx, 'executable'),
  ]);
  return {
    defs,
    hosts: new Map(hosts.map((h) => [h.id, h.name])),
    templates: diskImageNames(templates),
  };
}

const MB = (vm: VmView, c: VmContext) => (c.defs.get(vm.id)?.disks ?? []).reduce((n, d) => n + d.sizeMb, 0);

/** A VM as GET /vm/ (full) and GET /vm/<h>/ show it. */
export function vmObject(vm: VmView, c: VmContext): Record<string, unknown> {
  return {
    hostname: vm.name,
    uuid: vm.id,
    alias: vm.displayName,
    node: nodeOf(c, vm),
    owner: vm.accountName,
    status: statusOf(vm.state),
    node_status: vm.hostId ? 'online' : null,
    vcpus: vm.cpuCount,
    ram: vm.memoryMb,
    disk: MB(vm, c),
    ips: vm.nics.map((n) => n.ipAddress).filter((ip): ip is string => !!ip),
    uptime: 0,
    locked: false,
    changed: false,
  };
}

/** The extended fields GET /vm/?extended adds. */
export function vmExtended(vm: VmView, c: VmContext): Record<string, unknown> {
  return {
    ...vmObject(vm, c),
    tags: vm.tags.map((t) => t.key),
    snapshot_define_inactive: 0,
    snapshots: 0,
    backups: 0,
    slaves: [],
    size_snapshots: 0,
    size_backups: 0,
    dc: vm.zoneName,
  };
}

/** A disk of a definition as define/disk/ shows it. */
export function diskObject(d: VmDiskView, c: VmContext): Record<string, unknown> {
  return {
    size: d.sizeMb,
    image: d.templateId ? (c.templates.get(d.templateId) ?? d.templateId) : null,
    model: d.model,
    boot: d.boot,
    block_size: null,
    compression: 'off',
    zpool: 'zones',
    refreservation: d.sizeMb,
    image_tags_inherit: true,
  };
}

/** A NIC of a definition as define/nic/ shows it. */
export function nicObject(vm: VmView, i: number, c: VmContext): Record<string, unknown> {
  const n = vm.nics[i]!;
  return {
    net: n.networkName,
    ip: n.ipAddress,
    netmask: n.netmask,
    gateway: n.gateway,
    mac: n.macAddress,
    model: c.defs.get(vm.id)?.nicModels.get(n.id) ?? 'virtio',
    vlan_id: 0,
    nic_tag: 'admin',
    mtu: 1500,
    dns: i === 0,
    primary: n.isDefault,
    monitoring: i === 0,
    use_net_dns: false,
    set_gateway: true,
    allow_dhcp_spoofing: false,
    allow_ip_spoofing: false,
    allow_mac_spoofing: false,
    allow_restricted_traffic: false,
    allow_unfiltered_promisc: false,
    allowed_ips: [],
  };
}

/** A VM definition as GET /vm/<h>/define/ shows it; full adds its disks and NICs. */
export function defineObject(vm: VmView, c: VmContext, full: boolean): Record<string, unknown> {
  const def = c.defs.get(vm.id);
  const s = def?.settings ?? {};
  const out: Record<string, unknown> = {
    hostname: vm.name,
    uuid: vm.id,
    alias: vm.displayName,
    template: c.templates.get(vm.templateId) ?? null,
    ostype: Number(s.ostype ?? 1),
    hvm_type: s.hvm_type ?? 'kvm',
    vcpus: vm.cpuCount,
    ram: vm.memoryMb,
    note: def?.note ?? '',
    owner: vm.accountName,
    node: nodeOf(c, vm),
    tags: vm.tags.map((t) => t.key),
    monitored: s.monitored !== 'false',
    installed: s.installed === 'true',
    snapshot_limit_manual: null,
    snapshot_size_limit: null,
    zpool: 'zones',
    cpu_shares: 100,
    zfs_io_priority: 100,
    cpu_type: s.cpu_type ?? 'qemu64',
    vga: s.vga ?? 'std',
    mdata: {},
    routes: {},
    dns_domain: s.dns_domain ?? '',
    dc: vm.zoneName,
  };
  if (full) {
    out.disks = (def?.disks ?? []).map((d) => diskObject(d, c));
    out.nics = vm.nics.map((_, i) => nicObject(vm, i, c));
  }
  return out;
}

/** The 1-based index of :disk or :nic, or 406 `VM <what> out of range`. */
export function indexOf(q: DanubeRequest, name: 'disk' | 'nic', max: number): number {
  const raw = q.params[name] ?? '';
  const n = /^\d{1,2}$/.test(raw) ? Number(raw) : 0;
  if (n < 1 || n > max) throw apiError(406, `VM ${name === 'disk' ? 'disk' : 'NIC'} out of range`);
  return n;
}
