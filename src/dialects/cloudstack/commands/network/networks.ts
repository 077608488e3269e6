/** createNetwork, updateNetwork, deleteNetwork, listNetworks: the shared guest network and private networks. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, job, list, sync } from '../../command.js';
import type { ParamSpec } from '../../params.js';
import { csNetwork } from '../../views/network.js';
import { TAGS_FILTER, tagMatches } from './tag-params.js';

const RANGE: ParamSpec[] = [
  { name: 'startip', type: 'string', description: 'the beginning IP address of the range (managed networks)', max: 64 },
  { name: 'endip', type: 'string', description: 'the ending IP address of the range (managed networks)', max: 64 },
  { name: 'netmask', type: 'string', description: 'the netmask of the network (managed networks)', max: 64 },
];

/** createNetwork. */
export const createNetwork: CsCommand = {
  name: 'createNetwork', description: 'Create a network based on a network offering.', isAsync: false, responseName: 'network',
  params: [
    { name: 'name', type: 'string', required: true, description: 'the name of the network', max: 255 },
    { name: 'displaytext', type: 'string', required: true, description: 'the display text of the network', max: 255 },
    { name: 'zoneid', type: 'uuid', required: true, description: 'the Zone ID for the network' },
    ...RANGE,
    { name: 'networkofferingid', type: 'uuid', description: 'ignored: private networks use the PrivNet offering' },
  ],
  async handle(core, ctx, p) {
    const n = await core.networks.create(ctx, {
      zoneId: p.zoneid, name: p.name, displayText: p.displaytext, startIp: p.startip, endIp: p.endip, netmask: p.netmask,
    });
    return sync({ network: csNetwork(n) });
  },
};

/** updateNetwork. */
export const updateNetwork: CsCommand = {
  name: 'updateNetwork', description: 'Update a network', isAsync: true, responseName: 'network',
  params: [
    { name: 'id', type: 'uuid', required: true, description: 'the ID of the network' },
    { name: 'name', type: 'string', description: 'the new name for the network', max: 255 },
    { name: 'displaytext', type: 'string', description: 'the new display text for the network', max: 255 },
    ...RANGE,
  ],
  async handle(core, ctx, p) {
    const taskId = await core.networks.update(ctx, p.id, { name: p.name, displayText: p.displaytext, startIp: p.startip, endIp: p.endip, netmask: p.netmask });
    return job(taskId, p.id);
  },
};

/** deleteNetwork. */
export const deleteNetwork: CsCommand = {
  name: 'deleteNetwork', description: 'Delete a network', isAsync: true,
  params: [
    { name: 'id', type: 'uuid', required: true, description: 'the ID of the network' },
    { name: 'forced', type: 'boolean', description: 'ignored: a network in use is never deleted' },
  ],
  async handle(core, ctx, p) { return job(await core.networks.delete(ctx, p.id), p.id); },
};

/** listNetworks. */
export const listNetworks: CsCommand = {
  name: 'listNetworks', description: 'Lists all available networks', isAsync: false, responseName: 'network',
  params: [
    ...LIST_PARAMS,
    { name: 'id', type: 'uuid', description: 'list networks by id' },
    { name: 'zoneid', type: 'uuid', description: 'the Zone ID of the network' },
    { name: 'type', type: 'string', description: 'the type of the network: Isolated or Shared', max: 32 },
    { name: 'canusefordeploy', type: 'boolean', description: 'list networks available for vm deployment' },
    TAGS_FILTER,
    { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
    { name: 'listall', type: 'boolean', description: 'ignored' },
  ],
  async handle(core, ctx, p) {
    const page = await core.networks.list(ctx, {
      id: p.id, zoneId: p.zoneid, type: p.type, canUseForDeploy: p.canusefordeploy, keyword: p.keyword, tags: tagMatches(p.tags),
      page: p.page, pageSize: p.pagesize,
    });
    return list('network', page.count, page.items.map(csNetwork));
  },
};
