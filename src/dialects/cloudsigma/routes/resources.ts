/** Resources (seed section 9): VLANs are the account's private (Isolated) networks; static IPs are its elastic public IPs. */
import type { SigmaCall, SigmaRouter } from '../router.js';
import type { NetworkView } from '../../../core/networks/service.js';
import type { PublicIpView } from '../../../core/ips/service.js';
import type { IpPoolSettings } from '../../../core/ips/pools.js';
import { invalid, notFound, unavailable } from '../../../lib/errors.js';
import { encodeList, encodeRecord, encodeRecords } from '../../../lib/sigma-text.js';
import { required } from './drives.js';
import { settle } from './servers.js';

/** Registers VLAN and static IP commands. */
export function resourceRoutes(r: SigmaRouter): void {
  const vlans = async (c: SigmaCall) =>
    (await c.core.networks.list(c.ctx, { type: 'Isolated' })).items.filter((n) => n.accountId === c.ctx.accountId);
  r.route('read', ['/resources/vlan/list'], async (c) => ({
    text: encodeList(
      (await vlans(c)).map((n) => n.id),
      'vlan',
    ),
  }));
  r.route('read', ['/resources/vlan/info'], async (c) => ({ text: encodeRecords((await vlans(c)).map(vlanRecord)) }));
  r.route('read', ['/resources/vlan/:id/info'], async (c) => ({
    text: encodeRecord(vlanRecord(await vlan(c, c.params.id!))),
  }));
  r.route('body', ['/resources/vlan/create'], async (c) => {
    const name = required(c.record(), 'name');
    const zone = (await c.core.catalog.listZones())[0];
    if (!zone) throw unavailable('No zone is configured', 'not_configured');
    const { network } = await c.core.networks.create(c.ctx, { zoneId: zone.id, name, displayText: name });
    return { text: encodeRecord(vlanRecord(network)) };
  });
  r.route('body', ['/resources/vlan/:id/set'], async (c) => {
    const name = required(c.record(), 'name');
    await vlan(c, c.params.id!);
    await c.core.networks.update(c.ctx, c.params.id!, { name, displayText: name });
    return { text: encodeRecord(vlanRecord(await vlan(c, c.params.id!))) };
  });
  r.route('action', ['/resources/vlan/:id/destroy'], async (c) => {
    await vlan(c, c.params.id!);
    await c.core.networks.delete(c.ctx, c.params.id!);
    return undefined;
  });

  const ips = async (c: SigmaCall) => (await c.core.ips.list(c.ctx)).items;
  r.route('read', ['/resources/ip/list'], async (c) => ({
    text: encodeList(
      (await ips(c)).map((i) => i.address),
      'ip',
    ),
  }));
  r.route('read', ['/resources/ip/info'], async (c) => {
    const pools = await c.core.ipPools.all();
    return { text: encodeRecords((await ips(c)).map((i) => ipRecord(i, pools.get(i.zoneId)))) };
  });
  r.route('read', ['/resources/ip/:ip/info'], async (c) => ({
    text: await ipText(c, await ipByAddress(c, c.params.ip!)),
  }));
  r.route('action', ['/resources/ip/create'], async (c) => {
    const zone = (await c.core.catalog.listZones())[0];
    if (!zone) throw unavailable('No zone is configured', 'not_configured');
    const { taskId, objectId } = await c.core.ips.associate(c.ctx, { zoneId: zone.id });
    await settle(c, taskId);
    return { text: await ipText(c, await c.core.ips.get(c.ctx, objectId)) };
  });
  r.route('action', ['/resources/ip/:ip/destroy'], async (c) => {
    const ip = await ipByAddress(c, c.params.ip!);
    await settle(c, (await c.core.ips.disassociate(c.ctx, ip.id)).taskId);
    return undefined;
  });
}

async function vlan(c: SigmaCall, id: string): Promise<NetworkView> {
  const n = await c.core.networks.get(c.ctx, id);
  if (n.accountId !== c.ctx.accountId || n.type !== 'Isolated') throw notFound('vlan', id, 'object');
  return n;
}

async function ipByAddress(c: SigmaCall, address: string): Promise<PublicIpView> {
  if (!/^[0-9a-fA-F.:]{2,45}$/.test(address)) throw invalid('Expected an IP address', 'ip');
  const found = (await c.core.ips.list(c.ctx)).items.find((i) => i.address === address);
  if (!found) throw notFound('ip', address, 'object');
  return found;
}

function vlanRecord(n: NetworkView): Record<string, string> {
  return { resource: n.id, type: 'vlan', name: n.name, user: n.accountId ?? '' };
}

async function ipText(c: SigmaCall, i: PublicIpView): Promise<string> {
  return encodeRecord(ipRecord(i, await c.core.ipPools.settings(i.zoneId)));
}

/** A static IP record; gateway, netmask and nameservers come from the zone pool's operator settings. */
function ipRecord(i: PublicIpView, pool: IpPoolSettings | undefined): Record<string, string> {
  return {
    resource: i.address,
    type: 'ip',
    user: i.accountId,
    netmask: pool?.netmask ?? '',
    gateway: pool?.gateway ?? '',
    nameserver: pool?.nameservers.join(' ') ?? '',
  };
}
