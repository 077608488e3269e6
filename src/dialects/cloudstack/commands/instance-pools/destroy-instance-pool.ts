/** destroyInstancePool: destroys every member, then the pool; sync (the pool shows `destroying` until it is gone). */
import { command, param, sync } from '../../command.js';

/** The command. */
export const destroyInstancePool = command({
  name: 'destroyInstancePool',
  description: 'Destroy an Instance Pool.',
  isAsync: false,
  responseName: 'success',
  params: {
    id: param.uuid('the Instance Pool ID to destroy').required(),
    zoneid: param.uuid('the ID of the zone where the Instance Pool is located in'),
  },
  async handle(core, ctx, p) {
    await core.instancePools.destroy(ctx, p.id, p.zoneid);
    return sync({ success: true });
  },
});
