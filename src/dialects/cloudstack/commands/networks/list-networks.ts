/** listNetworks: the shared guest network and the caller's private networks, filtered and paged. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { TAGS_FILTER, tagMatches } from '../../tag-params.js';
import { csNetwork } from '../../views/network.js';

/** The command. */
export const listNetworks = command({
  name: 'listNetworks',
  description: 'Lists all available networks',
  isAsync: false,
  responseName: 'network',
  params: {
    ...LIST_PARAMS,
    id: param.uuid('list networks by id'),
    zoneid: param.uuid('the Zone ID of the network'),
    type: param.string('the type of the network: Isolated or Shared').maxLength(32),
    canusefordeploy: param.boolean('list networks available for vm deployment'),
    tags: TAGS_FILTER,
    projectid: param.uuid('ignored: Nube has no projects'),
    listall: param.boolean('ignored'),
  },
  async handle(core, ctx, p) {
    const page = await core.networks.list(ctx, {
      id: p.id,
      zoneId: p.zoneid,
      type: p.type,
      canUseForDeploy: p.canusefordeploy,
      keyword: p.keyword,
      tags: tagMatches(p.tags),
      page: p.page,
      pageSize: p.pagesize,
    });
    return list('network', page.count, page.items.map(csNetwork));
  },
});
