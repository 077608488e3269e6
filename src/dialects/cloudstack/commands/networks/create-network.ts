/** createNetwork: a private network in a zone, managed (with an IP range) or not; sync. */
import { command, param, sync } from '../../command.js';
import { csNetwork } from '../../views/network.js';

/** The IP range of a managed private network, which updateNetwork changes too. */
export const RANGE_PARAMS = {
  startip: param.string('the beginning IP address of the range (managed networks)').maxLength(64),
  endip: param.string('the ending IP address of the range (managed networks)').maxLength(64),
  netmask: param.string('the netmask of the network (managed networks)').maxLength(64),
};

/** The command. */
export const createNetwork = command({
  name: 'createNetwork',
  description: 'Create a network based on a network offering.',
  isAsync: false,
  responseName: 'network',
  params: {
    name: param.string('the name of the network').required().maxLength(255),
    displaytext: param.string('the display text of the network').required().maxLength(255),
    zoneid: param.uuid('the Zone ID for the network').required(),
    ...RANGE_PARAMS,
    networkofferingid: param.uuid('ignored: private networks use the PrivNet offering'),
  },
  async handle(core, ctx, p) {
    const n = await core.networks.create(ctx, {
      zoneId: p.zoneid,
      name: p.name,
      displayText: p.displaytext,
      startIp: p.startip,
      endIp: p.endip,
      netmask: p.netmask,
    });
    return sync({ network: csNetwork(n.network) });
  },
});
