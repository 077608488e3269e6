/** getInstancePool: one of the caller's pools with its members' virtualmachine objects; sync. */
import { command, list, param } from '../../command.js';
import { csInstancePools } from '../../views/instance-pool.js';

/** The command. */
export const getInstancePool = command({
  name: 'getInstancePool',
  description: "Get an Instance Pool's properties.",
  isAsync: false,
  responseName: 'instancepool',
  params: {
    id: param.uuid('the Instance Pool ID to get').required(),
    zoneid: param.uuid('the ID of the zone where the Instance Pool is located in'),
  },
  async handle(core, ctx, p) {
    const pool = await core.instancePools.get(ctx, p.id, p.zoneid);
    return list('instancepool', 1, await csInstancePools(core, ctx, [pool]));
  },
});
