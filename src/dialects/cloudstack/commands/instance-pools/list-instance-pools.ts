/** listInstancePools: the caller's pools (in a zone when given) with their members' virtualmachine objects; sync. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { csInstancePools } from '../../views/instance-pool.js';

/** The command. */
export const listInstancePools = command({
  name: 'listInstancePools',
  description: 'List Instance Pools.',
  isAsync: false,
  responseName: 'instancepool',
  params: {
    zoneid: param.uuid('the ID of the zone to list Instance Pools into'),
    id: param.uuid('Nube: the ID of one Instance Pool to list'),
    page: LIST_PARAMS.page,
    pagesize: LIST_PARAMS.pagesize,
  },
  async handle(core, ctx, p) {
    const page = await core.instancePools.list(ctx, {
      zoneId: p.zoneid,
      id: p.id,
      page: p.page,
      pageSize: p.pagesize,
    });
    return list('instancepool', page.count, await csInstancePools(core, ctx, page.items));
  },
});
