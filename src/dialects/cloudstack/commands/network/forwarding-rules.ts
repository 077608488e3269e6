/** listPortForwardingRules, listIpForwardingRules: a basic zone has none, but libcloud's list_nodes calls both. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, list } from '../../command.js';
import type { ParamSpec } from '../../params.js';
import { TAGS_FILTER } from './tag-params.js';

const FILTERS: ParamSpec[] = [
  ...LIST_PARAMS,
  { name: 'id', type: 'uuid', description: 'the ID of the rule' },
  { name: 'ipaddressid', type: 'uuid', description: 'the ID of the IP address the rules are for' },
  { name: 'virtualmachineid', type: 'uuid', description: 'lists the rules of this virtual machine' },
  { name: 'networkid', type: 'uuid', description: 'list the rules of this network' },
  { name: 'account', type: 'string', description: 'ignored: always the caller\'s account' },
  { name: 'domainid', type: 'uuid', description: 'ignored' },
  { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
  { name: 'isrecursive', type: 'boolean', description: 'ignored' },
  { name: 'listall', type: 'boolean', description: 'ignored' },
  { name: 'fordisplay', type: 'boolean', description: 'ignored' },
  TAGS_FILTER,
];

/** listPortForwardingRules. */
export const listPortForwardingRules: CsCommand = {
  name: 'listPortForwardingRules', description: 'Lists all port forwarding rules for an IP address.', isAsync: false,
  responseName: 'portforwardingrule', params: FILTERS,
  async handle(core, ctx, p) {
    const page = await core.ips.listForwardingRules(ctx, { ipAddressId: p.ipaddressid, vmId: p.virtualmachineid, networkId: p.networkid });
    return list('portforwardingrule', page.count, page.items);
  },
};

/** listIpForwardingRules. */
export const listIpForwardingRules: CsCommand = {
  name: 'listIpForwardingRules', description: 'List the IP forwarding rules.', isAsync: false,
  responseName: 'ipforwardingrule', params: FILTERS,
  async handle(core, ctx, p) {
    const page = await core.ips.listForwardingRules(ctx, { ipAddressId: p.ipaddressid, vmId: p.virtualmachineid, networkId: p.networkid });
    return list('ipforwardingrule', page.count, page.items);
  },
};
