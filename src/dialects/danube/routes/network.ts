/** /network/: the core networks every dialect lists (public zone networks and the caller's own); addresses are in network-ip.ts. */
import { isIpv4 } from '../../../core/net/ip.js';
import { apiError, ok } from '../answers.js';
import { flag, readParams, sortBy } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { dcNetworks, namedNetworks, networkOf, type Named } from '../networks.js';

/** A network as Danube shows it. */
function networkView(n: Named) {
  const v = n.net;
  const s = v.settings;
  return {
    name: n.name,
    uuid: v.id,
    alias: s.alias,
    access: v.accountId === null ? 1 : 3,
    owner: v.accountName ?? 'admin',
    desc: v.displayText === v.name ? '' : v.displayText,
    network: v.cidr ? v.cidr.split('/')[0]! : null,
    netmask: v.netmask,
    gateway: v.gateway,
    nic_tag: s.nicTag,
    vlan_id: s.vlanId,
    vxlan_id: null,
    mtu: s.mtu,
    resolvers: s.resolvers,
    dns_domain: s.dnsDomain,
    ptr_domain: '',
    dhcp_passthrough: false,
    dc_bound: true,
    dc: v.zoneName,
    created: v.created,
  };
}

/** The first and last host address of a subnet (network address and netmask), or undefined for a bad pair. */
function hostRange(network: string, netmask: string): { start: string; end: string } | undefined {
  if (!isIpv4(network) || !isIpv4(netmask)) return undefined;
  const toInt = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const toIp = (n: number) => [24, 16, 8, 0].map((b) => Math.floor(n / 2 ** b) % 256).join('.');
  const mask = toInt(netmask);
  const size = 2 ** 32 - mask;
  if (size < 4 || (size & (size - 1)) !== 0) return undefined;
  const base = toInt(network) - (toInt(network) % size);
  return { start: toIp(base + 1), end: toIp(base + size - 2) };
}

/** The fields POST and PUT take. */
const FIELDS = {
  network: { type: 'str', maxLength: 15 },
  netmask: { type: 'str', maxLength: 15 },
  gateway: { type: 'str', maxLength: 15 },
  nic_tag: { type: 'str', maxLength: 32 },
  vlan_id: { type: 'int', min: 0, max: 4096 },
  vxlan_id: { type: 'int', nullable: true },
  mtu: { type: 'int', min: 576, max: 9000, nullable: true },
  resolvers: { type: 'list' },
  dns_domain: { type: 'str', maxLength: 255 },
  ptr_domain: { type: 'str', maxLength: 255 },
  dhcp_passthrough: { type: 'bool' },
  alias: { type: 'str', maxLength: 32 },
  access: { type: 'int', choices: [1, 3] },
  owner: { type: 'str' },
  desc: { type: 'str', maxLength: 128 },
  dc_bound: { type: 'bool' },
} as const;

/** Reads the settings part of a POST or PUT. */
function settingsOf(p: {
  nic_tag?: string;
  vlan_id?: number;
  mtu?: number | null;
  resolvers?: unknown[];
  dns_domain?: string;
  alias?: string;
}) {
  return {
    ...(p.nic_tag !== undefined ? { nicTag: p.nic_tag } : {}),
    ...(p.vlan_id !== undefined ? { vlanId: p.vlan_id } : {}),
    ...(p.mtu !== undefined ? { mtu: p.mtu } : {}),
    ...(p.resolvers !== undefined ? { resolvers: p.resolvers.map(String) } : {}),
    ...(p.dns_domain !== undefined ? { dnsDomain: p.dns_domain } : {}),
    ...(p.alias !== undefined ? { alias: p.alias } : {}),
  };
}

/**
 * Under /dc/<dc>/, POST and DELETE of a network attach and detach it in Danube: Nube's networks belong to their zone,
 * so that answers 501 rather than creating or deleting the network.
 */
function notAttach(q: DanubeRequest): void {
  if (q.params.dc !== undefined) throw apiError(501, 'Operation not supported');
}

/** A public network is nobody's to change through this dialect: 403. */
function ownNetwork(n: Named): Named {
  if (n.net.accountId === null) throw apiError(403, 'You do not have permission to perform this action.');
  return n;
}

/** Registers the network routes (the DC prefix lists and creates a zone's networks). */
export function networkRoutes(r: DanubeRouter): void {
  r.get(
    '/network/',
    async (q) => {
      const views = sortBy(q, (await dcNetworks(q)).map(networkView), ['name', 'created'], 'name');
      return ok(q, flag(q, 'full') || flag(q, 'extended') ? views : views.map((v) => v.name));
    },
    'Networks: public ones and your own; names, or objects with full=true.',
  );
  r.get('/network/:name/', async (q) => ok(q, networkView(await networkOf(q))), 'One network.');
  r.post(
    '/network/:name/',
    async (q) => {
      notAttach(q);
      const name = q.params.name ?? '';
      const p = readParams(q, {
        ...FIELDS,
        network: { ...FIELDS.network, required: true },
        netmask: { ...FIELDS.netmask, required: true },
        gateway: { ...FIELDS.gateway, required: true },
        nic_tag: { ...FIELDS.nic_tag, required: true },
        vlan_id: { ...FIELDS.vlan_id, required: true },
      });
      const errors: Record<string, string[]> = {};
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.length < 3 || name.length > 32)
        errors.name = ['Enter a valid name (3 to 32 letters, digits, dots, dashes or underscores).'];
      const range = hostRange(p.network!, p.netmask!);
      if (!range) errors.network = ['Enter a valid IPv4 network address and netmask.'];
      if (!isIpv4(p.gateway!)) errors.gateway = ['Enter a valid IPv4 address.'];
      if (Object.keys(errors).length) throw apiError(400, errors);
      if ((await namedNetworks(q)).some((n) => n.name === name)) throw apiError(406, 'Network already exists');
      const zones = await q.core.catalog.listZones();
      const zoneId = q.dc.zoneId ?? zones[0]!.id;
      const { network } = await q.core.networks.create(q.ctx, {
        zoneId,
        name,
        displayText: p.desc || name,
        startIp: range!.start,
        endIp: range!.end,
        netmask: p.netmask!,
        gateway: p.gateway!,
        settings: settingsOf(p),
      });
      const named = (await namedNetworks(q)).find((n) => n.net.id === network.id)!;
      return ok(q, networkView(named), { status: 201 });
    },
    'Creates a network of your own (network, netmask, gateway, nic_tag, vlan_id required).',
  );
  r.put(
    '/network/:name/',
    async (q) => {
      const n = ownNetwork(await networkOf(q));
      const p = readParams(q, FIELDS);
      let range: { start: string; end: string } | undefined;
      if (p.network !== undefined || p.netmask !== undefined) {
        range = hostRange(p.network ?? n.net.cidr?.split('/')[0] ?? '', p.netmask ?? n.net.netmask ?? '');
        if (!range) throw apiError(400, { network: ['Enter a valid IPv4 network address and netmask.'] });
      }
      await q.core.networks.update(q.ctx, n.net.id, {
        ...(p.desc !== undefined ? { displayText: p.desc || n.net.name } : {}),
        ...(range ? { startIp: range.start, endIp: range.end, netmask: p.netmask ?? n.net.netmask! } : {}),
        ...(p.gateway !== undefined ? { gateway: p.gateway } : {}),
        settings: settingsOf(p),
      });
      return ok(q, networkView(await networkOf(q)));
    },
    'Changes a network of your own.',
  );
  r.delete(
    '/network/:name/',
    async (q) => {
      notAttach(q);
      const n = ownNetwork(await networkOf(q));
      const vms = await q.core.vms.list(q.ctx, { networkId: n.net.id, pageSize: 1 });
      if (vms.count > 0) throw apiError(428, 'Network is in use');
      const receipt = await q.core.networks.delete(q.ctx, n.net.id);
      return ok(q, null, { taskId: receipt.taskId });
    },
    'Deletes a network of your own; 428 while a VM uses it.',
  );
  r.get(
    '/network/:name/vm/',
    async (q) => {
      const n = await networkOf(q);
      const vms = (await q.core.vms.list(q.ctx, { networkId: n.net.id })).items;
      const views = sortBy(
        q,
        vms.map((v) => ({ hostname: v.name, uuid: v.id, alias: v.displayName, status: v.state.toLowerCase() })),
        ['hostname'],
        'hostname',
      );
      return ok(q, flag(q, 'full') || flag(q, 'extended') ? views : views.map((v) => v.hostname));
    },
    'Your VMs with a NIC on a network.',
  );
}
