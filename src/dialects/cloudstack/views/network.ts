/** A network as CloudStack's `network` object, and the job result of updateNetwork. */
import { createHash } from 'node:crypto';
import type { Core } from '../../../core/core.js';
import type { CallContext } from '../../../lib/context.js';
import type { NetworkView } from '../../../core/networks/service.js';
import { csTags } from './common.js';

/** A stable UUID-shaped id derived from a name, for the offerings and physical networks Nube does not model. */
function derivedId(name: string): string {
  const h = createHash('sha1').update(`nube:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const PRIVNET_OFFERING = derivedId('offering:PrivNet');
const SHARED_OFFERING = derivedId('offering:DefaultSharedNetworkOfferingWithSGService');

/** The network object: private networks as Exoscale shows them (range only when managed), the shared guest network as a basic zone's. */
export function csNetwork(n: NetworkView): Record<string, unknown> {
  const common = {
    id: n.id,
    name: n.name,
    displaytext: n.displayText,
    zoneid: n.zoneId,
    zonename: n.zoneName,
    canusefordeploy: true,
    ispersistent: true,
    issystem: false,
    networkofferingavailability: 'Optional',
    networkofferingconservemode: true,
    physicalnetworkid: derivedId(`physnet:${n.zoneId}`),
    related: n.id,
    restartrequired: false,
    strechedl2subnet: false,
    traffictype: 'Guest',
    tags: csTags(n.tags, 'Network', n.id, n.accountName ?? ''),
  };
  if (n.type === 'Shared') {
    return {
      ...common,
      type: 'Shared',
      acltype: 'Domain',
      broadcastdomaintype: 'Vlan',
      state: 'Setup',
      specifyipranges: true,
      subdomainaccess: true,
      networkofferingid: SHARED_OFFERING,
      networkofferingname: 'DefaultSharedNetworkOfferingWithSGService',
      networkofferingdisplaytext: 'Offering for Shared Security group enabled networks',
      gateway: n.gateway ?? undefined,
      netmask: n.netmask ?? undefined,
      cidr: n.cidr ?? undefined,
      domain: 'ROOT',
      service: [{ name: 'SecurityGroup' }, { name: 'UserData' }, { name: 'Dhcp' }, { name: 'Dns' }],
    };
  }
  return {
    ...common,
    type: 'Isolated',
    acltype: 'Account',
    broadcastdomaintype: 'Vxlan',
    state: 'Implemented',
    specifyipranges: false,
    account: n.accountName ?? undefined,
    domain: 'ROOT',
    domainid: n.accountId ?? undefined,
    networkofferingid: PRIVNET_OFFERING,
    networkofferingname: 'PrivNet',
    networkofferingdisplaytext: 'Private Network',
    startip: n.startIp ?? undefined,
    endip: n.endIp ?? undefined,
    netmask: n.managed ? (n.netmask ?? undefined) : undefined,
    service: [{ name: 'PrivateNetwork' }],
  };
}

/** The job result of updateNetwork: the network, even once deleted. */
export async function networkResult(
  core: Core,
  ctx: CallContext,
  res: { id: string },
): Promise<Record<string, unknown>> {
  return { network: csNetwork(await core.networks.get(ctx, res.id, { includeRemoved: true })) };
}
