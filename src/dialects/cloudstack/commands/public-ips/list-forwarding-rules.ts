/** listPortForwardingRules, listIpForwardingRules: a basic zone has none, but libcloud's list_nodes calls both. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { TAGS_FILTER } from '../../tag-params.js';

const FILTERS = {
  ...LIST_PARAMS,
  id: param.uuid('the ID of the rule'),
  ipaddressid: param.uuid('the ID of the IP address the rules are for'),
  virtualmachineid: param.uuid('lists the rules of this virtual machine'),
  networkid: param.uuid('list the rules of this network'),
  account: param.string("ignored: always the caller's account"),
  domainid: param.uuid('ignored'),
  projectid: param.uuid('ignored: Nube has no projects'),
  isrecursive: param.boolean('ignored'),
  listall: param.boolean('ignored'),
  fordisplay: param.boolean('ignored'),
  tags: TAGS_FILTER,
};

/** listPortForwardingRules. */
export const listPortForwardingRules = command({
  name: 'listPortForwardingRules',
  description: 'Lists all port forwarding rules for an IP address.',
  isAsync: false,
  responseName: 'portforwardingrule',
  params: FILTERS,
  async handle(core, ctx, p) {
    const page = await core.ips.listForwardingRules(ctx, {
      ipAddressId: p.ipaddressid,
      vmId: p.virtualmachineid,
      networkId: p.networkid,
    });
    return list('portforwardingrule', page.count, page.items);
  },
});

/** listIpForwardingRules. */
export const listIpForwardingRules = command({
  name: 'listIpForwardingRules',
  description: 'List the IP forwarding rules.',
  isAsync: false,
  responseName: 'ipforwardingrule',
  params: FILTERS,
  async handle(core, ctx, p) {
    const page = await core.ips.listForwardingRules(ctx, {
      ipAddressId: p.ipaddressid,
      vmId: p.virtualmachineid,
      networkId: p.networkid,
    });
    return list('ipforwardingrule', page.count, page.items);
  },
});
